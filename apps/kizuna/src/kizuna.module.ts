import { Module, type DynamicModule } from '@nestjs/common';
import { ClockModule } from '@kizuna/common';
import { ConfigModule, type KizunaConfig } from '@kizuna/config';
import { DatabaseModule } from '@kizuna/database';
import { ApiModule } from '../../api/src/api.module';
import { WorkerModule } from '../../worker/src/worker.module';

export interface KizunaProcesses {
  api: boolean;
  worker: boolean;
}

/** One Kizuna process: the api, the worker, or both, on one database. */
@Module({})
export class KizunaModule {
  static forRoot(config: KizunaConfig, databaseUrl: string, processes: KizunaProcesses): DynamicModule {
    return {
      module: KizunaModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule,
        DatabaseModule.forRoot({ url: databaseUrl, poolSize: config.database.poolSize }),
        ...(processes.api ? [ApiModule] : []),
        ...(processes.worker ? [WorkerModule] : []),
      ],
    };
  }
}
