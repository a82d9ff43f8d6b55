import { HttpStatus } from '@nestjs/common';
import { AuthErrorCode } from '@kizuna/auth';
import { RequestErrorCode } from '@kizuna/common';
import { CustomersErrorCode } from '@kizuna/customers';
import { DatabaseErrorCode } from '@kizuna/database';
import { EventsErrorCode } from '@kizuna/events';
import { JourneysErrorCode } from '@kizuna/journeys';
import { MessagingErrorCode } from '@kizuna/messaging';
import { SegmentsErrorCode } from '@kizuna/segments';
import { TemplatesErrorCode } from '@kizuna/templates';

export type KizunaErrorCode =
  | RequestErrorCode
  | DatabaseErrorCode
  | AuthErrorCode
  | EventsErrorCode
  | CustomersErrorCode
  | JourneysErrorCode
  | SegmentsErrorCode
  | TemplatesErrorCode
  | MessagingErrorCode;

/** Every domain error code's HTTP status. Exhaustive: a new code does not compile until mapped. */
export function httpStatusOf(code: KizunaErrorCode): number {
  switch (code) {
    case RequestErrorCode.ValidationFailed:
    case RequestErrorCode.MalformedJson:
    case EventsErrorCode.UnsupportedWebhookTopic:
    case CustomersErrorCode.InvalidCursor:
    case JourneysErrorCode.InvalidDefinition:
    case JourneysErrorCode.InvalidMigration:
    case JourneysErrorCode.InvalidCursor:
    case MessagingErrorCode.InvalidCursor:
    case SegmentsErrorCode.InvalidCursor:
    case MessagingErrorCode.InvalidRecipient:
      return HttpStatus.BAD_REQUEST;
    case TemplatesErrorCode.TemplateInvalid:
    case TemplatesErrorCode.RenderFailed:
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case RequestErrorCode.PayloadTooLarge:
    case EventsErrorCode.BatchTooLarge:
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case RequestErrorCode.UnsupportedMediaType:
      return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    case RequestErrorCode.RouteNotFound:
    case AuthErrorCode.ApiKeyNotFound:
    case CustomersErrorCode.CustomerNotFound:
    case SegmentsErrorCode.SegmentNotFound:
    case JourneysErrorCode.JourneyNotFound:
    case JourneysErrorCode.CustomerNotFound:
    case TemplatesErrorCode.TemplateNotFound:
    case TemplatesErrorCode.CustomerNotFound:
    case MessagingErrorCode.MessageNotFound:
    case MessagingErrorCode.SuppressionNotFound:
    case AuthErrorCode.UserNotFound:
      return HttpStatus.NOT_FOUND;
    case AuthErrorCode.LinkNotUsable:
      return HttpStatus.GONE;
    case AuthErrorCode.Unauthenticated:
    case AuthErrorCode.InvalidCredentials:
    case AuthErrorCode.InvalidSignature:
      return HttpStatus.UNAUTHORIZED;
    case AuthErrorCode.Forbidden:
    case AuthErrorCode.CsrfTokenInvalid:
      return HttpStatus.FORBIDDEN;
    case EventsErrorCode.IdempotencyConflict:
    case SegmentsErrorCode.SegmentKeyTaken:
    case JourneysErrorCode.InvalidLifecycleTransition:
    case TemplatesErrorCode.TemplateKeyTaken:
    case MessagingErrorCode.MessageNotRetryable:
    case AuthErrorCode.EmailTaken:
    case AuthErrorCode.LastAdmin:
      return HttpStatus.CONFLICT;
    case AuthErrorCode.RateLimited:
      return HttpStatus.TOO_MANY_REQUESTS;
    case MessagingErrorCode.SendFailed:
      return HttpStatus.BAD_GATEWAY;
    case AuthErrorCode.SignatureNotConfigured:
    case MessagingErrorCode.SendingPaused:
    case DatabaseErrorCode.Unavailable:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case AuthErrorCode.RouteAccessUndeclared:
      return HttpStatus.INTERNAL_SERVER_ERROR;
  }
}

/** Seconds a client should wait before retrying, for the errors that are worth retrying as such. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * `Retry-After` for a code, when waiting is what fixes it: an unreachable database usually comes
 * back within seconds (restart, failover). The kill switch and missing configuration do not pass
 * by themselves, so they get none.
 */
export function retryAfterSecondsOf(code: string): number | undefined {
  return code === (DatabaseErrorCode.Unavailable as string) ? DATABASE_RETRY_AFTER_SECONDS : undefined;
}
