import { Global, Module, type DynamicModule } from '@nestjs/common';
import { KizunaConfig } from './kizuna-config';
import { loadConfig } from './load-config';

/** Provides the one KizunaConfig to every module. Tests pass their own instance. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: KizunaConfig = loadConfig()): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: KizunaConfig, useValue: config }], exports: [KizunaConfig] };
  }
}
