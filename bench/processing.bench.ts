/**
 * Processing: how fast workers advance journey machines, and how long an event takes from being
 * stored to its effect (an outbox row) being committed.
 *
 *   npm run bench:processing      (BENCH_EVENTS=20000 BENCH_SECONDS=15 BENCH_DATABASE_URL=... to change)
 *
 * 1. Events: a backlog of N checkout.started events (distinct carts from BENCH_CUSTOMERS=50,000 customers) is stored
 *    while no worker runs; W worker processes then drain it (W = 1, then 2, each on a fresh
 *    backlog). Each event creates a journey instance, enqueues a reminder (outbox row) and
 *    schedules a timer.
 * 2. Timers: with the workers stopped, the N timers of that backlog are made due now; W workers
 *    fire them (the second reminder, completing the instance).
 *    Rates come from the database's own timestamps (first to last batch commit), so worker
 *    start-up is not counted.
 * 3. Latency: with 2 workers, events arrive at 50% and 100% of the 2-worker rate and at 1,000/s
 *    (the target's rate), posted in small batches every 10 ms from this process; event stored
 *    (received_at) -> outbox row committed (created_at), p50/p95/p99, from database timestamps.
 * Sending is paused (kill switch) so delivery does not compete: this measures the engine.
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { api, postJson } from './lib/http-load';
import { createBenchDatabase, startKizuna, waitForWorkers, type RunningKizuna } from './lib/kizuna-process';
import { cartProperties, installCartReminder } from './lib/cart-reminder';
import { count } from './lib/pg-count';
import { until } from './lib/poll';
import { environment, writeSection } from './lib/report';
import { ms, summarise, type LatencySummary } from './lib/stats';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const API_PORT = 3902;
/**
 * Shoppers the checkouts come from. Every instance a customer has is loaded with each of its
 * events, so this sets how many carts a customer has open: over a default run (~120,000 events)
 * about two, as for a returning shopper.
 */
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50_000);

const run = randomUUID().slice(0, 8);
let sequence = 0;
const checkout = (tag: string) => {
  const n = sequence++;
  return {
    name: 'checkout.started',
    customerId: `p-${run}-${n % CUSTOMERS}`,
    messageId: `${tag}-${n}`,
    properties: cartProperties(`${tag}-cart-${n}`),
  };
};

/**
 * Rows per second from commit timestamps: rows after the first batch over the time from the
 * first batch's commit to the last one's (so neither start-up nor polling idle counts).
 */
async function rateOf(db: Client, table: string, column: string, where: string): Promise<number> {
  const { rows } = await db.query<{ n: string; first_batch: string; seconds: number }>(
    `SELECT count(*) AS n,
            count(*) FILTER (WHERE ${column} = (SELECT min(${column}) FROM ${table} WHERE ${where})) AS first_batch,
            extract(epoch FROM max(${column}) - min(${column})) AS seconds
       FROM ${table} WHERE ${where}`,
  );
  const row = rows[0]!;
  return (Number(row.n) - Number(row.first_batch)) / Math.max(Number(row.seconds), 0.001);
}

async function withWorkers<T>(env: Record<string, string>, count: number, work: () => Promise<T>): Promise<T> {
  const workers: RunningKizuna[] = [];
  try {
    for (let i = 0; i < count; i++) {
      workers.push(await startKizuna('worker', env, API_PORT + 1 + i));
    }
    await waitForWorkers(env.DATABASE_URL!, count);
    return await work();
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

interface Throughput {
  workers: number;
  eventsPerSecond: number;
  timersPerSecond: number;
}

async function throughput(
  apiProc: RunningKizuna,
  env: Record<string, string>,
  db: Client,
  workers: number,
  options: { label?: string; timers?: boolean } = {},
): Promise<Throughput> {
  const label = options.label ?? '';
  const tag = `${run}-w${workers}${label}`;
  for (let i = 0; i < EVENTS; i += 500) {
    const events = Array.from({ length: Math.min(500, EVENTS - i) }, () => checkout(tag));
    await api(apiProc.baseUrl, ADMIN_KEY, 'POST', '/v1/events/batch', { events });
  }
  // What autovacuum would have done by now; this server runs with it off (see the settings line).
  await db.query('ANALYZE');
  const mine = `message_id LIKE '${tag}-%'`;
  await withWorkers(env, workers, () =>
    until(
      async () => (await count(db, `SELECT count(*) AS n FROM events WHERE processed_at IS NULL`)) === 0,
      600_000,
      'the backlog',
    ),
  );
  const eventsPerSecond = await rateOf(db, 'events', 'processed_at', mine);
  if (options.timers === false) {
    return { workers, eventsPerSecond, timersPerSecond: NaN };
  }
  const instances = `instance_id IN (SELECT id FROM journey_instances WHERE instance_key LIKE '${tag}-%')`;
  await db.query(`UPDATE journey_timers SET due_at = now() WHERE ${instances}`);
  await db.query('ANALYZE');
  await withWorkers(env, workers, () =>
    until(async () => (await count(db, 'SELECT count(*) AS n FROM journey_timers')) === 0, 600_000, 'the timers'),
  );
  const timersPerSecond = await rateOf(
    db,
    'outbox_messages',
    'created_at',
    `step_id = 'remind-again' AND ${instances}`,
  );
  return { workers, eventsPerSecond, timersPerSecond } satisfies Throughput;
}

/** Events at a steady rate, in small batches every 10 ms; returns the stored -> outbox latency. */
async function latencyAt(
  rate: number,
  db: Client,
): Promise<{ rate: number; achieved: number; latency: LatencySummary }> {
  await db.query('ANALYZE');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const tag = `${run}-lat${rate}`;
  const perRequest = Math.max(1, Math.round(rate / 100));
  const requests = Math.round((rate * SECONDS) / perRequest);
  const started = performance.now();
  const inflight: Array<Promise<number>> = [];
  for (let n = 0; n < requests; n++) {
    const wait = started + ((n * perRequest) / rate) * 1000 - performance.now();
    if (wait > 0) {
      await new Promise((r) => setTimeout(r, wait));
    }
    const events = Array.from({ length: perRequest }, () => checkout(tag));
    inflight.push(postJson(agent, API_PORT, '/v1/events/batch', JSON.stringify({ events }), `Bearer ${ADMIN_KEY}`));
  }
  const statuses = await Promise.all(inflight);
  const achieved = (requests * perRequest) / ((performance.now() - started) / 1000);
  agent.destroy();
  if (statuses.some((s) => s !== 202)) {
    throw new Error(`ingest answered ${statuses.find((s) => s !== 202)} during the latency phase`);
  }
  await until(
    async () => (await count(db, `SELECT count(*) AS n FROM events WHERE processed_at IS NULL`)) === 0,
    120_000,
    'the latency phase to drain',
  );
  const { rows } = await db.query<{ ms: number }>(
    `SELECT extract(epoch FROM (o.created_at - e.received_at)) * 1000 AS ms
       FROM events e
       JOIN journey_instances i ON i.instance_key = e.properties->>'cartId'
       JOIN outbox_messages o ON o.instance_id = i.id AND o.step_id = 'remind'
      WHERE e.message_id LIKE $1`,
    [`${tag}-%`],
  );
  if (rows.length !== requests * perRequest) {
    throw new Error(`expected ${requests * perRequest} reminders, found ${rows.length}`);
  }
  return { rate, achieved, latency: summarise(rows.map((r) => Number(r.ms))) };
}

const n = (x: number): string => Math.round(x).toLocaleString('en');

/** The shipped reference journeys, segments and templates, installed the way an operator does. */
function installReference(env: Record<string, string>): void {
  const result = spawnSync(process.execPath, [path.join(__dirname, '../apps/cli/src/main.js'), 'install-reference'], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`install-reference failed: ${result.stderr}`);
  }
}

async function main(): Promise<void> {
  const database = await createBenchDatabase('kizuna_bench_processing');
  const env = {
    DATABASE_URL: database.url,
    ADMIN_API_KEY: ADMIN_KEY,
    DATABASE_POOL_SIZE: '8',
    WORKER_BATCH_SIZE: '500',
  };
  const apiProc = await startKizuna('api', env, API_PORT);
  const db = new Client({ connectionString: database.url });
  await db.connect();
  try {
    // Long enough never to come due on its own during a run: the timer phases make them due.
    await installCartReminder(apiProc.baseUrl, ADMIN_KEY, 'P1D');

    const results = [await throughput(apiProc, env, db, 1), await throughput(apiProc, env, db, 2)];
    for (const r of results) {
      console.log(`${r.workers} worker(s): ${n(r.eventsPerSecond)} events/s, ${n(r.timersPerSecond)} timers/s`);
    }
    const max = results[1]!.eventsPerSecond;
    const phases = await withWorkers(env, 2, async () => {
      const out = [];
      for (const rate of [Math.round(max * 0.5), 1000, Math.round(max)].sort((a, b) => a - b)) {
        out.push(await latencyAt(rate, db));
        console.log(`latency at ${rate}/s: p99 ${ms(out[out.length - 1]!.latency.p99)}`);
      }
      return out;
    });

    // The same events with the shipped reference set beside the bench journey: every event is
    // also seen by 4 more journeys and re-evaluates the customer against 5 segments.
    installReference(env);
    const withReference = await throughput(apiProc, env, db, 2, { label: '-ref', timers: false });
    console.log(`with the reference set, 2 workers: ${n(withReference.eventsPerSecond)} events/s`);

    const table = [
      '| Measure | 1 worker | 2 workers |',
      '| --- | --- | --- |',
      `| Events advanced (backlog of ${n(EVENTS)}; each enters an instance, sends, sets a timer) | ${n(results[0]!.eventsPerSecond)} events/s | ${n(results[1]!.eventsPerSecond)} events/s |`,
      `| Timers fired (${n(EVENTS)} due at once; each sends and completes its instance) | ${n(results[0]!.timersPerSecond)} timers/s | ${n(results[1]!.timersPerSecond)} timers/s |`,
      `| The same events with the reference journeys and segments installed too (5 journeys, 5 segments) | | ${n(withReference.eventsPerSecond)} events/s |`,
      '',
      '| Events offered (2 workers) | Achieved | Event stored -> outbox row committed |',
      '| --- | --- | --- |',
      ...phases.map(
        (p) =>
          `| ${n(p.rate)} events/s${p.rate === Math.round(max) ? ' (100% of max)' : p.rate === Math.round(max * 0.5) ? ' (50% of max)' : ''} | ${n(p.achieved)} events/s | p50 ${ms(p.latency.p50)}, p95 ${ms(p.latency.p95)}, p99 ${ms(p.latency.p99)} (${n(p.latency.count)} events) |`,
      ),
    ].join('\n');
    console.log(table);
    writeSection(
      'processing',
      `## Processing\n\n${await environment(database.url)}\n- Command: \`npm run bench:processing\` (BENCH_EVENTS=${EVENTS}, BENCH_SECONDS=${SECONDS}, BENCH_CUSTOMERS=${CUSTOMERS})\n- Kizuna: one api process and 1 or 2 worker processes (WORKER_BATCH_SIZE=500, pool 8); sending paused so delivery does not compete; load from a separate process.\n- Journey: entry on checkout.started keyed by cartId -> send -> wait -> send. Checkouts come from ${CUSTOMERS.toLocaleString('en')} customers, so by the end of a run a customer has a cart or two open (every instance a customer has is loaded with each of its events). Each event is one transition of one machine (entry through the send into the wait); each timer is one more (through the second send to completion).\n- Rates come from the database's commit timestamps, first batch to last, so process start-up is not counted. Latency phases post batches of rate/100 events every 10 ms, for ${SECONDS} s each.\n\n${table}`,
    );
  } finally {
    await apiProc.stop();
    await db.end();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
