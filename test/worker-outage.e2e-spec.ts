import { waitFor } from './support/test-app';
import { TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { insertEvents, WorkerProcess } from './support/worker-process';

/**
 * A real worker process while PostgreSQL is unreachable (a proxy between it and the test
 * server is cut; the server itself keeps running for everyone else). It used to log every
 * failed poll of every loop, about 18 error lines a second; now the outage is one line when it
 * starts, a reminder at most every 30 s, and one line when it ends, and it picks up the work
 * that arrived meanwhile.
 */
const OUTAGE_MS = 3_000;

describe('a worker during a database outage', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await TcpProxy.start(db.url);
  });
  afterAll(async () => {
    await worker?.kill();
    await proxy.close();
    await db.drop();
  });

  const pending = async (): Promise<number> =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE processed_at IS NULL'))[0]!.n;

  it('logs the outage a bounded number of times, backs off, and resumes processing after it', async () => {
    // WORKER_POLL_INTERVAL_MS 50 (WorkerProcess's): without backoff each of its four loops would
    // try 20 times a second.
    worker = new WorkerProcess(proxy.via(db.url), { LOG_LEVEL: 'warn' });
    await insertEvents(db, [{ customerId: 'o-1', name: 'page.viewed' }]);
    await waitFor(async () => ((await pending()) === 0 ? true : undefined), 15_000, 'the first event to be processed');
    const quietBefore = worker.log;

    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const duringOutage = lines(worker.log.slice(quietBefore.length));
    // One line for the start of the outage; no reminder is due within 3 s (every 30 s).
    expect(duringOutage).toHaveLength(1);
    expect(duringOutage[0]).toMatchObject({ level: 'error', msg: expect.stringMatching(/^database unreachable/) });

    // Work that arrives meanwhile (stored by an api that can reach the database) waits for it.
    await insertEvents(db, [
      { customerId: 'o-2', name: 'page.viewed' },
      { customerId: 'o-3', name: 'page.viewed' },
    ]);
    expect(await pending()).toBe(2);

    const beforeRecovery = worker.log.length;
    proxy.restore();
    // Backoff is capped at 10 s (BACKOFF_MAX_MS): it comes back within that, plus a batch.
    await waitFor(
      async () => ((await pending()) === 0 ? true : undefined),
      15_000,
      'the queued events to be processed',
    );
    await worker.waitForLog(/"msg":"database reachable again"/);
    const afterRecovery = lines(worker.log.slice(beforeRecovery));
    expect(afterRecovery).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'database reachable again', failures: expect.any(Number) }),
    ]);
    const failures = (afterRecovery[0] as { failures: number }).failures;
    // Every failed try is counted, and there were few of them: the loops backed off. A loop
    // waits 50 ms doubled per failure, jittered down by at most half (25, 50, ... 1,600 ms: 3,175
    // ms for 7 waits), so it tries at most 8 times in a 3-4 s outage; the 3 LISTEN connections
    // retry after 1 s and 2 s (3 failures each); the 2 segment jobs fail at most once each before
    // they sit the outage out: 4 x 8 + 3 x 3 + 2 = 43. Without backoff, 4 loops polling every
    // 50 ms for 3 s fail about 240 times.
    expect(failures).toBeGreaterThanOrEqual(4);
    expect(failures).toBeLessThanOrEqual(43);
  });
});

function lines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
