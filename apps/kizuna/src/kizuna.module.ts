import { Module, type DynamicModule } from '@nestjs/common';
import { Clock, ClockModule } from '@kizuna/common';
import { ConfigModule, type KizunaConfig } from '@kizuna/config';
import { DatabaseClock, DatabaseModule } from '@kizuna/database';
import { ApiModule } from '../../api/src/api.module';
import { WorkerModule } from '../../worker/src/worker.module';

export interface KizunaProcesses {
  api: boolean;
  worker: boolean;
}

/** One Kizuna process: the api, the worker, or both, on one database. */
@Module({})
export class KizunaModule {
  /** `clock` replaces PostgreSQL's clock (tests, simulations); production passes none. */
  static forRoot(config: KizunaConfig, databaseUrl: string, processes: KizunaProcesses, clock?: Clock): DynamicModule {
    return {
      module: KizunaModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.using(clock ?? DatabaseClock),
        DatabaseModule.forRoot({ url: databaseUrl, poolSize: config.database.poolSize }),
        ...(processes.api ? [ApiModule] : []),
        ...(processes.worker ? [WorkerModule] : []),
      ],
    };
  }
}
