import type { Response } from 'express';
import { AuthErrorCode, AuthException } from './auth.exception';

export type RateLimitReason = 'authentication-failures' | 'api-key';

const MESSAGES: Record<RateLimitReason, string> = {
  'authentication-failures': 'Too many failed authentications from this address',
  'api-key': 'Too many requests with this API key',
};

/**
 * The 429 every limit answers: `Retry-After` (RFC 9110, seconds) on the response, the standard
 * error body with the same number in `details`.
 */
export function rateLimited(response: Response, reason: RateLimitReason, retryAfterSeconds: number): AuthException {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  response.setHeader('Retry-After', String(seconds));
  return new AuthException(AuthErrorCode.RateLimited, `${MESSAGES[reason]}; try again in ${seconds} s`, {
    reason,
    retryAfterSeconds: seconds,
  });
}
