import { DomainException } from './domain.exception';

export enum RequestErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  MalformedJson = 'MALFORMED_JSON',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  RouteNotFound = 'ROUTE_NOT_FOUND',
}

/** Problems with the shape of a request, found before any domain logic runs. */
export class RequestException extends DomainException<RequestErrorCode> {}
