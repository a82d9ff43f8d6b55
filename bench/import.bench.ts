/**
 * History import end to end, as a shop runs it (docs/import.md):
 *
 *   npm run bench:import      (BENCH_ROWS=100000 BENCH_WORKERS=2 BENCH_DATABASE_URL=postgres://... to change)
 *
 * 1. Writes an orders CSV of BENCH_ROWS rows (default 1,000,000) from BENCH_ROWS / 5 customers
 *    over the 730 shop days ending yesterday (SHOP_TIMEZONE Asia/Tokyo): customers arrive over
 *    the two years, some orders refunded (in part or in full), some cancelled, some in JPY (the
 *    shop sells in USD), a few rows repeated exactly and a few repeating an order id with another
 *    total (a later export that changed). The figures the KPIs should show are worked out here,
 *    while writing, with plain arithmetic over the rows (integer cents), not with Kizuna's code.
 * 2. Installs the reference content (its post-purchase journey starts on order.placed) with the
 *    CLI, and asks the api for the KPIs once, so the rollups' calendar is recorded and the import
 *    moves the rollups incrementally in the inbox transactions (decision 0034).
 * 3. `kizuna import orders.csv --wait` with the built CLI, a separate process, no worker running:
 *    loading rate. When it starts waiting, BENCH_WORKERS worker processes start: application
 *    rate, until the CLI says every imported event is applied.
 * 4. The same file again (every row a duplicate): the counts of events, orders, customers and
 *    idempotency keys must not move.
 * 5. No journey instance, no outbox message, no segment event: the history entered no journey.
 * 6. GET /v1/analytics/kpis (the whole 730 days, as of yesterday) and /v1/analytics/cohorts
 *    against the figures of step 1: buyers, orders, revenue net of refunds (USD; JPY apart),
 *    trailing-year buyers, orders, revenue and repeat buyers, churn (90 and 365 days), and per
 *    cohort its size, buyers per month and cumulative revenue per customer.
 * The results go to docs/PERFORMANCE.md; any figure that differs fails the run (after writing).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { api } from './lib/http-load';
import { createBenchDatabase, startKizuna, waitForWorkers, type RunningKizuna } from './lib/kizuna-process';
import { count } from './lib/pg-count';
import { environment, writeSection } from './lib/report';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const CUSTOMERS = Math.max(1, Math.round(ROWS / 5));
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const DAYS = 730;
const DAY_MS = 86_400_000;
/** Asia/Tokyo has had no daylight saving since 1951: a shop day is [00:00, 24:00) at UTC+9. */
const TIME_ZONE = 'Asia/Tokyo';
const ZONE_OFFSET_MS = 9 * 3_600_000;
const ADMIN_KEY = 'bench-admin-key-import-0123456789';
const API_PORT = 40_000 + Math.floor(Math.random() * 9000);
const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/apps/cli/src/main.js');

/** A small seeded generator (mulberry32): the same file for the same BENCH_ROWS. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Shop day number (days since 1970-01-01 in Tokyo) of an instant, and back to its calendar day. */
const shopDayOf = (ms: number): number => Math.floor((ms + ZONE_OFFSET_MS) / DAY_MS);
const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const monthNumber = (day: number): number => {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
};
const isoMonth = (month: number): string => `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;

/** The orders as written, one entry per order id (its first row: the one that counts). */
interface Orders {
  n: number;
  customer: Int32Array;
  day: Int32Array;
  jpy: Uint8Array;
  /** Net of refunds: USD cents, or whole yen. */
  net: Float64Array;
  cancelled: Uint8Array;
  refunds: number;
  cancellations: number;
  duplicateRows: number;
  changedRows: number;
}

async function writeOrders(file: string, asOf: number): Promise<Orders> {
  const rnd = random(20_261_201);
  const orders: Orders = {
    n: 0,
    customer: new Int32Array(ROWS),
    day: new Int32Array(ROWS),
    jpy: new Uint8Array(ROWS),
    net: new Float64Array(ROWS),
    cancelled: new Uint8Array(ROWS),
    refunds: 0,
    cancellations: 0,
    duplicateRows: 0,
    changedRows: 0,
  };
  const lines: string[] = [];
  const firstDay = asOf - DAYS + 1;
  // Each customer arrives on a day of the two years and orders from then on.
  const arrival = new Int32Array(CUSTOMERS);
  for (let c = 0; c < CUSTOMERS; c++) {
    arrival[c] = firstDay + Math.floor(rnd() * DAYS);
  }
  const out = createWriteStream(file);
  const write = (text: string): Promise<void> =>
    out.write(text) ? Promise.resolve() : new Promise((resolve) => out.once('drain', () => resolve()));
  await write('orderId,customerId,email,placedAt,total,currency,refundedTotal,cancelledAt\n');
  const rowOf = (o: number, total: string, refund: string, cancel: string, placed: string): string => {
    const c = orders.customer[o]!;
    return `o-${o},c-${c},c${c}@example.com,${placed},${total},${orders.jpy[o] ? 'JPY' : 'USD'},${refund},${cancel}\n`;
  };
  const placedAt = new Float64Array(ROWS);
  for (let row = 0; row < ROWS; row++) {
    if (row > 0 && row % 10_000 === 5000) {
      // A row repeated exactly (an export that overlaps the last one): counts once.
      orders.duplicateRows++;
      await write(lines[Math.floor(rnd() * lines.length)]!);
      continue;
    }
    if (row > 0 && row % 20_000 === 15_000) {
      // The same order id with another total: reported as changed, the first one counts.
      const o = Math.floor(rnd() * orders.n);
      orders.changedRows++;
      await write(rowOf(o, orders.jpy[o] ? '1' : '0.01', '', '', new Date(placedAt[o]!).toISOString()));
      continue;
    }
    const o = orders.n++;
    const c = Math.floor(rnd() * CUSTOMERS);
    const day = arrival[c]! + Math.floor(rnd() * (asOf - arrival[c]! + 1));
    const at = day * DAY_MS - ZONE_OFFSET_MS + Math.floor(rnd() * DAY_MS);
    const jpy = rnd() < 0.02;
    // USD: 5.00 to 499.99 in cents; JPY: 500 to 49,999 yen (no minor unit).
    const amount = jpy ? 500 + Math.floor(rnd() * 49_500) : 500 + Math.floor(rnd() * 49_500);
    const total = jpy ? String(amount) : (amount / 100).toFixed(2);
    let refunded = 0;
    const refundDraw = rnd();
    if (refundDraw < 0.02) {
      refunded = amount; // in full: still an order, net 0
    } else if (refundDraw < 0.05) {
      refunded = 1 + Math.floor(rnd() * (amount - 1));
    }
    const refund = refunded === 0 ? '' : jpy ? String(refunded) : (refunded / 100).toFixed(2);
    const cancelled = refunded === 0 && rnd() < 0.005;
    // Cancelled an hour later, never in the future.
    const cancel = cancelled ? new Date(Math.min(at + 3_600_000, Date.now() - 60_000)).toISOString() : '';
    orders.customer[o] = c;
    orders.day[o] = shopDayOf(at);
    orders.jpy[o] = jpy ? 1 : 0;
    orders.net[o] = amount - refunded;
    orders.cancelled[o] = cancelled ? 1 : 0;
    orders.refunds += refunded > 0 ? 1 : 0;
    orders.cancellations += cancelled ? 1 : 0;
    const placed = new Date(at).toISOString();
    placedAt[o] = at;
    const line = rowOf(o, total, refund, cancel, placed);
    if (lines.length < 50_000) {
      lines.push(line);
    }
    await write(line);
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return orders;
}

interface Expected {
  customers: number;
  orders: number;
  events: number;
  period: { buyers: number; orders: number; usdCents: number; jpyOrders: number; jpyYen: number };
  year: { buyers: number; orders: number; usdCents: number; repeatBuyers: number };
  churn90: { lapsed: number; previousBuyers: number };
  churn365: { lapsed: number; previousBuyers: number };
  cohorts: Map<number, { size: number; buyers: number[]; usdCents: number[] }>;
}

/** The figures docs/analytics.md defines, by plain arithmetic over the orders written. */
function expectedFigures(o: Orders, asOf: number): Expected {
  const inDays = (day: number, from: number, to: number) => day >= from && day <= to;
  const firstDay = new Int32Array(CUSTOMERS).fill(2 ** 30);
  const yearOrders = new Int32Array(CUSTOMERS);
  // Bits: 1 ordered in the 730 days, 2 in the last 365, 4 in the last 90, 8 in the 90 before,
  // 16 in the 365 before the last 365.
  const seen = new Uint8Array(CUSTOMERS);
  const e: Expected = {
    customers: 0,
    orders: o.n,
    events: o.n + o.refunds + o.cancellations,
    period: { buyers: 0, orders: 0, usdCents: 0, jpyOrders: 0, jpyYen: 0 },
    year: { buyers: 0, orders: 0, usdCents: 0, repeatBuyers: 0 },
    churn90: { lapsed: 0, previousBuyers: 0 },
    churn365: { lapsed: 0, previousBuyers: 0 },
    cohorts: new Map(),
  };
  const hasOrderRow = new Uint8Array(CUSTOMERS);
  for (let i = 0; i < o.n; i++) {
    hasOrderRow[o.customer[i]!] = 1;
    if (o.cancelled[i]) {
      continue;
    }
    const c = o.customer[i]!;
    const day = o.day[i]!;
    firstDay[c] = Math.min(firstDay[c]!, day);
    e.period.orders++;
    if (o.jpy[i]) {
      e.period.jpyOrders++;
      e.period.jpyYen += o.net[i]!;
    } else {
      e.period.usdCents += o.net[i]!;
    }
    seen[c]! |= 1;
    if (inDays(day, asOf - 364, asOf)) {
      seen[c]! |= 2;
      yearOrders[c]!++;
      e.year.orders++;
      e.year.usdCents += o.jpy[i] ? 0 : o.net[i]!;
    }
    if (inDays(day, asOf - 89, asOf)) {
      seen[c]! |= 4;
    }
    if (inDays(day, asOf - 179, asOf - 90)) {
      seen[c]! |= 8;
    }
    if (inDays(day, asOf - 729, asOf - 365)) {
      seen[c]! |= 16;
    }
  }
  const mask = new Uint16Array(CUSTOMERS);
  for (let i = 0; i < o.n; i++) {
    if (o.cancelled[i]) {
      continue;
    }
    const c = o.customer[i]!;
    const cohort = monthNumber(firstDay[c]!);
    const k = monthNumber(o.day[i]!) - cohort;
    if (k > 12) {
      continue;
    }
    mask[c]! |= 1 << k;
    let cell = e.cohorts.get(cohort);
    if (!cell) {
      cell = { size: 0, buyers: new Array<number>(13).fill(0), usdCents: new Array<number>(13).fill(0) };
      e.cohorts.set(cohort, cell);
    }
    cell.usdCents[k]! += o.jpy[i] ? 0 : o.net[i]!;
  }
  for (let c = 0; c < CUSTOMERS; c++) {
    e.customers += hasOrderRow[c]!;
    const s = seen[c]!;
    e.period.buyers += s & 1 ? 1 : 0;
    e.year.buyers += s & 2 ? 1 : 0;
    e.year.repeatBuyers += yearOrders[c]! >= 2 ? 1 : 0;
    e.churn90.previousBuyers += s & 8 ? 1 : 0;
    e.churn90.lapsed += s & 8 && !(s & 4) ? 1 : 0;
    e.churn365.previousBuyers += s & 16 ? 1 : 0;
    e.churn365.lapsed += s & 16 && !(s & 2) ? 1 : 0;
    if (s & 1) {
      const cell = e.cohorts.get(monthNumber(firstDay[c]!))!;
      cell.size++;
      for (let k = 0; k <= 12; k++) {
        cell.buyers[k]! += (mask[c]! >> k) & 1;
      }
    }
  }
  return e;
}

interface ImportRun {
  wallSeconds: number;
  /** The CLI's own loading time and rate (its summary line). */
  loadSeconds: number;
  loadRate: number;
  /** From the first "Waiting" line to the CLI's exit (workers started at that line). */
  applySeconds?: number;
  stdout: string;
}

/**
 * `kizuna import <file> --wait`, as a user runs it. `onWaiting` runs when the CLI starts waiting
 * for the engine (here: the workers are started then).
 */
async function runImport(
  file: string,
  env: Record<string, string>,
  onWaiting: () => Promise<void>,
): Promise<ImportRun> {
  const started = performance.now();
  let waitingAt: number | undefined;
  let stdout = '';
  const child = spawn(process.execPath, [cli, 'import', file, '--wait'], {
    env: { ...process.env, ...env, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let onWaitingDone: Promise<void> = Promise.resolve();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (waitingAt === undefined && stdout.includes('Waiting for the engine')) {
      waitingAt = performance.now();
      onWaitingDone = onWaiting();
    }
  });
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await onWaitingDone;
  if (code !== 0) {
    throw new Error(`kizuna import exited with ${code}:\n${stdout}`);
  }
  const ended = performance.now();
  const m = /in ([\d.]+) s, ([\d,]+) rows\/s/.exec(stdout);
  return {
    wallSeconds: (ended - started) / 1000,
    loadSeconds: Number(m?.[1] ?? NaN),
    loadRate: Number((m?.[2] ?? 'NaN').replace(/,/g, '')),
    ...(waitingAt === undefined ? {} : { applySeconds: (ended - waitingAt) / 1000 }),
    stdout,
  };
}

interface Check {
  figure: string;
  expected: number;
  actual: number;
}

const n = (x: number): string => Math.round(x).toLocaleString('en');

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kizuna-bench-import-'));
  const database = await createBenchDatabase('kizuna_bench_import');
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    ADMIN_API_KEY: ADMIN_KEY,
    SHOP_TIMEZONE: TIME_ZONE,
    SHOP_CURRENCY: 'USD',
    DATABASE_POOL_SIZE: '8',
    WORKER_BATCH_SIZE: '500',
  };
  const db = new Client({ connectionString: database.url });
  const workers: RunningKizuna[] = [];
  let apiProc: RunningKizuna | undefined;
  try {
    const asOf = shopDayOf(Date.now()) - 1;
    const file = path.join(dir, 'orders.csv');
    let t = performance.now();
    const orders = await writeOrders(file, asOf);
    const size = (await stat(file)).size;
    const expected = expectedFigures(orders, asOf);
    console.log(
      `wrote ${n(ROWS)} rows (${(size / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    // The reference content, the way an operator installs it; its post-purchase journey starts on order.placed.
    const installed = spawnSync(process.execPath, [cli, 'install-reference'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    });
    if (installed.status !== 0) {
      throw new Error(`install-reference failed: ${installed.stderr}`);
    }
    await db.connect();
    const journeys = await db.query<{ name: string; trigger: string }>(
      `SELECT j.name, v.definition->'entry'->>'event' AS trigger FROM journeys j
         JOIN journey_versions v ON v.journey_id = j.id WHERE j.status = 'active' ORDER BY j.name`,
    );
    if (!journeys.rows.some((j) => j.trigger === 'order.placed')) {
      throw new Error('no active journey starts on order.placed');
    }
    apiProc = await startKizuna('api', env, API_PORT);
    // One report before the import records the rollups' calendar (Tokyo, USD), so the workers
    // move the rollups as they apply the history (decision 0034) rather than a rebuild on first read.
    const from = isoDay(asOf - DAYS + 1);
    const to = isoDay(asOf);
    const kpisPath = `/v1/analytics/kpis?asOf=${to}&from=${from}&to=${to}`;
    await api(apiProc.baseUrl, ADMIN_KEY, 'GET', kpisPath);

    const startWorkers = async (): Promise<void> => {
      for (let i = 0; i < WORKERS; i++) {
        workers.push(await startKizuna('worker', env, API_PORT + 1 + i));
      }
      await waitForWorkers(database.url, WORKERS);
    };
    // Loading, then (when the CLI starts waiting) the workers apply it.
    let analyzeTimer: NodeJS.Timeout | undefined;
    const first = await runImport(file, env, async () => {
      // Where autovacuum would have (this server runs without it): statistics for the loaded inbox.
      await db.query('ANALYZE');
      analyzeTimer = setInterval(() => void db.query('ANALYZE').catch(() => undefined), 60_000);
      await startWorkers();
    });
    clearInterval(analyzeTimer);
    const { rows: applied } = await db.query<{ n: string; seconds: string }>(
      `SELECT count(*) AS n, extract(epoch FROM max(processed_at) - min(processed_at)) AS seconds
         FROM events WHERE source = 'import'`,
    );
    const appliedSeconds = Number(applied[0]!.seconds);
    const appliedRate = Number(applied[0]!.n) / Math.max(appliedSeconds, 0.001);
    const failed = await count(db, `SELECT count(*) AS n FROM events WHERE processing_error IS NOT NULL`);

    const counts = async () => ({
      events: await count(db, 'SELECT count(*) AS n FROM events'),
      customer_orders: await count(db, 'SELECT count(*) AS n FROM customer_orders'),
      customers: await count(db, 'SELECT count(*) AS n FROM customers'),
      event_idempotency_keys: await count(db, 'SELECT count(*) AS n FROM event_idempotency_keys'),
    });
    const before = await counts();
    t = performance.now();
    const again = await runImport(file, env, () => Promise.resolve());
    const after = await counts();

    const journeyInstances = await count(db, 'SELECT count(*) AS n FROM journey_instances');
    const outbox = await count(db, 'SELECT count(*) AS n FROM outbox_messages');
    const segmentEvents = await count(
      db,
      `SELECT count(*) AS n FROM events WHERE name IN ('segment.entered', 'segment.exited')`,
    );

    t = performance.now();
    const kpis = await api<KpisView>(apiProc.baseUrl, ADMIN_KEY, 'GET', kpisPath);
    const kpisMs = performance.now() - t;
    const firstMonth = monthNumber(asOf - DAYS + 1);
    const lastMonth = monthNumber(asOf);
    t = performance.now();
    const cohorts = await api<CohortsView>(
      apiProc.baseUrl,
      ADMIN_KEY,
      'GET',
      `/v1/analytics/cohorts?from=${isoMonth(firstMonth)}&to=${isoMonth(lastMonth)}`,
    );
    const cohortsMs = performance.now() - t;

    const cents = (amount: number): number => Math.round(amount * 100);
    const jpy = (list: KpisView['period']['otherCurrencies']) => list.find((c) => c.currency === 'JPY');
    const checks: Check[] = [
      { figure: 'customers (profiles)', expected: expected.customers, actual: after.customers },
      {
        figure: 'orders stored (customer_orders, incl. cancelled)',
        expected: expected.orders,
        actual: after.customer_orders,
      },
      { figure: 'events stored (orders, refunds, cancellations)', expected: expected.events, actual: after.events },
      { figure: 'period buyers', expected: expected.period.buyers, actual: kpis.period.buyers },
      { figure: 'period orders (all currencies)', expected: expected.period.orders, actual: kpis.period.orders },
      {
        figure: 'period revenue, USD cents, net of refunds',
        expected: expected.period.usdCents,
        actual: cents(kpis.period.revenue),
      },
      {
        figure: 'period JPY orders (apart)',
        expected: expected.period.jpyOrders,
        actual: jpy(kpis.period.otherCurrencies)?.orders ?? 0,
      },
      {
        figure: 'period JPY revenue, yen (apart)',
        expected: expected.period.jpyYen,
        actual: jpy(kpis.period.otherCurrencies)?.revenue ?? 0,
      },
      { figure: 'trailing-year buyers', expected: expected.year.buyers, actual: kpis.trailingYear.buyers },
      { figure: 'trailing-year orders', expected: expected.year.orders, actual: kpis.trailingYear.orders },
      {
        figure: 'trailing-year revenue, USD cents',
        expected: expected.year.usdCents,
        actual: cents(kpis.trailingYear.revenue),
      },
      {
        figure: 'trailing-year repeat buyers',
        expected: expected.year.repeatBuyers,
        actual: kpis.trailingYear.repeatBuyers,
      },
      {
        figure: 'churn (90 d): previous buyers',
        expected: expected.churn90.previousBuyers,
        actual: kpis.churn.previousBuyers,
      },
      { figure: 'churn (90 d): lapsed', expected: expected.churn90.lapsed, actual: kpis.churn.lapsed },
      {
        figure: 'yearly churn: previous-year buyers',
        expected: expected.churn365.previousBuyers,
        actual: kpis.yearlyChurn.denominator,
      },
      { figure: 'yearly churn: lapsed', expected: expected.churn365.lapsed, actual: kpis.yearlyChurn.numerator },
    ];
    // Cohorts: size, buyers per month and cumulative revenue per customer (to the cent: the
    // api's value × size against the cohort's cents), for every month the api gives a value.
    let cohortCells = 0;
    const cohortProblems: string[] = [];
    const months = new Set([...expected.cohorts.keys()]);
    for (const cohort of cohorts.cohorts) {
      const [y, m] = cohort.month.split('-').map(Number) as [number, number];
      const month = y * 12 + m - 1;
      months.delete(month);
      const want = expected.cohorts.get(month);
      if (!want) {
        if (cohort.customers !== 0) {
          cohortProblems.push(`${cohort.month}: ${cohort.customers} customers, expected none`);
        }
        continue;
      }
      if (cohort.customers !== want.size) {
        cohortProblems.push(`${cohort.month}: size ${cohort.customers}, expected ${want.size}`);
      }
      let cumulative = 0;
      for (const cell of cohort.retention) {
        cumulative += want.usdCents[cell.offset] ?? 0;
        if (cell.offset > 12 || month + cell.offset > lastMonth) {
          continue;
        }
        cohortCells++;
        if (cell.buyers !== want.buyers[cell.offset]) {
          cohortProblems.push(
            `${cohort.month}+${cell.offset}: ${cell.buyers} buyers, expected ${want.buyers[cell.offset]}`,
          );
        }
        const perCustomer = cell.cumulativeRevenuePerCustomer;
        // revenue / customers, times customers, back to the cohort's cents.
        if (perCustomer === null || Math.round(perCustomer * want.size * 100) !== cumulative) {
          cohortProblems.push(
            `${cohort.month}+${cell.offset}: ${perCustomer} per customer, expected ${(cumulative / 100 / want.size).toFixed(6)}`,
          );
        }
      }
    }
    for (const month of months) {
      cohortProblems.push(`${isoMonth(month)}: missing from the api's cohorts`);
    }
    const unchanged = Object.entries(before).filter(([k, v]) => after[k as keyof typeof after] !== v);
    const mismatches = checks.filter((c) => c.expected !== c.actual);
    const ok =
      mismatches.length === 0 &&
      cohortProblems.length === 0 &&
      unchanged.length === 0 &&
      journeyInstances === 0 &&
      outbox === 0 &&
      segmentEvents === 0 &&
      failed === 0;

    const load = os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ');
    const section = `## Import (\`npm run bench:import\`)

${await environment(database.url)}
- Load average after the run (1, 5, 15 min): ${load}. The machine is shared with other work (${os.cpus().length} cores): these rates are what was left over, not the machine's best.
- File: orders CSV, ${n(ROWS)} rows (${(size / 2 ** 20).toFixed(0)} MiB), ${n(expected.customers)} customers arriving over ${DAYS} shop days (Asia/Tokyo) ending ${to}; ${n(orders.refunds)} refunded (in full or in part), ${n(orders.cancellations)} cancelled, ${n(expected.period.jpyOrders)} counted orders in JPY (the shop sells in USD), ${n(orders.duplicateRows)} rows repeated exactly, ${n(orders.changedRows)} repeating an order id with another total
- Command: \`BENCH_ROWS=${ROWS} BENCH_WORKERS=${WORKERS} npm run bench:import\`; \`kizuna import orders.csv --wait\` with the built CLI as a separate process, the reference content installed first (its post-purchase journey starts on \`order.placed\`); ${WORKERS} worker process(es) started when the CLI starts waiting (WORKER_BATCH_SIZE=500); \`ANALYZE\` after loading and every 60 s while applying, where autovacuum would have (it is off on this server)

| step | seconds | rate |
| --- | ---: | ---: |
| loading: validate and store every row (the CLI's own figure) | ${first.loadSeconds.toFixed(1)} | ${n(first.loadRate)} rows/s |
| loading, wall time of the command up to its "Waiting" line (start-up, migrations check) | ${(first.wallSeconds - (first.applySeconds ?? 0)).toFixed(1)} | ${n(ROWS / (first.wallSeconds - (first.applySeconds ?? 0)))} rows/s |
| applying: ${n(Number(applied[0]!.n))} events by ${WORKERS} worker(s), from the CLI's "Waiting" line to its exit (worker start-up included) | ${(first.applySeconds ?? NaN).toFixed(1)} | ${n(Number(applied[0]!.n) / (first.applySeconds ?? NaN))} events/s |
| applying, first to last event applied (database timestamps) | ${appliedSeconds.toFixed(1)} | ${n(appliedRate)} events/s |
| the same file again (every row a duplicate), wall time | ${again.wallSeconds.toFixed(1)} | ${n(again.loadRate)} rows/s |
| GET /v1/analytics/kpis (730 days) after the import | ${(kpisMs / 1000).toFixed(3)} | |
| GET /v1/analytics/cohorts (${cohorts.cohorts.length} months) after the import | ${(cohortsMs / 1000).toFixed(3)} | |

**Checks** (${ok ? 'all passed' : '**FAILED**'}):

- Second import: ${unchanged.length === 0 ? `nothing added (events ${n(after.events)}, customer_orders ${n(after.customer_orders)}, customers ${n(after.customers)}, idempotency keys ${n(after.event_idempotency_keys)}: the same before and after)` : `**counts moved**: ${unchanged.map(([k, v]) => `${k} ${v} -> ${after[k as keyof typeof after]}`).join(', ')}`}
- Journeys: ${journeyInstances} journey instances, ${outbox} outbox messages, ${segmentEvents} segment.entered/exited events (${journeys.rows.length} active journeys: ${journeys.rows.map((j) => `${j.name} on ${j.trigger}`).join(', ')})
- Events that failed to apply: ${failed}
- Cohorts: ${cohorts.cohorts.length} cohorts, ${cohortCells} month cells (size, buyers, cumulative revenue per customer): ${cohortProblems.length === 0 ? 'every one as computed from the file' : `**${cohortProblems.length} differ**: ${cohortProblems.slice(0, 10).join('; ')}`}
- KPIs (as of ${to}, period ${from} – ${to}) against the figures computed from the rows written (plain arithmetic in the bench, integer cents):

| figure | from the file | Kizuna | |
| --- | ---: | ---: | --- |
${checks.map((c) => `| ${c.figure} | ${n(c.expected)} | ${n(c.actual)} | ${c.expected === c.actual ? 'same' : '**differs**'} |`).join('\n')}

First run's output:

\`\`\`
${first.stdout.trim()}
\`\`\`

Second run's output:

\`\`\`
${again.stdout.trim()}
\`\`\`
`;
    writeSection('import', section);
    console.log(section);
    if (!ok) {
      throw new Error('the import bench found differences (see above)');
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await apiProc?.stop();
    await db.end().catch(() => undefined);
    if (process.env.BENCH_KEEP_DATABASE !== '1') {
      await database.drop();
    }
    await rm(dir, { recursive: true, force: true });
  }
}

interface Ratio {
  numerator: number;
  denominator: number;
  value: number | null;
}

interface KpisView {
  period: {
    buyers: number;
    orders: number;
    revenue: number;
    otherCurrencies: Array<{ currency: string; orders: number; revenue: number }>;
  };
  trailingYear: { buyers: number; orders: number; revenue: number; repeatBuyers: number };
  churn: { lapsed: number; previousBuyers: number };
  yearlyChurn: Ratio;
}

interface CohortsView {
  cohorts: Array<{
    month: string;
    customers: number;
    retention: Array<{ offset: number; buyers: number; cumulativeRevenuePerCustomer: number | null }>;
  }>;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
