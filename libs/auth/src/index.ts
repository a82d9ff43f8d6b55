export { ACCESS_METADATA, PublicRoute, RequireRoles, SignedRoute, type RouteAccess } from './access.decorator';
export { ApiKey } from './api-key.entity';
export { ApiKeyGuard, presentedKey, type AuthenticatedRequest } from './api-key.guard';
export { ApiKeyService, type CreatedApiKey, type Principal } from './api-key.service';
export { AuthErrorCode, AuthException } from './auth.exception';
export { AuthModule } from './auth.module';
export { isRole, Role, ROLES } from './role';
