export {
  ACCESS_METADATA,
  AcceptBasicAuth,
  BASIC_AUTH_METADATA,
  PublicRoute,
  RequireRoles,
  SignedRoute,
  type RouteAccess,
} from './access.decorator';
export { ApiKey } from './api-key.entity';
export { ApiKeyGuard, clientAddress, presentedKey, type AuthenticatedRequest } from './api-key.guard';
export { ApiKeyRepository } from './api-key.repository';
export { ApiKeyService, type CreatedApiKey, type Principal } from './api-key.service';
export { ApiKeyThrottlerGuard } from './api-key-throttler.guard';
export { AuthErrorCode, AuthException } from './auth.exception';
export { AuthModule } from './auth.module';
export { FailedAuthLimiter } from './failed-auth.limiter';
export { rateLimited, type RateLimitReason } from './rate-limited';
export { isRole, Role, ROLES } from './role';
