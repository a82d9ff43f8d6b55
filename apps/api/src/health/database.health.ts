import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { isDatabaseUnreachable } from '@kizuna/database';
import type { DataSource } from 'typeorm';

export const DATABASE_PING_TIMEOUT_MS = 3_000;

/**
 * Ready only when PostgreSQL answers a query within the timeout. The probe is public, so a
 * failure is named in the domain's words ("database unreachable"), never with the driver's
 * message (hosts, ports, user names).
 */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), DATABASE_PING_TIMEOUT_MS);
    });
    try {
      const answer = await Promise.race([this.dataSource.query<unknown>('SELECT 1'), timeout]);
      return answer === 'timeout' ? indicator.down({ message: 'database unreachable' }) : indicator.up();
    } catch (error) {
      return indicator.down({
        message: isDatabaseUnreachable(error) ? 'database unreachable' : 'database check failed',
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
