import { Client } from 'pg';
import { createBenchDatabase } from '../lib/kizuna-process';
import { summarise, type LatencySummary } from '../lib/stats';

export interface FloorResult {
  connections: number;
  seconds: number;
  transactionsPerSecond: number;
  latency: LatencySummary;
}

/**
 * The cost of one durable PostgreSQL write here: single-row INSERTs, each its own autocommit
 * transaction (so each waits for its WAL flush), from `connections` connections at once.
 */
export async function postgresFloor(connections: number, seconds: number, payload: unknown): Promise<FloorResult> {
  const database = await createBenchDatabase('kizuna_bench_baselines_floor');
  const clients = Array.from({ length: connections }, () => new Client({ connectionString: database.url }));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    await clients[0]!.query('CREATE TABLE floor (id bigserial PRIMARY KEY, payload jsonb NOT NULL)');
    const body = JSON.stringify(payload);
    const latencies: number[] = [];
    const started = performance.now();
    const end = started + seconds * 1000;
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < end) {
          const t = performance.now();
          await c.query('INSERT INTO floor (payload) VALUES ($1)', [body]);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return {
      connections,
      seconds: elapsed,
      transactionsPerSecond: latencies.length / elapsed,
      latency: summarise(latencies),
    };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
    await database.drop();
  }
}
