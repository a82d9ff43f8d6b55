import type { FrequencyCapRule, QuietHours } from '@kizuna/config';
import { DateTime, IANAZone } from 'luxon';
import type { MessageCategory } from '../outbox/outbox-message';

/**
 * The sending policy for marketing email, decided at send time (after suppression and consent,
 * before rendering): frequency caps across all journeys per customer, and quiet hours in the
 * customer's own time zone. Pure: the delivery repository supplies the customer's recent
 * marketing sends and the database clock's now, under a per-customer lock.
 * Transactional mail bypasses both.
 */

export type WhenCapped = 'defer' | 'skip';

/** How long a message waits for higher-priority ones that are being decided. */
const YIELD_MS = 2000;

export interface SendingPolicySettings {
  frequencyCaps: FrequencyCapRule[];
  quietHours: QuietHours | undefined;
  defaultTimeZone: string;
}

export interface PolicyInput {
  category: MessageCategory;
  whenCapped: WhenCapped;
  /** The profile's time zone (IANA); invalid or missing falls back to the default zone. */
  timeZone: string | null;
  /** When the customer's other marketing email went out (or is going out now), any order. */
  recentMarketing: Date[];
  /**
   * How many of the customer's marketing messages with a higher priority are due and not yet
   * decided (claimed by another worker, or not claimed yet); they take free cap slots first.
   */
  higherPriorityDue?: number;
  now: Date;
}

export type PolicyDecision =
  { action: 'send' } | { action: 'defer'; until: Date; reason: string } | { action: 'skip'; reason: string };

export class SendingPolicy {
  constructor(private readonly settings: SendingPolicySettings) {}

  /** Whether marketing email is subject to anything at all (else no lock or count is needed). */
  get active(): boolean {
    return this.settings.frequencyCaps.length > 0 || this.settings.quietHours !== undefined;
  }

  /** How far back sends matter: the longest cap window. */
  get lookbackMs(): number {
    return Math.max(0, ...this.settings.frequencyCaps.map((r) => r.windowMs));
  }

  decide(input: PolicyInput): PolicyDecision {
    if (input.category === 'transactional') {
      return { action: 'send' };
    }
    const zone =
      input.timeZone && IANAZone.isValidZone(input.timeZone) ? input.timeZone : this.settings.defaultTimeZone;
    const cap = this.capped(input.recentMarketing, input.now);
    if (cap) {
      if (input.whenCapped === 'skip') {
        return { action: 'skip', reason: `${cap.reason}; the journey skips capped messages` };
      }
      // A capped message must not then land in quiet hours: hold it past them too.
      const held = this.heldUntil(cap.until, zone);
      const until = held ?? cap.until;
      const after = held ? ` (end of quiet hours ${this.settings.quietHours!.text} ${zone})` : '';
      return { action: 'defer', until, reason: `${cap.reason}; next allowed ${utc(until)}${after}` };
    }
    const yielding = this.yieldsTo(input.recentMarketing, input.higherPriorityDue ?? 0, input.now);
    if (yielding) {
      return yielding;
    }
    const held = this.heldUntil(input.now, zone);
    if (held) {
      return {
        action: 'defer',
        until: held,
        reason: `quiet hours ${this.settings.quietHours!.text} ${zone}; held until ${local(held, zone)}`,
      };
    }
    return { action: 'send' };
  }

  /**
   * The most binding cap: for each rule reached, the next allowed time is when the oldest send
   * that counts leaves the window; the latest of those wins.
   */
  private capped(recent: Date[], now: Date): { until: Date; reason: string } | undefined {
    const newestFirst = recent.map((d) => d.getTime()).sort((a, b) => b - a);
    let worst: { until: Date; reason: string } | undefined;
    for (const rule of this.settings.frequencyCaps) {
      const inWindow = newestFirst.filter((t) => t > now.getTime() - rule.windowMs);
      if (inWindow.length < rule.limit) {
        continue;
      }
      const oldestCounted = inWindow[rule.limit - 1]!;
      const until = new Date(oldestCounted + rule.windowMs);
      if (!worst || until > worst.until) {
        const counted =
          rule.limit === 1
            ? `last marketing email ${utc(new Date(oldestCounted), 'down')}`
            : `${rule.limit} marketing emails since ${utc(new Date(oldestCounted), 'down')}`;
        worst = { until, reason: `frequency cap: ${rule.limit} per ${span(rule.windowMs)} reached (${counted})` };
      }
    }
    return worst;
  }

  /**
   * Not capped, but the free slots are owed to higher-priority messages that are due: wait a
   * moment (they are being decided now) and decide again, by then against the cap they filled.
   */
  private yieldsTo(recent: Date[], higherPriorityDue: number, now: Date): PolicyDecision | undefined {
    if (higherPriorityDue === 0 || this.settings.frequencyCaps.length === 0) {
      return undefined;
    }
    const free = Math.min(
      ...this.settings.frequencyCaps.map(
        (rule) => rule.limit - recent.filter((d) => d.getTime() > now.getTime() - rule.windowMs).length,
      ),
    );
    if (free > higherPriorityDue) {
      return undefined;
    }
    const until = new Date(now.getTime() + YIELD_MS);
    return {
      action: 'defer',
      until,
      reason: `frequency cap: ${higherPriorityDue} higher-priority message(s) for this customer go first; deciding again at ${utc(until)}`,
    };
  }

  /** When quiet hours hold a message due at `at` in `zone`, the local time they end; else undefined. */
  heldUntil(at: Date, zone: string): Date | undefined {
    const quiet = this.settings.quietHours;
    if (!quiet) {
      return undefined;
    }
    const localTime = DateTime.fromJSDate(at, { zone });
    const second = localTime.hour * 3600 + localTime.minute * 60 + localTime.second;
    const inside =
      quiet.start < quiet.end
        ? second >= quiet.start && second < quiet.end
        : second >= quiet.start || second < quiet.end;
    if (!inside) {
      return undefined;
    }
    // The next wall-clock end in the customer's zone. Calendar arithmetic in the zone keeps this
    // right across DST changes (a fixed offset would be an hour off on those days); an end that
    // falls in a spring-forward gap becomes the first valid time after it.
    const endOf = (day: DateTime) =>
      day.set({ hour: Math.floor(quiet.end / 3600), minute: Math.floor(quiet.end / 60) % 60, second: quiet.end % 60 });
    let end = endOf(localTime.startOf('day'));
    if (end <= localTime) {
      end = endOf(localTime.startOf('day').plus({ days: 1 }));
    }
    return end.toJSDate();
  }
}

/**
 * `2026-11-22T01:00Z`: whole seconds (shown only when not zero); times to wait for are rounded
 * up, so the log never names a moment before the real one.
 */
function utc(d: Date, round: 'down' | 'up' = 'up'): string {
  return stamp(d, 'UTC', round);
}

/** `2026-11-22T08:00+09:00` in the customer's zone. */
function local(d: Date, zone: string): string {
  return stamp(d, zone, 'up');
}

function stamp(d: Date, zone: string, round: 'down' | 'up'): string {
  const ms = d.getTime();
  const whole = round === 'down' ? Math.floor(ms / 1000) * 1000 : Math.ceil(ms / 1000) * 1000;
  return DateTime.fromMillis(whole, { zone }).toISO({ suppressMilliseconds: true, suppressSeconds: true })!;
}

/** A cap window as people say it: `16h`, `7d`, `90m`, `3s`. */
function span(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) {
      return `${ms / size}${unit}`;
    }
  }
  return `${ms}ms`;
}
