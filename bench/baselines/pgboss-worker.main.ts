/**
 * A pg-boss worker process for the baselines benchmark: fetches due reminders and sends them.
 * Forked by pgboss.system.ts with DATABASE_URL and SMTP_URL; says 'ready' over IPC.
 */
import { PgBoss } from 'pg-boss';
import { runBenchProcess } from '../lib/bench-process';
import { ReminderMailer, type ReminderJob } from './reminder-mailer';
import { DB_POOL, SEND_BATCH } from './workload';

export const PGBOSS_QUEUE = 'cart-reminder';

/**
 * The throughput settings pg-boss documents for work(): a batch per fetch, the shortest polling
 * interval it allows, burst fetching while batches come back full, and two fetch loops per
 * process (localConcurrency) so one fetches and completes while the other's batch is being sent;
 * two batches of half SEND_BATCH keep as many reminders in hand as the other systems have. (In
 * development runs, 50 x 1 and 50 x 2 did no better than 25 x 2; all sat near the SMTP ceiling.)
 */
export const PGBOSS_WORK_OPTIONS = {
  batchSize: SEND_BATCH / 2,
  pollingIntervalSeconds: 0.5,
  burstWhenBatchFull: true,
  localConcurrency: 2,
};

async function start(): Promise<() => Promise<void>> {
  const boss = new PgBoss({ connectionString: process.env.DATABASE_URL!, max: DB_POOL });
  boss.on('error', (error) => console.error('pg-boss worker:', error.message));
  const mailer = new ReminderMailer(process.env.SMTP_URL!);
  await boss.start();
  await boss.work<ReminderJob>(PGBOSS_QUEUE, PGBOSS_WORK_OPTIONS, async (jobs) => {
    await Promise.all(jobs.map((job) => mailer.send(job.data)));
  });
  return () => boss.stop({ graceful: true, timeout: 5_000 }).finally(() => mailer.close());
}

if (require.main === module) {
  runBenchProcess('pg-boss worker', start);
}
