import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Role } from '@kizuna/auth';
import { startTestApp, waitFor } from './support/test-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { insertEvents, WorkerProcess } from './support/worker-process';

/**
 * Every process exposes its metrics: a worker-only process serves /metrics and /health on a port
 * of its own (WORKER_METRICS_PORT; 0 here, so the OS picks and several run at once), and in the
 * combined process the worker's counters appear on the api's /metrics (one registry per process).
 */

/** The value of one sample in Prometheus text format; 0 when the series has not appeared yet. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const PROCESSED_OK = 'kizuna_inbox_events_processed_total{outcome="ok"}';
const METRICS_URL = /"url":"(http:\/\/[^"]+)\/metrics"/;

describe('worker metrics', () => {
  let db: TestDatabase;
  const workers: WorkerProcess[] = [];

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    await db.drop();
  });

  const worker = (env: Record<string, string> = {}): WorkerProcess => {
    const w = new WorkerProcess(db.url, { LOG_LEVEL: 'info', ...env });
    workers.push(w);
    return w;
  };

  it('a worker process serves /metrics on its own port, with its own counters moving', async () => {
    // Two at once, each on a port the OS picked: no fixed port, no clash.
    const [first, second] = [worker(), worker()];
    const [firstUrl, secondUrl] = await Promise.all(
      [first, second].map(async (w) => (await w.waitForLog(METRICS_URL))[1]!),
    );
    expect(firstUrl).not.toBe(secondUrl);
    // Loopback unless WORKER_METRICS_HOST says otherwise.
    expect(new URL(firstUrl!).hostname).toBe('127.0.0.1');
    await second.stop();

    const health = await fetch(`${firstUrl}/health`);
    expect({ status: health.status, body: await health.json() }).toEqual({ status: 200, body: { status: 'ok' } });

    const before = await fetch(`${firstUrl}/metrics`);
    expect(before.status).toBe(200);
    expect(before.headers.get('content-type')).toMatch(/^text\/plain/);
    const beforeText = await before.text();
    // The counter the issue was about is there, in the process that counts it.
    expect(beforeText).toContain('kizuna_email_possibly_duplicated_total 0');
    expect(sample(beforeText, PROCESSED_OK)).toBe(0);

    await insertEvents(db, [
      { customerId: 'm-1', name: 'page.viewed' },
      { customerId: 'm-1', name: 'page.viewed' },
      { customerId: 'm-2', name: 'page.viewed' },
    ]);
    await waitFor(
      async () => {
        const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE processed_at IS NULL');
        return row!.n === 0 ? true : undefined;
      },
      15_000,
      'the events to be processed',
    );
    // The first worker processed all three: the second stopped before they were inserted.
    const after = await (await fetch(`${firstUrl}/metrics`)).text();
    expect(sample(after, PROCESSED_OK)).toBe(3);

    const unknown = await fetch(`${firstUrl}/v1/events`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('ROUTE_NOT_FOUND');
  });

  it('refuses to start, naming the variable, when its metrics port is taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const w = worker({ WORKER_METRICS_PORT: String(port) });
      expect(await w.exited).toBe(1);
      expect(w.log).toContain(
        `WORKER_METRICS_PORT/WORKER_METRICS_HOST: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`,
      );
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('opens no port with WORKER_METRICS_PORT=off', async () => {
    const w = worker({ WORKER_METRICS_PORT: 'off' });
    await w.waitForLog(/"msg":"Kizuna started"/);
    expect(w.log).not.toMatch(METRICS_URL);
  });
});

describe('metrics of the combined process', () => {
  it("shows the worker's counters on the api's /metrics", async () => {
    const t = await startTestApp({ processes: { api: true, worker: true } });
    try {
      const opsKey = await t.keyFor(Role.Ops);
      const scrape = async () =>
        (await fetch(`${t.baseUrl}/metrics`, { headers: { authorization: `Bearer ${opsKey}` } })).text();
      const before = sample(await scrape(), PROCESSED_OK);
      await insertEvents(t.db, [
        { customerId: 'c-1', name: 'page.viewed' },
        { customerId: 'c-2', name: 'page.viewed' },
      ]);
      // Counted in this process's registry by its worker side, served by its api side.
      await waitFor(async () => (sample(await scrape(), PROCESSED_OK) === before + 2 ? true : undefined));
      expect(sample(await scrape(), PROCESSED_OK)).toBe(before + 2);
    } finally {
      await t.close();
    }
  });
});
