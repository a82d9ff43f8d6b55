import type { AttemptOutcome, OpenedAttempt } from './delivery.repository';

/** The retry settings (DELIVERY_RETRY_BASE_MS, DELIVERY_RETRY_MAX_MS, DELIVERY_GIVE_UP_SECONDS). */
export interface RetrySettings {
  retryBaseMs: number;
  retryMaxMs: number;
  giveUpAfterSeconds: number;
}

/**
 * The wait before retry `attempt + 1`: exponential from the base, capped, with "equal jitter"
 * (half fixed, half random) so messages deferred together do not come back together.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random()): number {
  const delay = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return delay / 2 + random * (delay / 2);
}

/**
 * What a temporary failure (SMTP 4xx or no connection; HTTP 408, 429, 5xx or a timeout) of an
 * attempt means, for email and webhooks alike: deferred with backoff, or failed once the next
 * try would fall later than DELIVERY_GIVE_UP_SECONDS after the first attempt. Counted from the
 * first attempt: time held by caps, quiet hours or the kill switch before it is not time spent
 * failing.
 */
export function afterTemporaryFailure(
  now: Date,
  { attempt, firstAttemptAt }: OpenedAttempt,
  failure: { code: number | null; response: string },
  { retryBaseMs, retryMaxMs, giveUpAfterSeconds }: RetrySettings,
): AttemptOutcome {
  const { code, response } = failure;
  const retryAt = new Date(now.getTime() + retryDelayMs(attempt, retryBaseMs, retryMaxMs));
  if (retryAt.getTime() > firstAttemptAt.getTime() + giveUpAfterSeconds * 1000) {
    const reason = `gave up after ${giveUpAfterSeconds} s of temporary failures; last: ${response}`;
    return { outcome: 'failed', code, response, reason };
  }
  return { outcome: 'deferred', code, response, retryAt };
}
