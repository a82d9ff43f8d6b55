import { normalCdf, normalQuantile } from '@kizuna/analytics';

// Published values: Abramowitz & Stegun, Handbook of Mathematical Functions, Table 26.1
// (P(x) to 15 places) and the upper-tail values Q(x) = 1 − P(x) of Table 26.2; the quantiles are
// the usual critical values (Table 26.5).

describe('normalCdf', () => {
  it.each([
    [0, 0.5],
    [1, 0.841344746068543],
    [1.96, 0.97500210485178],
    [2, 0.977249868051821],
    [3, 0.99865010196837],
    [-1, 0.158655253931457],
    [-1.96, 0.02499789514822],
  ])('Φ(%s) = %s', (x, expected) => {
    expect(normalCdf(x)).toBeCloseTo(expected, 14);
  });

  it.each([
    [-5, 2.866515718791939e-7],
    [-8, 6.22096057427178e-16],
    [-10, 7.619853024160527e-24],
  ])('keeps its relative precision deep in the lower tail: Φ(%s) = %s', (x, expected) => {
    expect(Math.abs(normalCdf(x) / expected - 1)).toBeLessThan(1e-12);
  });

  it('is symmetric and saturates', () => {
    expect(normalCdf(0.7) + normalCdf(-0.7)).toBeCloseTo(1, 15);
    expect(normalCdf(40)).toBe(1);
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(NaN)).toBeNaN();
  });
});

describe('normalQuantile', () => {
  it.each([
    [0.5, 0],
    [0.8, 0.841621233572914],
    [0.9, 1.281551565544601],
    [0.95, 1.644853626951472],
    [0.975, 1.959963984540054],
    [0.995, 2.575829303548901],
    [0.025, -1.959963984540054],
  ])('Φ⁻¹(%s) = %s', (p, expected) => {
    expect(normalQuantile(p)).toBeCloseTo(expected, 12);
  });

  it('has infinite ends and refuses what is not a probability', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
    expect(() => normalQuantile(NaN)).toThrow(RangeError);
  });
});
