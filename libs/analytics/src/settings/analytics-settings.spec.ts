import { DEFAULT_ENGAGEMENT_THRESHOLDS } from '../engagement.util';
import { DEFAULT_STORED_ANALYTICS_SETTINGS, toAnalyticsSettings, withDefaults } from './analytics-settings';

describe('analytics settings', () => {
  it('keep the defaults of the pure functions, windows in days converted to milliseconds', () => {
    const settings = toAnalyticsSettings(DEFAULT_STORED_ANALYTICS_SETTINGS);
    expect(settings.attribution).toEqual({ touch: 'clicked-else-received', windowMs: 5 * 24 * 3600 * 1000 });
    // The default patterns come back as the very objects (with their own flags).
    expect(settings.engagement.scannerUserAgents).toEqual(DEFAULT_ENGAGEMENT_THRESHOLDS.scannerUserAgents);
    expect(settings.kpi.churnDays).toBe(90);
  });

  it('compile a typed user-agent pattern case-insensitively', () => {
    const settings = toAnalyticsSettings(
      withDefaults({ engagement: { proxyUserAgents: ['mailproxy'] }, attribution: { windowDays: 2 } }),
    );
    expect(settings.engagement.proxyUserAgents[0]!.test('Acme MailProxy/1.0')).toBe(true);
    expect(settings.attribution.windowMs).toBe(2 * 86_400_000);
    expect(settings.engagement.minOpenSeconds).toBe(5);
  });

  it('fall back to the defaults when the stored value is not a valid change', () => {
    expect(withDefaults({ kpi: { churnDays: 'many' } })).toEqual(DEFAULT_STORED_ANALYTICS_SETTINGS);
    expect(withDefaults(undefined)).toEqual(DEFAULT_STORED_ANALYTICS_SETTINGS);
  });
});
