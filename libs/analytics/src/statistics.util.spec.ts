import {
  differenceInterval,
  measureLift,
  measureSplitTest,
  minimumSampleSize,
  moreEntrantsNeeded,
  relativeLift,
  revenuePerEntrantDifference,
  twoProportionZTest,
  wilsonInterval,
  type GroupOutcome,
  type LiftSettings,
  type SplitPath,
} from '@kizuna/analytics';

// Every expected number below comes from a published example or from the arithmetic written
// next to it (z₀.₉₇₅ = 1.959964, z₀.₈ = 0.841621), never from the code under test.

const group = (conversions: number, entrants: number) => ({ conversions, entrants });

describe('twoProportionZTest (pooled, two-sided)', () => {
  it('matches the mammogram example of OpenIntro Statistics (4th ed., §6.2.3): Z = -0.17, p ≈ 0.87', () => {
    // 500 of 44,425 women given mammograms died of breast cancer, 505 of 44,405 in the control
    // group. Pooled p̂ = 1005 / 88830 = 0.011314; SE = √(0.011314 · 0.988686 · (1/44425 + 1/44405))
    // = 0.00070971; Z = (0.0112549 − 0.0113726) / 0.00070971 = −0.166; p = 2 · Φ(−0.166) = 0.868.
    const result = twoProportionZTest(group(505, 44405), group(500, 44425))!;
    expect(result.z).toBeCloseTo(-0.166, 3);
    expect(result.pValue).toBeCloseTo(0.868, 3);
  });

  it('worked by hand on 56/70 against 48/80', () => {
    // Pooled = 104/150 = 0.693333; SE = √(0.693333 · 0.306667 · (1/70 + 1/80)) = 0.0754668;
    // z = (0.8 − 0.6) / 0.0754668 = 2.65017; p = 2 · Φ(−2.65017) = 0.008045 (the score statistic
    // 2.65 of Mee's test at Δ = 0, which is this test, one-sided p 0.004).
    const result = twoProportionZTest(group(48, 80), group(56, 70))!;
    expect(result.z).toBeCloseTo(2.65017, 5);
    expect(result.pValue).toBeCloseTo(0.008045, 6);
  });

  it.each([
    ['nobody converted', group(0, 100), group(0, 900)],
    ['everybody converted', group(10, 10), group(90, 90)],
  ])('finds no evidence when %s', (_title, control, treated) => {
    expect(twoProportionZTest(control, treated)).toEqual({ z: 0, pValue: 1 });
  });

  it('has nothing to say about an empty group, and refuses impossible counts', () => {
    expect(twoProportionZTest(group(0, 0), group(3, 10))).toBeNull();
    expect(twoProportionZTest(group(3, 10), group(0, 0))).toBeNull();
    expect(() => twoProportionZTest(group(11, 10), group(3, 10))).toThrow(RangeError);
    expect(() => twoProportionZTest(group(1.5, 10), group(3, 10))).toThrow(RangeError);
  });
});

describe('wilsonInterval', () => {
  // Newcombe (1998a), "Two-sided confidence intervals for the single proportion", Statistics in
  // Medicine 17:857-872, Table I, method 3 (score interval without continuity correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%s/%s → %s to %s', (x, n, lower, upper) => {
    const interval = wilsonInterval(group(x, n));
    expect(interval.lower).toBeCloseTo(lower, 4);
    expect(interval.upper).toBeCloseTo(upper, 4);
  });

  it('knows nothing of an empty group', () => {
    expect(wilsonInterval(group(0, 0))).toEqual({ lower: 0, upper: 1 });
  });
});

describe('differenceInterval (Newcombe hybrid score)', () => {
  // Newcombe (1998b), "Interval estimation for the difference between independent proportions:
  // comparison of eleven methods", Statistics in Medicine 17:873-890, Table II, method 10.
  // The first group is the treated one (θ = π₁ − π₂).
  it.each([
    ['(a) 56/70 − 48/80', group(56, 70), group(48, 80), 0.0524, 0.3339],
    ['(b) 9/10 − 3/10', group(9, 10), group(3, 10), 0.1705, 0.809],
    ['(d) 5/56 − 0/29', group(5, 56), group(0, 29), -0.0381, 0.1926],
    ['(e) 0/10 − 0/20', group(0, 10), group(0, 20), -0.1611, 0.2775],
    ['(h) 10/10 − 0/10', group(10, 10), group(0, 10), 0.6075, 1],
  ])('%s', (_title, treated, control, lower, upper) => {
    const interval = differenceInterval(control, treated)!;
    expect(interval.lower).toBeCloseTo(lower, 4);
    expect(interval.upper).toBeCloseTo(upper, 4);
  });

  it('is null when a group is empty', () => {
    expect(differenceInterval(group(0, 0), group(1, 10))).toBeNull();
  });
});

describe('relativeLift (Katz log interval)', () => {
  it('worked by hand on 56/70 against 48/80', () => {
    // Ratio = 0.8 / 0.6 = 1.333333; SE(ln) = √(1/56 − 1/70 + 1/48 − 1/80) = √0.0119048 = 0.109109;
    // 1.959964 · 0.109109 = 0.213850; 1.333333 · e^−0.213850 = 1.076626, · e^0.213850 = 1.651249.
    const lift = relativeLift(group(48, 80), group(56, 70))!;
    expect(lift.value).toBeCloseTo(0.333333, 6);
    expect(lift.interval.lower).toBeCloseTo(0.076626, 6);
    expect(lift.interval.upper).toBeCloseTo(0.651249, 6);
  });

  it.each([
    ['the control has no conversion', group(0, 80), group(5, 70)],
    ['the treated group has no conversion', group(5, 80), group(0, 70)],
  ])('is null when %s', (_title, control, treated) => {
    expect(relativeLift(control, treated)).toBeNull();
  });
});

describe('revenuePerEntrantDifference (Welch standard error, normal interval)', () => {
  it('worked by hand from sums and sums of squares', () => {
    // Control revenues 0, 0, 10, 30: n 4, Σ 40, Σx² 1000, mean 10, s² = (1000 − 40²/4) / 3 = 200.
    // Treated 0, 20, 20, 40, 20: n 5, Σ 100, Σx² 2800, mean 20, s² = (2800 − 100²/5) / 4 = 200.
    // SE = √(200/5 + 200/4) = √90 = 9.486833; 10 ± 1.959964 · 9.486833 = 10 ± 18.593851.
    const result = revenuePerEntrantDifference(
      { entrants: 4, revenue: 40, revenueSquares: 1000 },
      { entrants: 5, revenue: 100, revenueSquares: 2800 },
    )!;
    expect(result.value).toBe(10);
    expect(result.standardError).toBeCloseTo(9.486833, 6);
    expect(result.interval.lower).toBeCloseTo(-8.593851, 5);
    expect(result.interval.upper).toBeCloseTo(28.593851, 5);
  });

  it('has a zero-width interval when nobody spent anything, and no answer below two entrants', () => {
    const nothing = { entrants: 50, revenue: 0, revenueSquares: 0 };
    expect(revenuePerEntrantDifference(nothing, nothing)).toEqual({
      value: 0,
      standardError: 0,
      interval: { lower: 0, upper: 0 },
    });
    expect(revenuePerEntrantDifference({ entrants: 1, revenue: 5, revenueSquares: 25 }, nothing)).toBeNull();
  });
});

describe('minimumSampleSize (Fleiss, no continuity correction)', () => {
  it('matches the documented example of R stats::power.prop.test: p1 0.5, p2 0.75, power 0.9 → n = 76.7', () => {
    expect(
      minimumSampleSize({ baseline: 0.5, minimumDetectableLift: 0.5, alpha: 0.05, power: 0.9, treatedPerControl: 1 }),
    ).toEqual({ control: 77, treated: 77 });
  });

  it.each([
    // Equal groups, 5% → 6%: p̄ = 0.055; 1.959964 · √(2 · 0.055 · 0.945) = 0.631918;
    // 0.841621 · √(0.05 · 0.95 + 0.06 · 0.94) = 0.271284; ((0.631918 + 0.271284) / 0.01)² = 8157.7.
    ['equal groups', 1, { control: 8158, treated: 8158 }],
    // A 10% holdout (r = 9), 5% → 6%: p̄ = (0.05 + 9 · 0.06) / 10 = 0.059;
    // 1.959964 · √(0.059 · 0.941 · 10/9) = 0.486795; 0.841621 · √(0.0475 + 0.0564/9) = 0.195152;
    // m = ((0.486795 + 0.195152) / 0.01)² = 4650.54 → 4651 held out, 9m = 41854.9 → 41855 treated.
    ['a 10% holdout', 9, { control: 4651, treated: 41855 }],
  ])('%s', (_title, treatedPerControl, expected) => {
    expect(
      minimumSampleSize({ baseline: 0.05, minimumDetectableLift: 0.2, alpha: 0.05, power: 0.8, treatedPerControl }),
    ).toEqual(expected);
  });

  it('plans a lift that would pass 100% as halfway to 100%', () => {
    // 0.9 · 1.2 > 1, so pₜ = 0.95: p̄ = 0.925; 1.959964 · √(2 · 0.925 · 0.075) = 0.730070;
    // 0.841621 · √(0.09 + 0.0475) = 0.312082; ((0.730070 + 0.312082) / 0.05)² = 434.43 → 435.
    expect(
      minimumSampleSize({ baseline: 0.9, minimumDetectableLift: 0.2, alpha: 0.05, power: 0.8, treatedPerControl: 1 }),
    ).toEqual({ control: 435, treated: 435 });
  });

  it('refuses a plan that means nothing', () => {
    const plan = { baseline: 0.05, minimumDetectableLift: 0.2, alpha: 0.05, power: 0.8, treatedPerControl: 1 };
    expect(() => minimumSampleSize({ ...plan, baseline: 0 })).toThrow(RangeError);
    expect(() => minimumSampleSize({ ...plan, minimumDetectableLift: 0 })).toThrow(RangeError);
  });
});

describe('moreEntrantsNeeded', () => {
  const shares = { control: 0.1, treated: 0.9 };
  it.each([
    // Control lacks 60, which takes 60 / 0.1 = 600 entrants; treated lacks 500, 500 / 0.9 = 555.6.
    ['the control group is the bottleneck', { control: 40, treated: 400 }, 600],
    // Control lacks 10 → 100; treated lacks 855 → 950.
    ['the treated group is the bottleneck', { control: 90, treated: 45 }, 950],
    ['both have enough', { control: 100, treated: 900 }, 0],
    ['both have more than enough', { control: 500, treated: 5000 }, 0],
  ])('%s', (_title, observed, expected) => {
    expect(moreEntrantsNeeded({ control: 100, treated: 900 }, observed, shares)).toBe(expected);
  });
});

describe('measureLift', () => {
  const outcome = (conversions: number, entrants: number, revenue = 0, revenueSquares = 0): GroupOutcome => ({
    conversions,
    entrants,
    revenue,
    revenueSquares,
  });
  const holdout = { control: 0.1, treated: 0.9 };

  it('says how many more entrants it needs below the horizon, planned from the pooled rate', () => {
    // Pooled 13/100 = 0.13, planned to detect 0.13 → 0.156 with r = 9: p̄ = 0.1534;
    // 1.959964 · √(0.1534 · 0.8466 · 10/9) = 0.744524; 0.841621 · √(0.13 · 0.87 + 0.156 · 0.844/9)
    // = 0.300789; m = ((0.744524 + 0.300789) / 0.026)² = 1616.39 → 1617 held out,
    // 9m = 14547.5 → 14548 treated. Missing: (1617 − 10) / 0.1 = 16070 and
    // (14548 − 90) / 0.9 = 16064.4, so 16070 more entrants.
    expect(measureLift(outcome(1, 10), outcome(12, 90), holdout)).toEqual({
      status: 'not-enough-data',
      required: { control: 1617, treated: 14548 },
      observed: { control: 10, treated: 90 },
      moreEntrantsNeeded: 16070,
    });
  });

  it('plans from the fallback baseline while nobody has converted', () => {
    // 2% → 2.4%, r = 9: p̄ = 0.0236; 1.959964 · √(0.0236 · 0.9764 · 10/9) = 0.313615;
    // 0.841621 · √(0.02 · 0.98 + 0.024 · 0.976/9) = 0.125406; m = ((0.313615 + 0.125406) / 0.004)²
    // = 12046.2 → 12047 held out, 9m = 108416.03 → 108417 treated;
    // (12047 − 5) / 0.1 = 120420 more entrants.
    const report = measureLift(outcome(0, 5), outcome(0, 45), holdout);
    expect(report).toEqual({
      status: 'not-enough-data',
      required: { control: 12047, treated: 108417 },
      observed: { control: 5, treated: 45 },
      moreEntrantsNeeded: 120420,
    });
  });

  it('gives every figure with its interval past the horizon', () => {
    // Held out: 200 of 2,000 converted, revenue mean 6 and variance 900 (Σ 12,000,
    // Σx² = 1999 · 900 + 12000²/2000 = 1,871,100). Treated: 2,160 of 18,000, mean 7.5, variance
    // 1,600 (Σ 135,000, Σx² = 17999 · 1600 + 135000²/18000 = 29,810,900).
    // Horizon from the pooled 0.118 (→ 0.1416, r = 9): m = 1809.2 → 1810 and 16284, reached.
    // z: pooled SE = √(0.118 · 0.882 · (1/2000 + 1/18000)) = 0.0076039; z = 0.02 / 0.0076039 = 2.63021;
    //    p = 2 · Φ(−2.63021) = 0.0085331.
    // Newcombe: Wilson 2160/18000 = [0.1153336, 0.1248285], 200/2000 = [0.0876092, 0.1139244];
    //    0.02 − √(0.0046664² + 0.0139244²) = 0.0053145; 0.02 + √(0.0048285² + 0.0123908²) = 0.0332983.
    // Katz: ratio 1.2, SE(ln) = √(1/2160 − 1/18000 + 1/200 − 1/2000) = 0.0700529, · 1.959964 = 0.137301;
    //    1.2 · e^∓0.137301 − 1 = 0.0460492 and 0.3766083.
    // Revenue: SE = √(1600/18000 + 900/2000) = 0.7340905; 1.5 ± 1.438791 = [0.061209, 2.938791].
    // Incremental = per entrant × 18,000 treated entrants.
    const report = measureLift(outcome(200, 2000, 12000, 1871100), outcome(2160, 18000, 135000, 29810900), holdout);
    if (report.status !== 'measured') {
      throw new Error(`expected a measured report, got ${report.status}`);
    }
    expect(report.required).toEqual({ control: 1810, treated: 16284 });
    expect(report.control).toEqual({ numerator: 200, denominator: 2000, value: 0.1 });
    expect(report.treated).toEqual({ numerator: 2160, denominator: 18000, value: 0.12 });
    expect(report.pValue).toBeCloseTo(0.0085331, 7);
    expect(report.significant).toBe(true);
    expect(report.absoluteLift.value).toBeCloseTo(0.02, 12);
    expect(report.absoluteLift.interval.lower).toBeCloseTo(0.0053145, 7);
    expect(report.absoluteLift.interval.upper).toBeCloseTo(0.0332983, 7);
    expect(report.relativeLift!.value).toBeCloseTo(0.2, 12);
    expect(report.relativeLift!.interval.lower).toBeCloseTo(0.0460492, 7);
    expect(report.relativeLift!.interval.upper).toBeCloseTo(0.3766083, 7);
    expect(report.incrementalConversions.value).toBeCloseTo(360, 9);
    expect(report.incrementalConversions.interval.lower).toBeCloseTo(95.66, 2);
    expect(report.incrementalConversions.interval.upper).toBeCloseTo(599.37, 2);
    expect(report.incrementalRevenuePerEntrant!.value).toBe(1.5);
    expect(report.incrementalRevenuePerEntrant!.interval.lower).toBeCloseTo(0.061209, 6);
    expect(report.incrementalRevenuePerEntrant!.interval.upper).toBeCloseTo(2.938791, 6);
    expect(report.incrementalRevenue!.value).toBe(27000);
    expect(report.incrementalRevenue!.interval.lower).toBeCloseTo(1101.76, 2);
    expect(report.incrementalRevenue!.interval.upper).toBeCloseTo(52898.24, 2);
  });
});

describe('measureSplitTest', () => {
  // A large planned lift keeps the horizons small enough to write the examples by hand.
  const settings: LiftSettings = { confidence: 0.95, power: 0.8, minimumDetectableLift: 0.5, fallbackBaseline: 0.02 };
  const path = (conversions: number, entrants: number): SplitPath => ({
    conversions,
    entrants,
    revenue: 0,
    revenueSquares: 0,
    share: 1 / 3,
  });

  it('declares the path significantly better than the control, at the Bonferroni level', () => {
    // Two comparisons: each at 1 − 0.05/2 = 97.5%, z₀.₉₈₇₅ = 2.241403.
    // A vs B: pooled 0.125 → 0.1875 needs 641 per path (reached); z = 0.05 / √(0.125 · 0.875 ·
    // 2/1000) = 3.3806, p = 0.00072 < 0.025. A vs C: pooled 0.1025 needs 808 (reached);
    // z = 0.005 / √(0.1025 · 0.8975 · 2/1000) = 0.3686, p = 0.71.
    const report = measureSplitTest([path(100, 1000), path(150, 1000), path(105, 1000)], settings);
    expect(report.confidence).toBeCloseTo(0.975, 12);
    expect(report.comparisons.map((c) => c.status === 'measured' && c.significant)).toEqual([true, false]);
    expect(report.winner).toBe(1);
  });

  it('declares the control when every other path is significantly worse', () => {
    // A vs B: pooled 0.08 needs 1068 (2,000 reached), z = −0.04 / √(0.08 · 0.92 · 2/2000) = −4.66.
    // A vs C: pooled 0.075 needs 1147, z = −0.05 / √(0.075 · 0.925 · 2/2000) = −6.00.
    expect(measureSplitTest([path(200, 2000), path(120, 2000), path(100, 2000)], settings).winner).toBe(0);
  });

  it.each([
    // B is better but C has not reached its horizon (pooled 0.1025 needs 808 > 500).
    ['while a comparison is below its horizon', [path(100, 1000), path(150, 1000), path(52, 500)]],
    // Nothing is significant.
    ['when no difference is significant', [path(100, 1000), path(110, 1000), path(105, 1000)]],
  ])('declares nobody %s', (_title, paths) => {
    expect(measureSplitTest(paths, settings).winner).toBeNull();
  });

  it('needs a control and at least one other path', () => {
    expect(() => measureSplitTest([path(1, 10)], settings)).toThrow(RangeError);
  });
});
