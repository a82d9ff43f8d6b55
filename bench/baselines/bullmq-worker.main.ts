/**
 * A BullMQ worker process for the baselines benchmark: takes due reminders and sends them.
 * Forked by bullmq.system.ts with BULLMQ_PREFIX and SMTP_URL; says 'ready' over IPC.
 */
import { Worker, type ConnectionOptions } from 'bullmq';
import { runBenchProcess } from '../lib/bench-process';
import { ReminderMailer, type ReminderJob } from './reminder-mailer';
import { SEND_BATCH } from './workload';

export const BULLMQ_QUEUE = 'cart-reminder';

/** The local Redis (no persistence on this machine); BENCH_REDIS_URL to change. */
export function redisConnection(): ConnectionOptions {
  const url = new URL(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
  return { host: url.hostname, port: Number(url.port || 6379) };
}

/**
 * BullMQ's documented way to run I/O-bound jobs fast: one Worker with a local concurrency factor
 * (its docs' example is 50), here the same number of reminders in flight per process as the
 * other systems' send batch.
 */
export const BULLMQ_CONCURRENCY = SEND_BATCH;

async function start(): Promise<() => Promise<void>> {
  const mailer = new ReminderMailer(process.env.SMTP_URL!);
  const worker = new Worker<ReminderJob>(BULLMQ_QUEUE, (job) => mailer.send(job.data), {
    connection: redisConnection(),
    prefix: process.env.BULLMQ_PREFIX!,
    concurrency: BULLMQ_CONCURRENCY,
  });
  worker.on('error', (error) => console.error('bullmq worker:', error.message));
  worker.on('failed', (job, error) => console.error(`bullmq job ${job?.id} failed:`, error.message));
  await worker.waitUntilReady();
  return () => worker.close().finally(() => mailer.close());
}

if (require.main === module) {
  runBenchProcess('bullmq worker', start);
}
