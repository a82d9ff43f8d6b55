import { Injectable } from '@nestjs/common';
import { Clock } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import {
  AnalyticsSettingsRepository,
  MessageReportRepository,
  measureLift,
  measureSplitTest,
  ratio,
  shiftShopDay,
  shopDayOf,
  type Estimate,
  type GroupOutcome,
  type LiftReport,
  type LiftSettings,
  type Ratio,
  type ShopDay,
} from '@kizuna/analytics';
import { parseIsoDuration, splitPathKey, splitPathNames } from '../core/journey-definition.schema';
import { SplitVerdictRepository } from '../shell/split-verdict.repository';
import { JourneysService, type JourneyDetails } from '../shell/journeys.service';
import {
  EntryRollupRepository,
  NO_ENTRIES,
  type EntryRollupRebuilt,
  type EntrySums,
  type GroupSums,
} from './entry-rollup.repository';

/** An interval as the API writes it. */
export interface ApiInterval {
  low: number;
  high: number;
}
export interface ApiEstimate {
  value: number;
  interval: ApiInterval;
}

export interface GroupFigures {
  entrants: number;
  converted: number;
  rate: Ratio;
  /** Net shop-currency revenue of the entrants' goal windows. */
  revenue: number;
}

export interface LiftFigures {
  journeyId: string;
  status: 'no-holdout' | 'no-goal' | 'not-enough-data' | 'ready';
  holdout: number | null;
  goalWithin: string | null;
  asOf: string;
  from: ShopDay;
  to: ShopDay;
  /** The last entry day counted: its whole goal window has passed by asOf. */
  countedThrough: ShopDay | null;
  inProgress: number;
  treated: GroupFigures;
  control: GroupFigures;
  moreEntrantsNeeded: number | null;
  absoluteLift: ApiEstimate | null;
  relativeLift: ApiEstimate | null;
  pValue: number | null;
  significant: boolean | null;
  incrementalConversions: ApiEstimate | null;
  incrementalRevenue: ApiEstimate | null;
  entriesPerCustomer: number | null;
}

export interface PathComparison {
  absoluteLift: ApiEstimate;
  relativeLift: ApiEstimate | null;
  pValue: number;
  significant: boolean;
}

export interface PathFigures extends GroupFigures {
  path: string;
  inProgress: number;
  /**
   * Engagement of the messages after the split (message_daily, by the message's split path
   * `<split>:<path>`: a message counts for the last split before its step), created on the
   * period's days.
   */
  sent: number;
  uniqueClicks: number;
  vsControl: PathComparison | null;
}

export interface SplitFigures {
  stepId: string;
  autoWinner: boolean;
  winner: string | null;
  declaredAt: string | null;
  status: 'no-goal' | 'not-enough-data' | 'ready';
  /** The winner by the current figures (null: none, or not at the horizon yet); the recorded one is `winner`. */
  current: string | null;
  moreEntrantsNeeded: number | null;
  /** Confidence of each comparison with the control (Bonferroni over the k − 1 comparisons). */
  confidence: number;
  paths: PathFigures[];
}

export interface SplitsFigures {
  journeyId: string;
  asOf: string;
  /** Null: the journey's whole history. */
  from: ShopDay | null;
  to: ShopDay | null;
  countedThrough: ShopDay | null;
  splits: SplitFigures[];
}

/** The report period: shop days, both included (the api resolves its defaults). */
export interface ReportPeriod {
  from: ShopDay;
  to: ShopDay;
}

const api = (e: Estimate): ApiEstimate => ({
  value: e.value,
  interval: { low: e.interval.lower, high: e.interval.upper },
});

const outcome = (s: EntrySums): GroupOutcome => ({
  entrants: s.entrants,
  conversions: s.converted,
  revenue: s.revenue,
  revenueSquares: s.revenueSquares,
});

const figures = (s: EntrySums): GroupFigures => ({
  entrants: s.entrants,
  converted: s.converted,
  rate: ratio(s.converted, s.entrants),
  revenue: s.revenue,
});

/**
 * Holdout lift and A/B tests of a journey (docs/analytics.md, "Lift", "A/B tests"), from the
 * `entry_daily` rollup and the statistics of `statistics.util.ts`. Entrants count once their
 * whole goal window has passed by the as-of instant (now): entries of shop days d with
 * end of d + goal.within ≤ now. Later entries of the period are shown as in progress. The
 * rollup's rebuild is here too, for the operator's `kizuna analytics rebuild`.
 */
@Injectable()
export class LiftService {
  constructor(
    private readonly journeys: JourneysService,
    private readonly rollups: EntryRollupRepository,
    private readonly verdicts: SplitVerdictRepository,
    private readonly settingsRepository: AnalyticsSettingsRepository,
    private readonly messages: MessageReportRepository,
    private readonly clock: Clock,
    private readonly config: KizunaConfig,
  ) {}

  /**
   * The rollup these reports read, rebuilt from the entry facts in the shop's time zone
   * (`kizuna analytics rebuild`, after a change of SHOP_TIMEZONE): EntryRollupRepository.rebuild.
   */
  rebuildEntries(): Promise<EntryRollupRebuilt> {
    return this.rollups.rebuild(this.config.shop.timeZone);
  }

  /** Lift settings (docs/analytics.md, "Settings"): the shop's, over the defaults. */
  private async settings(): Promise<LiftSettings> {
    return (await this.settingsRepository.current()).lift;
  }

  async lift(journeyId: string, period: ReportPeriod): Promise<LiftFigures> {
    const journey = await this.journeys.get(journeyId);
    const definition = currentDefinition(journey);
    const { from, to } = period;
    const asOf = this.clock.now().getTime();
    const goal = definition.goal;
    const countedThrough = goal ? this.lastCounted(asOf, parseIsoDuration(goal.within)!) : null;
    const sums = await this.rollups.sums(journeyId, { from, to, lastCounted: countedThrough }, false);
    const group = (heldOut: boolean) => sums.find((g) => g.heldOut === heldOut);
    const treated = group(false)?.counted ?? NO_ENTRIES;
    const control = group(true)?.counted ?? NO_ENTRIES;
    const base = {
      journeyId,
      holdout: definition.holdout > 0 ? definition.holdout : null,
      goalWithin: goal?.within ?? null,
      asOf: new Date(asOf).toISOString(),
      from,
      to,
      countedThrough,
      inProgress: sums.reduce((n, g) => n + g.inProgress.entrants, 0),
      treated: figures(treated),
      control: figures(control),
      entriesPerCustomer: await this.rollups.entriesPerCustomer(journeyId),
    };
    const none = {
      moreEntrantsNeeded: null,
      absoluteLift: null,
      relativeLift: null,
      pValue: null,
      significant: null,
      incrementalConversions: null,
      incrementalRevenue: null,
    };
    if (definition.holdout === 0) {
      return { ...base, status: 'no-holdout', ...none };
    }
    if (!goal) {
      return { ...base, status: 'no-goal', ...none };
    }
    const report = measureLift(
      outcome(control),
      outcome(treated),
      { control: definition.holdout, treated: 1 - definition.holdout },
      await this.settings(),
    );
    if (report.status === 'not-enough-data') {
      return { ...base, status: 'not-enough-data', ...none, moreEntrantsNeeded: report.moreEntrantsNeeded };
    }
    return {
      ...base,
      status: 'ready',
      moreEntrantsNeeded: null,
      absoluteLift: api(report.absoluteLift),
      relativeLift: report.relativeLift && api(report.relativeLift),
      pValue: report.pValue,
      significant: report.significant,
      incrementalConversions: api(report.incrementalConversions),
      incrementalRevenue: report.incrementalRevenue && api(report.incrementalRevenue),
    };
  }

  /** The A/B tests of the journey's split steps over a period (`{}`: the whole history). */
  async splits(journeyId: string, period: ReportPeriod | 'whole-history'): Promise<SplitsFigures> {
    const journey = await this.journeys.get(journeyId);
    const definition = currentDefinition(journey);
    const { from, to } = period === 'whole-history' ? { from: null, to: null } : period;
    const asOf = this.clock.now().getTime();
    const goal = definition.goal;
    const countedThrough = goal ? this.lastCounted(asOf, parseIsoDuration(goal.within)!) : null;
    const sums = await this.rollups.sums(journeyId, { from, to, lastCounted: countedThrough }, true);
    const verdicts = new Map((await this.verdicts.verdicts(journeyId)).map((v) => [v.stepId, v]));
    const engagement = await this.messages.splitPathTotals(journeyId, from, to);
    const settings = await this.settings();
    const splits: SplitFigures[] = [];
    for (const step of definition.steps) {
      if (step.type !== 'split') {
        continue;
      }
      const names = splitPathNames(step);
      const totalWeight = step.paths.reduce((sum, p) => sum + p.weight, 0);
      // Held-out entries are the journey's control, not a path's.
      const of = (path: string): GroupSums | undefined =>
        sums.find((g) => g.splitStep === step.id && g.splitPath === path && !g.heldOut);
      const paths = names.map((path, i) => ({
        path,
        counted: of(path)?.counted ?? NO_ENTRIES,
        inProgress: of(path)?.inProgress.entrants ?? 0,
        share: (step.paths[i]!.weight / totalWeight) * (1 - definition.holdout),
      }));
      const verdict = verdicts.get(step.id);
      const recorded = {
        stepId: step.id,
        autoWinner: step.autoWinner,
        winner: verdict?.winner ?? null,
        declaredAt: verdict?.decidedAt.toISOString() ?? null,
      };
      const plain = (comparison: LiftReport | undefined): PathComparison | null =>
        comparison?.status === 'measured'
          ? {
              absoluteLift: api(comparison.absoluteLift),
              relativeLift: comparison.relativeLift && api(comparison.relativeLift),
              pValue: comparison.pValue,
              significant: comparison.significant,
            }
          : null;
      const pathFigures = (comparisons: LiftReport[]) =>
        paths.map((p, i) => ({
          path: p.path,
          ...figures(p.counted),
          inProgress: p.inProgress,
          sent: engagement.get(splitPathKey(step.id, p.path))?.sent ?? 0,
          uniqueClicks: engagement.get(splitPathKey(step.id, p.path))?.uniqueClicks ?? 0,
          vsControl: i === 0 ? null : plain(comparisons[i - 1]),
        }));
      if (!goal) {
        splits.push({
          ...recorded,
          status: 'no-goal',
          current: null,
          moreEntrantsNeeded: null,
          confidence: settings.confidence,
          paths: pathFigures([]),
        });
        continue;
      }
      const test = measureSplitTest(
        paths.map((p) => ({ ...outcome(p.counted), share: p.share })),
        settings,
      );
      const waiting = test.comparisons.flatMap((c) => (c.status === 'not-enough-data' ? [c.moreEntrantsNeeded] : []));
      splits.push({
        ...recorded,
        status: waiting.length > 0 ? 'not-enough-data' : 'ready',
        current: test.winner === null ? null : names[test.winner]!,
        moreEntrantsNeeded: waiting.length > 0 ? Math.max(...waiting) : null,
        confidence: test.confidence,
        paths: pathFigures(test.comparisons),
      });
    }
    return {
      journeyId,
      asOf: new Date(asOf).toISOString(),
      from,
      to,
      countedThrough,
      splits,
    };
  }

  /** The default period is the last 30 shop days ending today (the clock's). */
  /**
   * The last shop day d with end of d + within ≤ asOf: the day before the one holding
   * asOf − within (that day's end is after it, unless it starts exactly there, which is the
   * same: its start is the previous day's end).
   */
  private lastCounted(asOf: number, withinMs: number): ShopDay {
    const timeZone = this.config.shop.timeZone;
    return shiftShopDay(shopDayOf(asOf - withinMs, timeZone), 1, timeZone);
  }
}

/** The active version's definition, else the latest (a draft never published has no entries anyway). */
function currentDefinition(journey: JourneyDetails): JourneyDetails['versions'][number]['definition'] {
  const active = journey.versions.find((v) => v.version === journey.activeVersion);
  return (active ?? journey.versions[journey.versions.length - 1]!).definition;
}
