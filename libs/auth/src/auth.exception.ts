import { DomainException } from '@kizuna/common';

export enum AuthErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  InvalidSignature = 'INVALID_SIGNATURE',
  SignatureNotConfigured = 'SIGNATURE_NOT_CONFIGURED',
  RouteAccessUndeclared = 'ROUTE_ACCESS_UNDECLARED',
  ApiKeyNotFound = 'API_KEY_NOT_FOUND',
  RateLimited = 'RATE_LIMITED',
}

export class AuthException extends DomainException<AuthErrorCode> {}
