/**
 * Processing: how fast workers advance journey machines, and how long an event takes from being
 * stored to its effect (an outbox row) being committed.
 *
 *   npm run bench:processing      (BENCH_EVENTS=20000 BENCH_SECONDS=15 BENCH_DATABASE_URL=... to change)
 *
 * 1. Backlog: N checkout.started events (distinct carts) are stored while no worker runs; one
 *    worker process then drains them. Each event enters a journey instance, enqueues a reminder
 *    (outbox row) and schedules a timer: events/s = transitions/s.
 * 2. Timers: all N timers come due together; the worker fires them (second reminder). timers/s,
 *    and lateness (fired - due) p50/p99.
 * 3. Latency: events at 50% and 100% of the backlog rate, one per request from the load process;
 *    event stored (received_at) -> outbox row committed (created_at), p50/p95/p99, from the
 *    database's own timestamps.
 * Sending is paused (kill switch) so delivery does not compete: this measures the engine.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { api, postJson } from './lib/http-load';
import { createBenchDatabase, startKizuna, type RunningKizuna } from './lib/kizuna-process';
import { environment, writeSection } from './lib/report';
import { ms, summarise, type LatencySummary } from './lib/stats';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const API_PORT = 3902;
const TIMER_DELAY_S = 20;

const journey = {
  name: 'Bench cart reminder',
  entry: { event: 'checkout.started', key: 'cartId' },
  exit: [{ event: 'order.placed', sameKey: 'cartId' }],
  steps: [
    { id: 'remind', type: 'send', template: 'bench-reminder', category: 'marketing', next: 'wait' },
    { id: 'wait', type: 'wait', duration: `PT${TIMER_DELAY_S}S`, next: 'remind-again' },
    { id: 'remind-again', type: 'send', template: 'bench-reminder', category: 'marketing' },
  ],
};

const run = randomUUID().slice(0, 8);
const checkout = (n: number) => ({
  name: 'checkout.started',
  customerId: `p-${run}-${n % 5000}`,
  messageId: `${run}-checkout-${n}`,
  properties: {
    cartId: `${run}-cart-${n}`,
    items: [{ id: 'sku-1', name: 'Tea cup', price: 29.9, quantity: 2 }],
    total: 59.8,
    currency: 'USD',
  },
});

async function count(db: Client, sql: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(sql);
  const n = rows[0]?.n;
  if (n === undefined) {
    throw new Error(`count query must return a column n: ${sql}`);
  }
  return Number(n);
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function backlog(apiProc: RunningKizuna, env: Record<string, string>, db: Client) {
  for (let i = 0; i < EVENTS; i += 500) {
    const events = Array.from({ length: Math.min(500, EVENTS - i) }, (_, k) => checkout(i + k));
    await api(apiProc.baseUrl, ADMIN_KEY, 'POST', '/v1/events/batch', { events });
  }
  const worker = await startKizuna('worker', env, API_PORT + 1);
  const started = performance.now();
  await until(
    async () => (await count(db, 'SELECT count(*) AS n FROM events WHERE processed_at IS NULL')) === 0,
    600_000,
    'backlog',
  );
  const eventSeconds = (performance.now() - started) / 1000;
  const outbox = await count(db, 'SELECT count(*) AS n FROM outbox_messages');

  // Timers: all due within the same few seconds, TIMER_DELAY_S after their instance started.
  await until(async () => (await count(db, 'SELECT count(*) AS n FROM journey_timers')) === 0, 600_000, 'timers');
  const { rows } = await db.query<{ lateness_ms: number; fired_at: Date; first_due: Date }>(
    `SELECT extract(epoch FROM (o.created_at - (i.entered_at + interval '${TIMER_DELAY_S} seconds'))) * 1000 AS lateness_ms
       FROM outbox_messages o JOIN journey_instances i ON i.id = o.instance_id
      WHERE o.step_id = 'remind-again'`,
  );
  const lateness = summarise(rows.map((r) => Number(r.lateness_ms)));
  const { rows: span } = await db.query<{ seconds: number }>(
    `SELECT extract(epoch FROM max(created_at) - min(created_at)) AS seconds FROM outbox_messages WHERE step_id = 'remind-again'`,
  );
  const timerSeconds = Math.max(Number(span[0]?.seconds ?? 0), 0.001);
  return {
    worker,
    eventsPerSecond: EVENTS / eventSeconds,
    outbox,
    timersPerSecond: rows.length / timerSeconds,
    lateness,
  };
}

async function latencyAt(
  rate: number,
  db: Client,
): Promise<{ rate: number; achieved: number; latency: LatencySummary }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const tag = randomUUID().slice(0, 8);
  const total = Math.round(rate * SECONDS);
  const started = performance.now();
  const inflight: Array<Promise<number>> = [];
  for (let n = 0; n < total; n++) {
    const due = started + (n / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) {
      await new Promise((r) => setTimeout(r, wait));
    }
    const event = checkout(EVENTS + n);
    event.messageId = `${tag}-${n}`;
    event.properties.cartId = `${tag}-cart-${n}`;
    inflight.push(postJson(agent, API_PORT, '/v1/events', JSON.stringify(event), `Bearer ${ADMIN_KEY}`));
  }
  await Promise.all(inflight);
  const achieved = total / ((performance.now() - started) / 1000);
  agent.destroy();
  await until(
    async () => (await count(db, `SELECT count(*) AS n FROM events WHERE processed_at IS NULL`)) === 0,
    120_000,
    'latency phase to drain',
  );
  const { rows } = await db.query<{ ms: number }>(
    `SELECT extract(epoch FROM (o.created_at - e.received_at)) * 1000 AS ms
       FROM events e
       JOIN outbox_messages o ON o.payload->>'instanceKey' = e.properties->>'cartId' AND o.step_id = 'remind'
      WHERE e.message_id LIKE $1`,
    [`${tag}-%`],
  );
  return { rate, achieved, latency: summarise(rows.map((r) => Number(r.ms))) };
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
  let worker: RunningKizuna | undefined;
  try {
    await api(apiProc.baseUrl, ADMIN_KEY, 'POST', '/v1/templates', {
      key: 'bench-reminder',
      defaultLocale: 'en',
      variants: { en: { subject: 'Your cart', html: '<p>{{#each trigger.properties.items}}{{name}} {{/each}}</p>' } },
    });
    const created = await api<{ id: string }>(apiProc.baseUrl, ADMIN_KEY, 'POST', '/v1/journeys', journey);
    await api(apiProc.baseUrl, ADMIN_KEY, 'POST', `/v1/journeys/${created.id}/publish`, {});
    await api(apiProc.baseUrl, ADMIN_KEY, 'POST', '/v1/sending/pause', {});

    const result = await backlog(apiProc, env, db);
    worker = result.worker;
    const max = result.eventsPerSecond;
    const phases = [await latencyAt(Math.round(max * 0.5), db), await latencyAt(Math.round(max), db)];

    const table = [
      '| Measure | Result |',
      '| --- | --- |',
      `| Events advanced through the journey (backlog of ${EVENTS.toLocaleString('en')}, one worker) | ${Math.round(max).toLocaleString('en')} events/s (${result.outbox.toLocaleString('en')} outbox rows) |`,
      `| Timers fired (${EVENTS.toLocaleString('en')} due together) | ${Math.round(result.timersPerSecond).toLocaleString('en')} timers/s; lateness p50 ${ms(result.lateness.p50)}, p99 ${ms(result.lateness.p99)} |`,
      ...phases.map(
        (p) =>
          `| Event stored -> outbox row committed at ${Math.round(p.rate).toLocaleString('en')} events/s offered (${Math.round(p.achieved).toLocaleString('en')} achieved) | p50 ${ms(p.latency.p50)}, p95 ${ms(p.latency.p95)}, p99 ${ms(p.latency.p99)} (${p.latency.count} events) |`,
      ),
    ].join('\n');
    console.log(table);
    writeSection(
      'processing',
      `## Processing\n\n${await environment(database.url)}\n- Command: \`npm run bench:processing\` (BENCH_EVENTS=${EVENTS}, BENCH_SECONDS=${SECONDS})\n- Kizuna: one api process and one worker process (WORKER_BATCH_SIZE=500, pool 8); sending paused so delivery does not compete; load from a separate process.\n- Journey: entry on checkout.started keyed by cartId -> send -> wait ${TIMER_DELAY_S} s -> send.\n\n${table}\n\nTimer lateness is measured from the due time to the commit of the effect the timer caused; all ${EVENTS.toLocaleString('en')} timers come due within the same few seconds, so lateness here is mostly queueing behind each other.`,
    );
  } finally {
    await worker?.stop();
    await apiProc.stop();
    await db.end();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
