import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options';
import { DatabaseOutage } from './database-outage.service';
import { UnitOfWork } from './unit-of-work';

export interface DatabaseModuleOptions {
  url: string;
  poolSize: number;
}

/**
 * TypeORM on the one PostgreSQL. The URL is resolved before Nest starts (DATABASE_URL, or the
 * embedded server), and migrations have already run by then: see startDatabase().
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(options.url, options.poolSize),
          autoLoadEntities: true,
        }),
      ],
      // One DatabaseOutage per process: every background loop reports to the same one.
      providers: [UnitOfWork, { provide: DatabaseOutage, useFactory: () => new DatabaseOutage() }],
      exports: [UnitOfWork, DatabaseOutage],
    };
  }
}
