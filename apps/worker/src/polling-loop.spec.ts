import { BACKOFF_MAX_MS, backoffMs } from './polling-loop';

describe('backoffMs', () => {
  const top = () => 0; // no jitter: the ceiling itself
  const bottom = () => 1; // the most jitter: half the ceiling

  it('starts at the poll interval and doubles per failure in a row, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffMs(250, n, top))).toEqual([
      250, 500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
    expect(backoffMs(250, 1_000, top)).toBe(BACKOFF_MAX_MS);
  });

  it('jitters down by at most half, so workers that failed together do not retry together', () => {
    expect(backoffMs(250, 3, bottom)).toBe(500);
    expect(backoffMs(250, 3, () => 0.5)).toBe(750);
  });

  it('never retries sooner than polling would when the poll interval is above the cap', () => {
    expect(backoffMs(60_000, 1, top)).toBe(60_000);
    expect(backoffMs(60_000, 5, top)).toBe(60_000);
  });
});
