/**
 * Ingest throughput and latency: events/s accepted (202 after the durable write) through
 * POST /v1/events/batch and POST /v1/events, with p50/p95/p99 request latency.
 *
 *   npm run bench:ingest            (BENCH_SECONDS=20 BENCH_DATABASE_URL=postgres://... to change)
 *
 * Kizuna runs as the api process alone (no worker), so only the ingest path is measured; this
 * process is the load generator, over keep-alive HTTP connections.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { postJson } from './lib/http-load';
import { createBenchDatabase, startKizuna } from './lib/kizuna-process';
import { environment, writeSection } from './lib/report';
import { ms, summarise, type LatencySummary } from './lib/stats';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const PORT = 3901;

interface PhaseResult {
  name: string;
  concurrency: number;
  eventsPerRequest: number;
  events: number;
  seconds: number;
  latency: LatencySummary;
  errors: number;
}

const run = randomUUID().slice(0, 8);
let seq = 0;
function event(): Record<string, unknown> {
  const n = seq++;
  return {
    name: 'cart.updated',
    customerId: `bench-${n % 50_000}`,
    messageId: `${run}-${n}`,
    timestamp: new Date().toISOString(),
    properties: {
      cartId: `cart-${n % 50_000}`,
      items: [{ id: 'sku-1', name: 'Tea cup', price: 29.9, quantity: 2 }],
      total: 59.8,
      currency: 'USD',
    },
  };
}

async function phase(
  name: string,
  path: string,
  concurrency: number,
  eventsPerRequest: number,
  seconds: number,
): Promise<PhaseResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let events = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const body =
          eventsPerRequest === 1
            ? JSON.stringify(event())
            : JSON.stringify({ events: Array.from({ length: eventsPerRequest }, event) });
        const t0 = performance.now();
        const status = await postJson(agent, PORT, path, body, `Bearer ${ADMIN_KEY}`);
        latencies.push(performance.now() - t0);
        if (status === 202) {
          events += eventsPerRequest;
        } else {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { name, concurrency, eventsPerRequest, events, seconds: elapsed, latency: summarise(latencies), errors };
}

async function main(): Promise<void> {
  const db = await createBenchDatabase('kizuna_bench_ingest');
  const kizuna = await startKizuna(
    'api',
    {
      DATABASE_URL: db.url,
      ADMIN_API_KEY: ADMIN_KEY,
      DATABASE_POOL_SIZE: '16',
      // This measures what the api can take from one key; the per-key limit (1,000 requests/s by
      // default, above this machine's ~700 single-event requests/s) would cap a faster machine.
      RATE_LIMIT_KEY_REQUESTS: '0',
    },
    PORT,
  );
  try {
    await phase('warm-up', '/v1/events/batch', 4, 100, 3);
    const results = [
      await phase('batch (500 events/request)', '/v1/events/batch', 8, 500, SECONDS),
      await phase('batch (100 events/request)', '/v1/events/batch', 16, 100, SECONDS),
      await phase('single event/request', '/v1/events', 32, 1, SECONDS),
    ];
    const rows = results.map(
      (r) =>
        `| ${r.name} | ${r.concurrency} | ${Math.round(r.events / r.seconds).toLocaleString('en')} | ${Math.round(r.latency.count / r.seconds).toLocaleString('en')} | ${ms(r.latency.p50)} | ${ms(r.latency.p95)} | ${ms(r.latency.p99)} | ${r.errors} |`,
    );
    const table = [
      '| Phase | Connections | Events/s accepted | Requests/s | p50 | p95 | p99 | Non-202 |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n');
    console.log(table);
    writeSection(
      'ingest',
      `## Ingest\n\n${await environment(db.url)}\n- Command: \`npm run bench:ingest\` (BENCH_SECONDS=${SECONDS} per phase)\n- Kizuna: one api process (no worker), DATABASE_POOL_SIZE=16; load from a separate Node process over keep-alive HTTP.\n\n${table}\n\nLatency is per request, from the load process (a 500-event batch is one request).`,
    );
  } finally {
    await kizuna.stop();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
