import { ApiError } from '../api/api-error';
import type { MessageKey } from '../i18n/catalog';
import type { Translate } from '../i18n/i18n';

const KNOWN: Record<string, MessageKey> = {
  INVALID_CREDENTIALS: 'error.INVALID_CREDENTIALS',
  LINK_NOT_USABLE: 'error.LINK_NOT_USABLE',
  FORBIDDEN: 'error.FORBIDDEN',
  UNAUTHENTICATED: 'error.UNAUTHENTICATED',
  CSRF_TOKEN_INVALID: 'error.CSRF_TOKEN_INVALID',
  EMAIL_TAKEN: 'error.EMAIL_TAKEN',
  LAST_ADMIN: 'error.LAST_ADMIN',
  TEMPLATE_INVALID: 'error.TEMPLATE_INVALID',
  TEMPLATE_RENDER_FAILED: 'error.TEMPLATE_RENDER_FAILED',
  TEMPLATE_NOT_FOUND: 'error.TEMPLATE_NOT_FOUND',
  TEMPLATE_KEY_TAKEN: 'error.TEMPLATE_KEY_TAKEN',
  PREVIEW_CUSTOMER_NOT_FOUND: 'error.PREVIEW_CUSTOMER_NOT_FOUND',
  INVALID_RECIPIENT: 'error.INVALID_RECIPIENT',
};

/** An error as the person reading the console should see it, in their language. */
export function describeError(t: Translate, error: unknown): string {
  if (!(error instanceof ApiError)) {
    return t('error.network');
  }
  if (error.code === 'RATE_LIMITED') {
    return t('error.RATE_LIMITED', { seconds: Number(error.details?.retryAfterSeconds ?? 60) });
  }
  if (error.code === 'VALIDATION_FAILED') {
    return t('error.VALIDATION_FAILED', { message: error.message });
  }
  const key = Object.hasOwn(KNOWN, error.code) ? KNOWN[error.code] : undefined;
  return key ? t(key, { message: error.message }) : t('error.unknown', { code: error.code, message: error.message });
}
