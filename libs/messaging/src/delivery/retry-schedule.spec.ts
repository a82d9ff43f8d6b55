import { afterTemporaryFailure, retryDelayMs } from './retry-schedule';

describe('retryDelayMs', () => {
  it('doubles from the base per attempt, capped, with half of it jittered', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, 60_000, 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, 60_000, 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30, 1000, 60_000, 0.5)).toBe(45_000);
    expect(retryDelayMs(1_000, 1000, 60_000, 1)).toBe(60_000);
  });
});

describe('afterTemporaryFailure', () => {
  const settings = { retryBaseMs: 1000, retryMaxMs: 60_000, giveUpAfterSeconds: 10 };
  const firstAttemptAt = new Date('2026-01-01T00:00:00Z');
  const failure = { code: 451, response: '451 try later' };

  it('defers while the next try falls within the give-up period from the first attempt', () => {
    // Attempt 3 at +5 s: a delay of 4 s (1 s doubled twice), jittered to between 2 s and 4 s,
    // so the retry comes at +7 s to +9 s, before the give-up at +10 s.
    const outcome = afterTemporaryFailure(
      new Date(firstAttemptAt.getTime() + 5000),
      { attempt: 3, firstAttemptAt },
      failure,
      settings,
    );
    expect(outcome).toMatchObject({ outcome: 'deferred', code: 451, response: '451 try later' });
    const at = (outcome as { retryAt: Date }).retryAt.getTime() - firstAttemptAt.getTime();
    expect(at).toBeGreaterThanOrEqual(7000);
    expect(at).toBeLessThanOrEqual(9000);
  });

  it('fails once the next try would fall past the give-up period', () => {
    // Attempt 4 at +9 s: a delay of at least 4 s (half of 8 s), so past +10 s whatever the jitter.
    expect(
      afterTemporaryFailure(
        new Date(firstAttemptAt.getTime() + 9000),
        { attempt: 4, firstAttemptAt },
        failure,
        settings,
      ),
    ).toEqual({
      outcome: 'failed',
      code: 451,
      response: '451 try later',
      reason: 'gave up after 10 s of temporary failures; last: 451 try later',
    });
  });
});
