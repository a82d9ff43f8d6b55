import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Ready only when the schema is the one this build expects. */
@Injectable()
export class MigrationsHealthIndicator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    let pending: boolean;
    try {
      pending = await this.dataSource.showMigrations();
    } catch {
      // The database indicator says why (it is unreachable, most likely); an exception here would
      // turn the whole probe into a 500 instead of a 503 that names the cause.
      return indicator.down({ message: 'not checked: the database did not answer' });
    }
    return pending ? indicator.down({ message: 'migrations pending: run npm run migrate' }) : indicator.up();
  }
}
