/**
 * The standard normal distribution, written here rather than taken from a package
 * (docs/decisions/0023): two textbook series with no fitted coefficients to mistype; within
 * 1e-15 absolute near the centre and 1e-13 relative in the tails, where p-values live.
 */

const SQRT_PI = Math.sqrt(Math.PI);

/** erfc(t) for t >= 0. */
function complementaryErrorFunction(t: number): number {
  if (t < 2) {
    // Abramowitz & Stegun 7.1.6: erf t = 2/√π e^(-t²) Σ 2^n t^(2n+1) / (1·3·…·(2n+1)).
    // Every term is positive, so the sum loses nothing to cancellation.
    let term = t;
    let sum = t;
    for (let n = 1; term > sum * 1e-17; n++) {
      term *= (2 * t * t) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-t * t) * sum;
  }
  // A&S 7.1.14, the continued fraction 1/(t + ½/(t + 1/(t + 3⁄2/(t + 2/(t + …))))), evaluated
  // from the inside out; 60 levels are past convergence for t >= 2.
  let fraction = t;
  for (let k = 60; k >= 1; k--) {
    fraction = t + k / 2 / fraction;
  }
  return Math.exp(-t * t) / SQRT_PI / fraction;
}

/** Φ(x) = P(Z <= x). The lower tail is computed directly, so Φ(-10) keeps its digits. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) {
    return NaN;
  }
  const lowerTail = complementaryErrorFunction(Math.abs(x) / Math.SQRT2) / 2;
  return x < 0 ? lowerTail : 1 - lowerTail;
}

/** Φ⁻¹(p): the x with Φ(x) = p; -Infinity at 0, Infinity at 1. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`normalQuantile: p must be within [0, 1], got ${p}`);
  }
  if (p === 0) {
    return -Infinity;
  }
  if (p === 1) {
    return Infinity;
  }
  if (p > 0.5) {
    return -normalQuantile(1 - p);
  }
  // Bisection on the lower half: Φ is monotone, so this cannot diverge, and 80 halvings of a
  // width-40 interval reach the resolution of a double. Called a handful of times per report.
  let low = -40;
  let high = 0;
  for (let i = 0; i < 80; i++) {
    const middle = (low + high) / 2;
    if (normalCdf(middle) < p) {
      low = middle;
    } else {
      high = middle;
    }
  }
  return (low + high) / 2;
}
