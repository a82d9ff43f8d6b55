export { AcceptBasicAuth, PublicRoute, RequireRoles, SessionRoute, SignedRoute } from './access.decorator';
export { ApiKey } from './api-key.entity';
export { ApiKeyGuard, clientAddress, type AuthenticatedRequest } from './api-key.guard';
export { ApiKeyService } from './api-key.service';
export { ApiKeyThrottlerGuard } from './api-key-throttler.guard';
export { AuthErrorCode, AuthException } from './auth.exception';
export { AuthModule } from './auth.module';
export {
  ConsoleSessionService,
  SESSION_COOKIE,
  SESSION_LIFETIME_MS,
  type StartedSession,
} from './console-session.service';
export { ConsoleSignInService } from './console-sign-in.service';
export { CONSOLE_ROLES, type ConsoleRole, type ConsoleUser } from './console-user';
export { ConsoleUserService } from './console-user.service';
export { FailedAuthLimiter } from './failed-auth.limiter';
export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password.util';
export { rateLimited } from './rate-limited';
export { isRole, Role, ROLES } from './role';
