import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { forkBenchProcess, type BenchProcess } from '../lib/bench-process';
import { createBenchDatabase, type BenchDatabase } from '../lib/kizuna-process';
import { BULLMQ_CONCURRENCY, BULLMQ_QUEUE, redisConnection } from './bullmq-worker.main';
import type { CartSystem } from './cart-system';
import { CART_EVENTS_DDL, insertCartEvents, reminderJob } from './cart-events';
import { CHUNK, DB_POOL, DELAY_SECONDS, WORKERS, type Cart } from './workload';

/**
 * BullMQ as a developer would use it: the events stored in PostgreSQL (the durable record), then
 * the delayed reminders added to Redis with `addBulk`. Two stores, so not atomic: a crash between
 * the two leaves events without a reminder.
 */
export class BullMqSystem implements CartSystem {
  readonly name = 'BullMQ 6.7.0';
  readonly settings =
    `events table (one multi-row INSERT per ${CHUNK}-event chunk, committed) then \`queue.addBulk\` of the chunk with ` +
    `\`delay\` = event time + ${DELAY_SECONDS} s - now and removeOnComplete; ${WORKERS} worker process(es), each one ` +
    `Worker with concurrency ${BULLMQ_CONCURRENCY}; Redis on 127.0.0.1 without persistence; pool max ${DB_POOL}`;

  private database?: BenchDatabase;
  private pool?: Pool;
  private queue?: Queue;
  private workers: BenchProcess[] = [];
  private accepted = 0;

  constructor(private readonly prefix: string) {}

  async start(smtpUrl: string): Promise<void> {
    this.database = await createBenchDatabase('kizuna_bench_baselines_bullmq');
    this.pool = new Pool({ connectionString: this.database.url, max: DB_POOL });
    await this.pool.query(CART_EVENTS_DDL);
    this.queue = new Queue(BULLMQ_QUEUE, { connection: redisConnection(), prefix: this.prefix });
    await this.queue.waitUntilReady();
    for (let i = 0; i < WORKERS; i++) {
      this.workers.push(
        await forkBenchProcess('baselines/bullmq-worker.main', { BULLMQ_PREFIX: this.prefix, SMTP_URL: smtpUrl }),
      );
    }
  }

  async accept(carts: Cart[], at: number): Promise<void> {
    await insertCartEvents(this.pool!, carts, at);
    const due = at + DELAY_SECONDS * 1000;
    const now = Date.now();
    await this.queue!.addBulk(
      carts.map((c) => ({
        name: 'remind',
        data: reminderJob(c),
        opts: { delay: Math.max(0, due - now), removeOnComplete: true, removeOnFail: 1000 },
      })),
    );
    this.accepted += carts.length;
  }

  scheduled(): Promise<number> {
    return Promise.resolve(this.accepted);
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    if (this.queue) {
      await this.queue.obliterate({ force: true });
      await this.queue.close();
    }
    await this.pool?.end();
    await this.database?.drop();
  }
}
