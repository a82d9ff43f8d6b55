import { PgBoss } from 'pg-boss';
import { Pool } from 'pg';
import { forkBenchProcess, type BenchProcess } from '../lib/bench-process';
import { createBenchDatabase, type BenchDatabase } from '../lib/kizuna-process';
import type { CartSystem } from './cart-system';
import { CART_EVENTS_DDL, insertCartEvents, reminderJob } from './cart-events';
import { PGBOSS_QUEUE, PGBOSS_WORK_OPTIONS } from './pgboss-worker.main';
import { CHUNK, DB_POOL, DELAY_SECONDS, WORKERS, type Cart } from './workload';

/**
 * pg-boss as a developer would use it: the event row and its delayed reminder job written in one
 * transaction (pg-boss takes the caller's transaction through its `db` option), a chunk at a time
 * with `insert()`, the bulk path its docs give for creating many jobs in one request.
 */
export class PgBossSystem implements CartSystem {
  readonly name = 'pg-boss 12.35.0';
  readonly settings =
    `events table + \`boss.insert(jobs, { db })\` in the same transaction, one transaction per ${CHUNK}-event chunk ` +
    `(startAfter = event time + ${DELAY_SECONDS} s); ${WORKERS} worker process(es), each \`boss.work\` with ` +
    `batchSize ${PGBOSS_WORK_OPTIONS.batchSize}, localConcurrency ${PGBOSS_WORK_OPTIONS.localConcurrency}, ` +
    `pollingIntervalSeconds ${PGBOSS_WORK_OPTIONS.pollingIntervalSeconds} (the minimum), burstWhenBatchFull; ` +
    `the handler sends its batch at once through the SMTP pool; LISTEN/NOTIFY off (it wakes workers when a job is ` +
    `created, and these are created ${DELAY_SECONDS} s before they are due); pool max ${DB_POOL} per process. ` +
    `pg-boss 12 is ESM-only and declares Node >= 22.12; it loads and runs here through require() on Node 20.20`;

  private database?: BenchDatabase;
  private pool?: Pool;
  private boss?: PgBoss;
  private workers: BenchProcess[] = [];
  private accepted = 0;

  async start(smtpUrl: string): Promise<void> {
    this.database = await createBenchDatabase('kizuna_bench_baselines_pgboss');
    this.pool = new Pool({ connectionString: this.database.url, max: DB_POOL });
    await this.pool.query(CART_EVENTS_DDL);
    // The producer side of an app: no maintenance or cron here, the workers' instances do that.
    this.boss = new PgBoss({ connectionString: this.database.url, max: DB_POOL, supervise: false, schedule: false });
    this.boss.on('error', (error) => console.error('pg-boss:', error.message));
    await this.boss.start();
    await this.boss.createQueue(PGBOSS_QUEUE);
    for (let i = 0; i < WORKERS; i++) {
      this.workers.push(
        await forkBenchProcess('baselines/pgboss-worker.main', { DATABASE_URL: this.database.url, SMTP_URL: smtpUrl }),
      );
    }
  }

  async accept(carts: Cart[], at: number): Promise<void> {
    const client = await this.pool!.connect();
    try {
      await client.query('BEGIN');
      await insertCartEvents(client, carts, at);
      const startAfter = new Date(at + DELAY_SECONDS * 1000);
      await this.boss!.insert(
        PGBOSS_QUEUE,
        carts.map((c) => ({ data: reminderJob(c), startAfter })),
        { db: { executeSql: (text, values) => client.query(text, values) } },
      );
      await client.query('COMMIT');
      this.accepted += carts.length;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  scheduled(): Promise<number> {
    return Promise.resolve(this.accepted);
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    await this.boss?.stop({ graceful: false, close: true });
    await this.pool?.end();
    await this.database?.drop();
  }
}
