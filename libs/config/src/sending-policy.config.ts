import { Duration, IANAZone } from 'luxon';

/**
 * The sending policy's settings, parsed from their environment text. Kept here (not in
 * messaging) so the environment schema can validate them at boot with the same parser the
 * typed config uses.
 */

/** At most `limit` marketing emails per customer in any `windowMs` (FREQUENCY_CAP_RULES `1/PT16H`). */
export interface FrequencyCapRule {
  limit: number;
  windowMs: number;
}

/** Local times of day, in seconds since midnight; `start > end` crosses midnight. */
export interface QuietHours {
  start: number;
  end: number;
  /** As configured, for messages: `21:00-08:00`. */
  text: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** `1/PT16H,3/P7D`; empty means no cap. */
export function parseFrequencyCapRules(text: string): Parsed<FrequencyCapRule[]> {
  const rules: FrequencyCapRule[] = [];
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const match = /^(\d+)\/(P\S+)$/.exec(part);
    const duration = match ? Duration.fromISO(match[2]!) : undefined;
    const windowMs = duration?.isValid ? duration.as('milliseconds') : NaN;
    const limit = match ? Number(match[1]) : NaN;
    if (!(limit >= 1) || !(windowMs > 0)) {
      return {
        ok: false,
        message: `"${part}" is not <count>/<ISO-8601 duration>; write rules like 1/PT16H,3/P7D`,
      };
    }
    rules.push({ limit, windowMs });
  }
  return { ok: true, value: rules };
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

function secondsOfDay(text: string): number | undefined {
  const m = TIME_OF_DAY.exec(text);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0) : undefined;
}

/** `21:00-08:00` (HH:MM or HH:MM:SS, local to the customer); empty disables quiet hours. */
export function parseQuietHours(text: string): Parsed<QuietHours | undefined> {
  const trimmed = text.trim();
  if (trimmed === '') {
    return { ok: true, value: undefined };
  }
  const [from, to, ...rest] = trimmed.split('-');
  const start = from === undefined ? undefined : secondsOfDay(from.trim());
  const end = to === undefined ? undefined : secondsOfDay(to.trim());
  if (start === undefined || end === undefined || rest.length > 0) {
    return { ok: false, message: 'must be HH:MM-HH:MM (24 h, local time), e.g. 21:00-08:00, or empty' };
  }
  if (start === end) {
    return { ok: false, message: 'start and end are the same time; leave it empty to disable quiet hours' };
  }
  return { ok: true, value: { start, end, text: trimmed } };
}

export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}
