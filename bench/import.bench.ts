/**
 * History import throughput: rows/s that `kizuna import` validates and stores, for an orders CSV
 * of BENCH_ROWS rows (default 1,000,000) from 200,000 customers, run as a user runs it (the
 * built CLI, a separate process); then the same file again (every row a duplicate).
 *
 *   npm run bench:import            (BENCH_ROWS=200000 BENCH_DATABASE_URL=postgres://... to change)
 *
 * Only loading is measured: applying the events (profiles, stats) is the workers' processing
 * rate, measured by bench:processing.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createBenchDatabase } from './lib/kizuna-process';
import { environment, writeSection } from './lib/report';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const CUSTOMERS = Math.max(1, Math.round(ROWS / 5));
const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);

async function writeOrders(file: string): Promise<void> {
  const out = createWriteStream(file);
  const write = (text: string): Promise<void> =>
    out.write(text) ? Promise.resolve() : new Promise((resolve) => out.once('drain', () => resolve()));
  await write('orderId,customerId,email,placedAt,total,currency,refundedTotal\n');
  const start = Date.parse('2023-01-01T00:00:00Z');
  for (let i = 1; i <= ROWS; i++) {
    const c = i % CUSTOMERS;
    const placed = new Date(start + Math.floor((i / ROWS) * 700 * 86_400_000)).toISOString();
    const refund = i % 25 === 0 ? '10.00' : '';
    await write(`o-${i},c-${c},c${c}@example.com,${placed},${(20 + (i % 180)).toFixed(2)},USD,${refund}\n`);
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

async function importOnce(file: string, databaseUrl: string): Promise<{ seconds: number; summary: string }> {
  const started = performance.now();
  const { stdout } = await run('node', [path.join(root, 'dist/apps/cli/src/main.js'), 'import', file], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'error' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { seconds: (performance.now() - started) / 1000, summary: stdout.split('\n').slice(0, 7).join('\n') };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kizuna-bench-import-'));
  const db = await createBenchDatabase('kizuna_bench_import');
  try {
    const file = path.join(dir, 'orders.csv');
    await writeOrders(file);
    const size = (await stat(file)).size;
    const first = await importOnce(file, db.url);
    const again = await importOnce(file, db.url);
    const rate = (seconds: number): string => Math.round(ROWS / seconds).toLocaleString('en');
    const section = `## Import (\`npm run bench:import\`)

${await environment(db.url)}
- File: orders CSV, ${ROWS.toLocaleString('en')} rows (${(size / 2 ** 20).toFixed(0)} MiB), ${CUSTOMERS.toLocaleString('en')} customers, one row in 25 with a refund (two events)
- Command: \`BENCH_ROWS=${ROWS} npm run bench:import\`; the built CLI as a separate process, wall time including start-up and migrations check

| run | seconds | rows/s |
| --- | ---: | ---: |
| first import (every row new) | ${first.seconds.toFixed(1)} | ${rate(first.seconds)} |
| same file again (every row a duplicate) | ${again.seconds.toFixed(1)} | ${rate(again.seconds)} |

First run's summary:

\`\`\`
${first.summary}
\`\`\`
`;
    writeSection('import', section);
    console.log(section);
  } finally {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
