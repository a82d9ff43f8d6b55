import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HistoryImporter, type ImportSummary } from '@kizuna/events';
import { ReferenceInstaller } from '@kizuna/reference';
import { startTestApp, waitForInboxDrained, type TestApp } from './support/test-app';

/**
 * `kizuna import` (docs/import.md): a shop's history loads idempotently, rejected rows are
 * reported by line, profiles and stats follow the file, and nothing of it enters a journey.
 */
const root = path.resolve(__dirname, '..');
const run = promisify(execFile);

describe('importing history', () => {
  let t: TestApp;
  let dir: string;
  const hoursAgo = (h: number): string => new Date(Date.now() - h * 3_600_000).toISOString();

  beforeAll(async () => {
    t = await startTestApp();
    // The reference journeys are live: an imported checkout or order must start none of them.
    await t.app.get(ReferenceInstaller).install({ durationScale: 0.0001 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'kizuna-import-'));
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  const importFile = (file: string): Promise<ImportSummary> =>
    t.app.get(HistoryImporter).import(file, file.endsWith('.ndjson') ? 'ndjson' : 'orders-csv');

  const allApplied = () => waitForInboxDrained(t);

  const stats = async (customerId: string) =>
    (
      await t.db.query<{ orders_count: number; revenue: string }>(
        'SELECT orders_count, revenue FROM customers WHERE customer_id = $1',
        [customerId],
      )
    )[0];

  it('loads orders, reports bad rows by line, and is idempotent on a second run', async () => {
    const file = path.join(dir, 'orders.csv');
    await writeFile(
      file,
      [
        'orderId,customerId,email,placedAt,total,currency,refundedTotal',
        `1001,c-1,aiko@example.com,2025-01-05T10:00:00Z,120.00,USD,`,
        `1002,c-1,aiko@example.com,2025-03-07T10:00:00Z,80.00,USD,30.00`,
        `1003,c-2,ben@example.com,2025-02-01T09:00:00Z,not-a-number,USD,`,
        `1004,c-2,ben@example.com,,50.00,USD,`,
        `1005,c-2,ben@example.com,${hoursAgo(1)},45.50,USD,`,
      ].join('\n'),
    );
    const first = await importFile(file);
    expect(first).toMatchObject({ rows: 5, imported: 3, duplicates: 0, changed: 0, rejected: 2, events: 4 });
    expect(first.problems.map((p) => [p.line, p.kind])).toEqual([
      [4, 'rejected'],
      [5, 'rejected'],
    ]);
    expect(first.problems[0]!.why).toContain('line 4.total: is not a number');
    expect(first.problems[1]!.why).toContain('line 5.placedAt: is required');
    await allApplied();
    // c-1: 120 + 80 - 30 refunded = 170 over 2 orders; c-2: the one good order, 45.50.
    expect(await stats('c-1')).toEqual({ orders_count: 2, revenue: '170.0000' });
    expect(await stats('c-2')).toEqual({ orders_count: 1, revenue: '45.5000' });

    const second = await importFile(file);
    expect(second).toMatchObject({ rows: 5, imported: 0, duplicates: 3, rejected: 2, events: 0 });
    await allApplied();
    expect(await stats('c-1')).toEqual({ orders_count: 2, revenue: '170.0000' });

    // A later export where order 1001 changed: reported, and left as it was.
    await writeFile(
      file,
      [
        'orderId,customerId,email,placedAt,total,currency',
        '1001,c-1,aiko@example.com,2025-01-05T10:00:00Z,999.00,USD',
      ].join('\n'),
    );
    const third = await importFile(file);
    expect(third).toMatchObject({ rows: 1, imported: 0, changed: 1 });
    expect(third.problems).toEqual([
      { line: 2, kind: 'changed', why: 'imported before with other content; left as it was' },
    ]);

    // Changed again, now with a refund the earlier files did not have: the order stays as it was
    // (120), the refund (20) is new and applied, and the report says both.
    await writeFile(
      file,
      [
        'orderId,customerId,email,placedAt,total,currency,refundedTotal',
        '1001,c-1,aiko@example.com,2025-01-05T10:00:00Z,999.00,USD,20.00',
      ].join('\n'),
    );
    const fourth = await importFile(file);
    expect(fourth).toMatchObject({ rows: 1, imported: 0, changed: 1, events: 1 });
    expect(fourth.problems).toEqual([
      {
        line: 2,
        kind: 'changed',
        why: 'imported before with other content; left as it was, but its refund or cancellation, new in this file, was applied',
      },
    ]);
    await allApplied();
    // c-1: (120 - 20) + (80 - 30) = 150.
    expect(await stats('c-1')).toEqual({ orders_count: 2, revenue: '150.0000' });
  });

  it('enters no journey, however recent the history: no cart reminder, no thank-you, no segment event', async () => {
    const file = path.join(dir, 'recent.ndjson');
    const lines = [
      {
        name: 'checkout.started',
        customerId: 'c-3',
        email: 'chie@example.com',
        messageId: 'chk-1',
        timestamp: hoursAgo(2),
        properties: {
          cartId: 'k-1',
          items: [{ id: 'sku-1', name: 'Tea cup', price: 30, quantity: 1 }],
          total: 30,
          currency: 'USD',
        },
      },
      {
        name: 'order.placed',
        customerId: 'c-4',
        email: 'dai@example.com',
        messageId: 'ord-9',
        timestamp: hoursAgo(1),
        properties: { orderId: '9', total: 30, currency: 'USD' },
      },
    ];
    await writeFile(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\nnot json\n');
    const summary = await importFile(file);
    expect(summary).toMatchObject({ rows: 3, imported: 2, rejected: 1 });
    expect(summary.problems[0]).toMatchObject({ line: 3, kind: 'rejected' });
    await allApplied();
    // Give the timers of a (wrongly) entered journey time to fire at this duration scale.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const instances = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM journey_instances i JOIN customers c ON c.id = i.customer_uuid
        WHERE c.customer_id IN ('c-1', 'c-2', 'c-3', 'c-4')`,
    );
    expect(instances[0]!.n).toBe(0);
    const outbox = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_messages`);
    expect(outbox[0]!.n).toBe(0);
    // The order still counts: the profile knows it.
    expect(await stats('c-4')).toEqual({ orders_count: 1, revenue: '30.0000' });
    // Memberships moved (first-time buyers), silently: no segment.entered for journeys to act on.
    const segmentEvents = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE name IN ('segment.entered', 'segment.exited')`,
    );
    expect(segmentEvents[0]!.n).toBe(0);
  });

  it('runs from the command line with progress and a summary, telling the format from the file', async () => {
    const file = path.join(dir, 'customers.csv');
    await writeFile(
      file,
      [
        'customerId,email,locale,timezone,tier',
        'c-10,emi@example.com,ja,Asia/Tokyo,gold',
        'c-11,bad-email,en,UTC,',
      ].join('\n'),
    );
    const { stdout, stderr } = await run('node', [path.join(root, 'dist/apps/cli/src/main.js'), 'import', file], {
      env: { ...process.env, DATABASE_URL: t.db.url, LOG_LEVEL: 'silent' },
    });
    expect(stderr).toContain('100%');
    expect(stdout).toContain('(customers-csv)');
    expect(stdout).toMatch(/rows\s+2\n/);
    expect(stdout).toMatch(/imported\s+1 /);
    expect(stdout).toMatch(/rejected\s+1\n/);
    expect(stdout).toContain('line 3: line 3.email');
    await allApplied();
    const [emi] = await t.db.query<{ locale: string; attributes: Record<string, unknown> }>(
      `SELECT locale, attributes FROM customers WHERE customer_id = 'c-10'`,
    );
    expect(emi).toEqual({ locale: 'ja', attributes: { tier: 'gold' } });
  });

  it('--wait waits until the engine has applied the import, with progress, and says the figures include it', async () => {
    const file = path.join(dir, 'wait-orders.csv');
    await writeFile(
      file,
      [
        'orderId,customerId,email,placedAt,total,currency,refundedTotal',
        `2001,c-20,fumi@example.com,2025-04-01T10:00:00Z,60.00,USD,15.00`,
        `2002,c-21,goro@example.com,2025-04-02T10:00:00Z,25.00,USD,`,
      ].join('\n'),
    );
    const cli = (...args: string[]) =>
      run('node', [path.join(root, 'dist/apps/cli/src/main.js'), 'import', file, ...args], {
        env: { ...process.env, DATABASE_URL: t.db.url, LOG_LEVEL: 'silent' },
      });
    const { stdout, stderr } = await cli('--wait');
    // Two orders and one refund: 3 events, all applied by the time the command returns.
    expect(stdout).toContain('Waiting for the engine to apply 3 events');
    expect(stderr).toContain('100%  applied 3 of 3 events');
    expect(stdout).toMatch(/Applied 3 events in [\d.]+ s/);
    expect(stdout).toContain('Profiles, purchase stats, segments and KPIs now include this file');
    const [pending] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE processed_at IS NULL AND source = 'import'`,
    );
    expect(pending!.n).toBe(0);
    // c-20: 60 − 15 refunded = 45.
    expect(await stats('c-20')).toEqual({ orders_count: 1, revenue: '45.0000' });

    // Again: nothing new, so nothing to wait for.
    const again = await cli('--wait');
    expect(again.stdout).toMatch(/duplicates\s+2 /);
    expect(again.stdout).toContain('Nothing new to apply');
    // Two CLI processes (each boots Nest and checks migrations) and a worker batch: slow on a busy machine.
  }, 240_000);
});
