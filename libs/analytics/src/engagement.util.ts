/**
 * Which opens and clicks a person made, and which a machine did (docs/analytics.md, "Machine
 * activity"). Privacy proxies fetch the open pixel whether or not anyone reads the message, and
 * security gateways follow every link before delivering it. Both are kept and shown apart; the
 * human rates and attribution use only the rest.
 *
 * A click's verdict can depend on clicks that come after it (a scanner's burst), so the verdict is
 * a function of all of a message's activity, recomputed as activity arrives.
 */

export interface EngagementThresholds {
  /** An open sooner than this after sending is a machine's (unless a person also clicked). */
  minOpenSeconds: number;
  /** A click sooner than this after sending is a scanner's: nobody reads and clicks that fast. */
  minClickSeconds: number;
  /** Clicks on `burstLinks` different links within `burstWindowMs` are a scanner's, all of them. */
  burstWindowMs: number;
  burstLinks: number;
  /** Proxies that fetch images on delivery: Apple Mail Privacy Protection, Yahoo. */
  proxyUserAgents: readonly RegExp[];
  /** Clients that are no person's browser. */
  scannerUserAgents: readonly RegExp[];
}

export const DEFAULT_ENGAGEMENT_THRESHOLDS: EngagementThresholds = {
  minOpenSeconds: 5,
  minClickSeconds: 10,
  burstWindowMs: 1000,
  burstLinks: 2,
  // Apple's proxy announces itself as the bare "Mozilla/5.0"; Gmail's image proxy is left out on
  // purpose: it fetches when the person opens the message.
  proxyUserAgents: [/^Mozilla\/5\.0$/, /YahooMailProxy/i],
  scannerUserAgents: [/bot\b|crawler|spider|python-requests|curl\/|wget|go-http-client|okhttp|java\//i],
};

export interface EngagementHit {
  at: number;
  userAgent: string | null;
}

export interface LinkClick extends EngagementHit {
  /** The link clicked (its URL or a stable id of it). */
  link: string;
}

export interface MessageActivity {
  sentAt: number;
  opens: readonly EngagementHit[];
  clicks: readonly LinkClick[];
}

export type MachineReason = 'no-user-agent' | 'proxy-user-agent' | 'scanner-user-agent' | 'too-soon' | 'burst';

export interface Verdict<T> {
  hit: T;
  /** Why a machine did it; null for a person. */
  machine: MachineReason | null;
}

export type Engaged = 'human' | 'machine' | 'none';

export interface MessageEngagement {
  opens: Verdict<EngagementHit>[];
  clicks: Verdict<LinkClick>[];
  /**
   * Human when a person opened or clicked (a click means the message was read, pixel or not);
   * machine when only machines fetched the pixel.
   */
  opened: Engaged;
  clicked: Engaged;
  /** Times of the person's opens and clicks, for attribution. */
  humanOpens: number[];
  humanClicks: number[];
}

function userAgentReason(
  userAgent: string | null,
  patterns: readonly RegExp[],
  reason: MachineReason,
): MachineReason | null {
  if (!userAgent?.trim()) {
    return 'no-user-agent';
  }
  return patterns.some((p) => p.test(userAgent)) ? reason : null;
}

/** True when some window of burstWindowMs holding this click holds clicks on burstLinks links. */
function inBurst(click: LinkClick, clicks: readonly LinkClick[], t: EngagementThresholds): boolean {
  return clicks.some((first) => {
    if (first.at > click.at || click.at - first.at > t.burstWindowMs) {
      return false;
    }
    const links = new Set(
      clicks.filter((c) => c.at >= first.at && c.at - first.at <= t.burstWindowMs).map((c) => c.link),
    );
    return links.size >= t.burstLinks;
  });
}

export function classifyMessageEngagement(
  activity: MessageActivity,
  t: EngagementThresholds = DEFAULT_ENGAGEMENT_THRESHOLDS,
): MessageEngagement {
  const soonerThan = (hit: EngagementHit, seconds: number) => hit.at - activity.sentAt < seconds * 1000;
  const opens = activity.opens.map((hit) => ({
    hit,
    machine:
      userAgentReason(hit.userAgent, t.proxyUserAgents, 'proxy-user-agent') ??
      (soonerThan(hit, t.minOpenSeconds) ? ('too-soon' as const) : null),
  }));
  const clicks = activity.clicks.map((hit) => ({
    hit,
    machine:
      userAgentReason(hit.userAgent, t.scannerUserAgents, 'scanner-user-agent') ??
      (soonerThan(hit, t.minClickSeconds) ? ('too-soon' as const) : null) ??
      (inBurst(hit, activity.clicks, t) ? ('burst' as const) : null),
  }));
  const human = <T extends EngagementHit>(verdicts: Verdict<T>[]) =>
    verdicts.filter((v) => v.machine === null).map((v) => v.hit.at);
  const humanOpens = human(opens);
  const humanClicks = human(clicks);
  const engaged = (humans: number, all: number): Engaged => (humans > 0 ? 'human' : all > 0 ? 'machine' : 'none');
  return {
    opens,
    clicks,
    opened: engaged(humanOpens.length + humanClicks.length, opens.length),
    clicked: engaged(humanClicks.length, clicks.length),
    humanOpens,
    humanClicks,
  };
}
