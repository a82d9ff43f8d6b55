import { HttpStatus } from '@nestjs/common';
import { AuthErrorCode } from '@kizuna/auth';
import { RequestErrorCode } from '@kizuna/common';
import { CustomersErrorCode } from '@kizuna/customers';
import { EventsErrorCode } from '@kizuna/events';
import { JourneysErrorCode } from '@kizuna/journeys';
import { SegmentsErrorCode } from '@kizuna/segments';

export type KizunaErrorCode =
  RequestErrorCode | AuthErrorCode | EventsErrorCode | CustomersErrorCode | JourneysErrorCode | SegmentsErrorCode;

/** Every domain error code's HTTP status. Exhaustive: a new code does not compile until mapped. */
export function httpStatusOf(code: KizunaErrorCode): number {
  switch (code) {
    case RequestErrorCode.ValidationFailed:
    case RequestErrorCode.MalformedJson:
    case EventsErrorCode.UnsupportedWebhookTopic:
    case CustomersErrorCode.InvalidCursor:
    case JourneysErrorCode.InvalidDefinition:
    case JourneysErrorCode.InvalidMigration:
      return HttpStatus.BAD_REQUEST;
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
      return HttpStatus.NOT_FOUND;
    case AuthErrorCode.Unauthenticated:
    case AuthErrorCode.InvalidSignature:
      return HttpStatus.UNAUTHORIZED;
    case AuthErrorCode.Forbidden:
      return HttpStatus.FORBIDDEN;
    case EventsErrorCode.IdempotencyConflict:
    case SegmentsErrorCode.SegmentKeyTaken:
    case JourneysErrorCode.InvalidLifecycleTransition:
      return HttpStatus.CONFLICT;
    case AuthErrorCode.SignatureNotConfigured:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case AuthErrorCode.RouteAccessUndeclared:
      return HttpStatus.INTERNAL_SERVER_ERROR;
  }
}
