import { normalCdf, normalQuantile } from './normal-distribution.util';
import { ratio, type Ratio } from './ratio.util';

/**
 * The statistics behind holdout lift and A/B splits (docs/analytics.md, "Lift" and "A/B tests").
 * Inputs are counts and sums, exactly what the rollups keep, so a report never reads entrants
 * one by one. Group order is always (control, treated): differences are treated − control.
 */

export interface Interval {
  lower: number;
  upper: number;
}

export interface Estimate {
  value: number;
  interval: Interval;
}

/** A binary outcome: how many entrants, how many of them converted. */
export interface Proportion {
  entrants: number;
  conversions: number;
}

/** Per-entrant revenue as a rollup keeps it: the count, Σx and Σx². */
export interface RevenueSums {
  entrants: number;
  revenue: number;
  revenueSquares: number;
}

export type GroupOutcome = Proportion & RevenueSums;

export interface GroupSizes {
  control: number;
  treated: number;
}

function checkProportion(p: Proportion): void {
  if (
    !Number.isInteger(p.entrants) ||
    !Number.isInteger(p.conversions) ||
    p.conversions < 0 ||
    p.conversions > p.entrants
  ) {
    throw new RangeError(`not a proportion: ${p.conversions} of ${p.entrants}`);
  }
}

function twoSidedZ(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be within (0, 1), got ${confidence}`);
  }
  return normalQuantile(1 - (1 - confidence) / 2);
}

/**
 * Two-sided two-proportion z-test with the pooled standard error. Null when a group is empty;
 * when nobody (or everybody) converted in both groups there is no evidence of a difference: p = 1.
 */
export function twoProportionZTest(control: Proportion, treated: Proportion): { z: number; pValue: number } | null {
  checkProportion(control);
  checkProportion(treated);
  if (control.entrants === 0 || treated.entrants === 0) {
    return null;
  }
  const pooled = (control.conversions + treated.conversions) / (control.entrants + treated.entrants);
  if (pooled === 0 || pooled === 1) {
    return { z: 0, pValue: 1 };
  }
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / control.entrants + 1 / treated.entrants));
  const z = (treated.conversions / treated.entrants - control.conversions / control.entrants) / standardError;
  return { z, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z))) };
}

/** Wilson score interval for one proportion; an empty group tells nothing: [0, 1]. */
export function wilsonInterval(p: Proportion, confidence = 0.95): Interval {
  checkProportion(p);
  if (p.entrants === 0) {
    return { lower: 0, upper: 1 };
  }
  const z = twoSidedZ(confidence);
  const n = p.entrants;
  const rate = p.conversions / n;
  const denominator = 1 + (z * z) / n;
  const centre = (rate + (z * z) / (2 * n)) / denominator;
  const halfWidth = (z * Math.sqrt((rate * (1 - rate)) / n + (z * z) / (4 * n * n))) / denominator;
  return { lower: Math.max(0, centre - halfWidth), upper: Math.min(1, centre + halfWidth) };
}

/**
 * Newcombe's hybrid score interval (1998, method 10) for treated rate − control rate. Chosen over
 * Wald because it keeps its coverage with few conversions and stays meaningful at 0 of n, where
 * Wald collapses to a zero-width interval.
 */
export function differenceInterval(control: Proportion, treated: Proportion, confidence = 0.95): Interval | null {
  checkProportion(control);
  checkProportion(treated);
  if (control.entrants === 0 || treated.entrants === 0) {
    return null;
  }
  const pt = treated.conversions / treated.entrants;
  const pc = control.conversions / control.entrants;
  const t = wilsonInterval(treated, confidence);
  const c = wilsonInterval(control, confidence);
  const difference = pt - pc;
  return {
    lower: difference - Math.sqrt((pt - t.lower) ** 2 + (c.upper - pc) ** 2),
    upper: difference + Math.sqrt((t.upper - pt) ** 2 + (pc - c.lower) ** 2),
  };
}

/**
 * Relative lift = treated rate / control rate − 1, with the Katz log interval for the ratio
 * (SE of ln ratio = √(1/xₜ − 1/nₜ + 1/x꜀ − 1/n꜀)). Null when either group has no conversion:
 * the ratio is then 0 or infinite and its logarithm has no standard error.
 */
export function relativeLift(control: Proportion, treated: Proportion, confidence = 0.95): Estimate | null {
  checkProportion(control);
  checkProportion(treated);
  if (control.conversions === 0 || treated.conversions === 0) {
    return null;
  }
  const riskRatio = treated.conversions / treated.entrants / (control.conversions / control.entrants);
  const standardError = Math.sqrt(
    1 / treated.conversions - 1 / treated.entrants + 1 / control.conversions - 1 / control.entrants,
  );
  const spread = twoSidedZ(confidence) * standardError;
  return {
    value: riskRatio - 1,
    interval: { lower: riskRatio * Math.exp(-spread) - 1, upper: riskRatio * Math.exp(spread) - 1 },
  };
}

/**
 * Difference of mean revenue per entrant (treated − control) with a normal interval on Welch's
 * unpooled standard error. Revenue is heavy-tailed, but reports only show this past the minimum
 * sample, where the central limit theorem carries the mean. Null below two entrants per group.
 */
export function revenuePerEntrantDifference(
  control: RevenueSums,
  treated: RevenueSums,
  confidence = 0.95,
): (Estimate & { standardError: number }) | null {
  if (control.entrants < 2 || treated.entrants < 2) {
    return null;
  }
  const mean = (g: RevenueSums) => g.revenue / g.entrants;
  // Σx² − (Σx)²/n can come out a hair below 0 in floating point when every value is equal.
  const variance = (g: RevenueSums) =>
    Math.max(0, (g.revenueSquares - (g.revenue * g.revenue) / g.entrants) / (g.entrants - 1));
  const standardError = Math.sqrt(variance(treated) / treated.entrants + variance(control) / control.entrants);
  const value = mean(treated) - mean(control);
  const spread = twoSidedZ(confidence) * standardError;
  return { value, standardError, interval: { lower: value - spread, upper: value + spread } };
}

export interface SampleSizeInput {
  /** The conversion rate the test is planned around. */
  baseline: number;
  /** The smallest relative lift worth detecting: 0.2 = a fifth more conversions. */
  minimumDetectableLift: number;
  /** Two-sided significance level. */
  alpha: number;
  power: number;
  /** Treated entrants per control entrant (9 for a 10% holdout). */
  treatedPerControl: number;
}

/**
 * Entrants each group needs for a two-sided two-proportion z-test to detect the lift with the
 * given power (Fleiss, Levin & Paik, Statistical Methods for Rates and Proportions, 3rd ed.,
 * §4.2 and §4.4, without continuity correction), with m control and r·m treated entrants:
 * m = [z₁₋α⸝₂ √(p̄q̄(1 + 1/r)) + z₁₋β √(p꜀q꜀ + pₜqₜ/r)]² / (pₜ − p꜀)², p̄ = (p꜀ + r·pₜ)/(1 + r).
 * When the lifted rate would reach 100%, it is taken halfway between the baseline and 100%.
 */
export function minimumSampleSize(input: SampleSizeInput): GroupSizes {
  const { baseline, minimumDetectableLift, alpha, power, treatedPerControl: r } = input;
  if (!(baseline > 0 && baseline < 1) || !(minimumDetectableLift > 0) || !(r > 0) || !(power > 0 && power < 1)) {
    throw new RangeError('minimumSampleSize: baseline in (0, 1), lift > 0, power in (0, 1), ratio > 0');
  }
  const pc = baseline;
  const pt = Math.min(baseline * (1 + minimumDetectableLift), (1 + baseline) / 2);
  const pooled = (pc + r * pt) / (1 + r);
  const root =
    twoSidedZ(1 - alpha) * Math.sqrt(pooled * (1 - pooled) * (1 + 1 / r)) +
    normalQuantile(power) * Math.sqrt(pc * (1 - pc) + (pt * (1 - pt)) / r);
  const control = (root / (pt - pc)) ** 2;
  return { control: Math.ceil(control), treated: Math.ceil(r * control) };
}

/**
 * How many more entrants the journey needs before every group reaches its required size, given
 * the share of entrants each group receives (holdout 0.1: control 0.1, treated 0.9).
 */
export function moreEntrantsNeeded(required: GroupSizes, observed: GroupSizes, shares: GroupSizes): number {
  const need = (group: keyof GroupSizes) => Math.max(0, required[group] - observed[group]) / shares[group];
  // 1e-9 absorbs division noise such as 10 / 0.1 = 100.00000000000001.
  return Math.max(0, Math.ceil(Math.max(need('control'), need('treated')) - 1e-9));
}

export interface LiftSettings {
  confidence: number;
  power: number;
  /** Relative lift the horizon is planned to detect. */
  minimumDetectableLift: number;
  /** Planning baseline while the pooled rate is 0% or 100% (nothing to plan from yet). */
  fallbackBaseline: number;
}

export const DEFAULT_LIFT_SETTINGS: LiftSettings = {
  confidence: 0.95,
  power: 0.8,
  minimumDetectableLift: 0.2,
  fallbackBaseline: 0.02,
};

export type LiftReport =
  | {
      status: 'not-enough-data';
      required: GroupSizes;
      observed: GroupSizes;
      moreEntrantsNeeded: number;
    }
  | {
      status: 'measured';
      required: GroupSizes;
      control: Ratio;
      treated: Ratio;
      absoluteLift: Estimate;
      relativeLift: Estimate | null;
      pValue: number;
      significant: boolean;
      incrementalConversions: Estimate;
      incrementalRevenuePerEntrant: Estimate | null;
      incrementalRevenue: Estimate | null;
    };

function scaled(estimate: Estimate, by: number): Estimate {
  return {
    value: estimate.value * by,
    interval: { lower: estimate.interval.lower * by, upper: estimate.interval.upper * by },
  };
}

/**
 * Treated against control at a fixed horizon (docs/analytics.md, "Peeking"). The horizon is the
 * minimum sample planned from the pooled conversion rate of both groups, which carries almost no
 * information about the difference (blinded re-estimation, Gould 1992), so looking at it early
 * does not bias the test; below it the report gives no figures, only how many entrants are missing.
 */
export function measureLift(
  control: GroupOutcome,
  treated: GroupOutcome,
  shares: GroupSizes,
  settings: LiftSettings = DEFAULT_LIFT_SETTINGS,
): LiftReport {
  checkProportion(control);
  checkProportion(treated);
  const pooledRate = (control.conversions + treated.conversions) / (control.entrants + treated.entrants);
  const required = minimumSampleSize({
    baseline: pooledRate > 0 && pooledRate < 1 ? pooledRate : settings.fallbackBaseline,
    minimumDetectableLift: settings.minimumDetectableLift,
    alpha: 1 - settings.confidence,
    power: settings.power,
    treatedPerControl: shares.treated / shares.control,
  });
  const observed = { control: control.entrants, treated: treated.entrants };
  if (observed.control < required.control || observed.treated < required.treated) {
    return {
      status: 'not-enough-data',
      required,
      observed,
      moreEntrantsNeeded: moreEntrantsNeeded(required, observed, shares),
    };
  }
  // Past the horizon both groups have entrants, so the test and the interval exist.
  const test = twoProportionZTest(control, treated)!;
  const difference: Estimate = {
    value: treated.conversions / treated.entrants - control.conversions / control.entrants,
    interval: differenceInterval(control, treated, settings.confidence)!,
  };
  const revenue = revenuePerEntrantDifference(control, treated, settings.confidence);
  return {
    status: 'measured',
    required,
    control: ratio(control.conversions, control.entrants),
    treated: ratio(treated.conversions, treated.entrants),
    absoluteLift: difference,
    relativeLift: relativeLift(control, treated, settings.confidence),
    pValue: test.pValue,
    significant: test.pValue < 1 - settings.confidence,
    incrementalConversions: scaled(difference, treated.entrants),
    incrementalRevenuePerEntrant: revenue && { value: revenue.value, interval: revenue.interval },
    incrementalRevenue: revenue && scaled(revenue, treated.entrants),
  };
}

export interface SplitPath extends GroupOutcome {
  /** Share of the journey's entrants this path receives (path weight × (1 − holdout)). */
  share: number;
}

export interface SplitTestReport {
  /** Confidence each comparison uses: Bonferroni over the k − 1 comparisons with the control. */
  confidence: number;
  /** Index i - 1 compares path i with path 0, the control. */
  comparisons: LiftReport[];
  /** Index of the winning path, or null while there is none. */
  winner: number | null;
}

/**
 * Every path against the first (the control). A winner is declared only when every comparison
 * has reached its horizon: the best of the paths significantly better than the control, or the
 * control when every other path is significantly worse.
 */
export function measureSplitTest(
  paths: readonly SplitPath[],
  settings: LiftSettings = DEFAULT_LIFT_SETTINGS,
): SplitTestReport {
  const [control, ...others] = paths;
  if (!control || others.length === 0) {
    throw new RangeError('measureSplitTest: a split has at least two paths');
  }
  const confidence = 1 - (1 - settings.confidence) / others.length;
  const comparisons = others.map((path) =>
    measureLift(control, path, { control: control.share, treated: path.share }, { ...settings, confidence }),
  );
  return { confidence, comparisons, winner: winnerOf(comparisons) };
}

function winnerOf(comparisons: readonly LiftReport[]): number | null {
  let winner: number | null = null;
  let best = -Infinity;
  let controlBeatsAll = true;
  for (const [i, c] of comparisons.entries()) {
    if (c.status !== 'measured') {
      return null;
    }
    const better = c.significant && c.absoluteLift.value > 0;
    controlBeatsAll &&= c.significant && c.absoluteLift.value < 0;
    if (better && c.treated.value! > best) {
      best = c.treated.value!;
      winner = i + 1;
    }
  }
  return winner ?? (controlBeatsAll ? 0 : null);
}
