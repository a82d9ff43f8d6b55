import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KizunaConfig } from '@kizuna/config';
import { ApiKeyThrottlerGuard } from './api-key-throttler.guard';
import { ApiKey } from './api-key.entity';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { ConsoleSessionRepository } from './console-session.repository';
import { ConsoleSessionService } from './console-session.service';
import { ConsoleSignInService } from './console-sign-in.service';
import { ConsoleUserRepository } from './console-user.repository';
import { ConsoleUserService } from './console-user.service';
import { FailedAuthLimiter } from './failed-auth.limiter';

@Module({
  imports: [
    TypeOrmModule.forFeature([ApiKey]),
    // In-process storage: the per-key limit holds per api process (docs/decisions/0016).
    ThrottlerModule.forRootAsync({
      inject: [KizunaConfig],
      useFactory: (config: KizunaConfig) => {
        const { limit, windowMs } = config.rateLimits.perKey;
        return {
          throttlers: [{ name: 'default', limit, ttl: windowMs }],
          skipIf: () => limit === 0,
        };
      },
    }),
  ],
  providers: [
    ApiKeyRepository,
    ApiKeyService,
    ApiKeyGuard,
    ApiKeyThrottlerGuard,
    FailedAuthLimiter,
    ConsoleUserRepository,
    ConsoleSessionRepository,
    ConsoleUserService,
    ConsoleSessionService,
    ConsoleSignInService,
  ],
  exports: [
    ApiKeyService,
    ApiKeyGuard,
    ApiKeyThrottlerGuard,
    FailedAuthLimiter,
    ConsoleUserService,
    ConsoleSessionService,
    ConsoleSignInService,
  ],
})
export class AuthModule {}
