/**
 * Every rate Kizuna reports travels with its numerator and denominator (DESIGN.md: a rate without
 * its denominator is not shown). A zero denominator gives no value, never 0 or NaN.
 */
export interface Ratio {
  numerator: number;
  denominator: number;
  value: number | null;
}

export function ratio(numerator: number, denominator: number): Ratio {
  return { numerator, denominator, value: denominator === 0 ? null : numerator / denominator };
}
