import { z } from 'zod';
import { DEFAULT_ATTRIBUTION, type AttributionSettings } from '../attribution.util';
import { DEFAULT_ENGAGEMENT_THRESHOLDS, type EngagementThresholds } from '../engagement.util';
import { DEFAULT_CHURN_DAYS } from '../kpis.util';
import { DEFAULT_LIFT_SETTINGS, type LiftSettings } from '../statistics.util';

/**
 * The shop settings every analytics figure depends on (docs/analytics.md, "Settings"): how orders
 * are attributed, what counts as a machine's open or click, how lift is planned, and the churn
 * window. They change at run time and apply from the change on; the environment holds only the
 * shop's currency and time zone (config.shop).
 */
export interface AnalyticsSettings {
  attribution: AttributionSettings;
  engagement: EngagementThresholds;
  lift: LiftSettings;
  kpi: { churnDays: number };
}

const DAY_MS = 86_400_000;

const pattern = z.string().min(1).max(200).refine(isRegExp, 'must be a regular expression');

/** The stored (and API) form: JSON, so windows in days and user-agent patterns as strings. */
export const storedAnalyticsSettingsSchema = z.strictObject({
  attribution: z.strictObject({
    touch: z.enum(['received', 'opened', 'clicked', 'clicked-else-received']),
    windowDays: z.number().int().min(1).max(90),
  }),
  engagement: z.strictObject({
    minOpenSeconds: z.number().int().min(0).max(3600),
    minClickSeconds: z.number().int().min(0).max(3600),
    burstWindowMs: z.number().int().min(0).max(60_000),
    burstLinks: z.number().int().min(2).max(50),
    proxyUserAgents: z.array(pattern).max(50),
    scannerUserAgents: z.array(pattern).max(50),
  }),
  lift: z.strictObject({
    confidence: z.number().min(0.8).max(0.999),
    power: z.number().min(0.5).max(0.99),
    minimumDetectableLift: z.number().gt(0).max(10),
    fallbackBaseline: z.number().gt(0).lt(1),
  }),
  kpi: z.strictObject({ churnDays: z.number().int().min(7).max(730) }),
});

export type StoredAnalyticsSettings = z.infer<typeof storedAnalyticsSettingsSchema>;

/** A change: any subset of the groups and of their fields; the rest stays as it is. */
export const analyticsSettingsChangeSchema = z.strictObject({
  attribution: storedAnalyticsSettingsSchema.shape.attribution.partial().optional(),
  engagement: storedAnalyticsSettingsSchema.shape.engagement.partial().optional(),
  lift: storedAnalyticsSettingsSchema.shape.lift.partial().optional(),
  kpi: storedAnalyticsSettingsSchema.shape.kpi.partial().optional(),
});

export type AnalyticsSettingsChange = z.infer<typeof analyticsSettingsChangeSchema>;

export const DEFAULT_STORED_ANALYTICS_SETTINGS: StoredAnalyticsSettings = {
  attribution: { touch: DEFAULT_ATTRIBUTION.touch, windowDays: DEFAULT_ATTRIBUTION.windowMs / DAY_MS },
  engagement: {
    minOpenSeconds: DEFAULT_ENGAGEMENT_THRESHOLDS.minOpenSeconds,
    minClickSeconds: DEFAULT_ENGAGEMENT_THRESHOLDS.minClickSeconds,
    burstWindowMs: DEFAULT_ENGAGEMENT_THRESHOLDS.burstWindowMs,
    burstLinks: DEFAULT_ENGAGEMENT_THRESHOLDS.burstLinks,
    proxyUserAgents: DEFAULT_ENGAGEMENT_THRESHOLDS.proxyUserAgents.map(source),
    scannerUserAgents: DEFAULT_ENGAGEMENT_THRESHOLDS.scannerUserAgents.map(source),
  },
  lift: { ...DEFAULT_LIFT_SETTINGS },
  kpi: { churnDays: DEFAULT_CHURN_DAYS },
};

/** Stored settings over the defaults, one group at a time (a group added later gets its defaults). */
export function withDefaults(stored: unknown): StoredAnalyticsSettings {
  const saved = analyticsSettingsChangeSchema.safeParse(stored);
  return saved.success ? applyChange(DEFAULT_STORED_ANALYTICS_SETTINGS, saved.data) : DEFAULT_STORED_ANALYTICS_SETTINGS;
}

export function applyChange(
  current: StoredAnalyticsSettings,
  change: AnalyticsSettingsChange,
): StoredAnalyticsSettings {
  return {
    attribution: { ...current.attribution, ...change.attribution },
    engagement: { ...current.engagement, ...change.engagement },
    lift: { ...current.lift, ...change.lift },
    kpi: { ...current.kpi, ...change.kpi },
  };
}

/** The form the pure functions take: windows in milliseconds, patterns compiled (case-insensitive). */
export function toAnalyticsSettings(stored: StoredAnalyticsSettings): AnalyticsSettings {
  return {
    attribution: { touch: stored.attribution.touch, windowMs: stored.attribution.windowDays * DAY_MS },
    engagement: {
      ...stored.engagement,
      proxyUserAgents: stored.engagement.proxyUserAgents.map(compile),
      scannerUserAgents: stored.engagement.scannerUserAgents.map(compile),
    },
    lift: { ...stored.lift },
    kpi: { ...stored.kpi },
  };
}

export const DEFAULT_ANALYTICS_SETTINGS: AnalyticsSettings = toAnalyticsSettings(DEFAULT_STORED_ANALYTICS_SETTINGS);

/** The defaults' patterns keep their own flags; a pattern typed by a marketer is case-insensitive. */
function source(re: RegExp): string {
  return re.source;
}

function compile(text: string): RegExp {
  const known = [...DEFAULT_ENGAGEMENT_THRESHOLDS.proxyUserAgents, ...DEFAULT_ENGAGEMENT_THRESHOLDS.scannerUserAgents];
  return known.find((re) => re.source === text) ?? new RegExp(text, 'i');
}

function isRegExp(text: string): boolean {
  try {
    new RegExp(text, 'i');
    return true;
  } catch {
    return false;
  }
}
