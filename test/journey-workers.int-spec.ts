import { createTestDatabase, type TestDatabase } from './support/test-database';
import { waitFor } from './support/test-app';
import { insertEvents, publishJourney, WorkerProcess } from './support/worker-process';

/**
 * The durable engine under real worker processes (built, spawned, killed) on real PostgreSQL:
 * timers survive restarts, kill -9 loses and duplicates nothing, several workers share one
 * backlog, a customer's events apply in order, and replays produce no second effect.
 */

const count = async (db: TestDatabase, sql: string, params: unknown[] = []): Promise<number> => {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) q`, params);
  return row!.n;
};

const pendingEvents = (db: TestDatabase) => count(db, 'SELECT 1 FROM events WHERE processed_at IS NULL');

describe('journey engine with real worker processes', () => {
  let db: TestDatabase;
  const workers: WorkerProcess[] = [];
  const worker = (env: Record<string, string> = {}): WorkerProcess => {
    const w = new WorkerProcess(db.url, env);
    workers.push(w);
    return w;
  };

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    await db.drop();
  });

  it('a timer survives an engine restart and fires exactly once', async () => {
    const journeyId = await publishJourney(db, {
      name: 'restart',
      entry: { event: 'signed.up' },
      steps: [
        // Long enough that the first worker is surely stopped before it comes due, even on a
        // loaded machine (3 s was not: the timer fired before the stop once).
        { id: 'pause', type: 'wait', duration: 'PT10S', next: 'hello' },
        { id: 'hello', type: 'send', template: 'hello', category: 'marketing' },
      ],
    });
    const first = worker();
    await insertEvents(db, [{ customerId: 'c-1', name: 'signed.up' }]);
    const [timer] = await waitFor(
      async () => {
        const rows = await db.query<{ due_at: Date }>('SELECT due_at FROM journey_timers WHERE journey_id = $1', [
          journeyId,
        ]);
        return rows.length === 1 ? rows : undefined;
      },
      15_000,
      'the timer row',
    );
    await first.stop();
    expect(await count(db, 'SELECT 1 FROM outbox_messages')).toBe(0);

    // Two fresh workers after the due time: it fires once, from the stored row.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, timer!.due_at.getTime() - Date.now())));
    worker();
    worker();
    // Two fresh processes boot (compiled code, a pool each) before either claims the timer.
    await waitFor(
      async () => ((await count(db, 'SELECT 1 FROM outbox_messages')) > 0 ? true : undefined),
      45_000,
      'the message',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sent = await db.query<{ step_id: string; effect_key: string }>(
      'SELECT step_id, effect_key FROM outbox_messages',
    );
    expect(sent.map((s) => s.step_id)).toEqual(['hello']);
    expect(await count(db, 'SELECT 1 FROM journey_timers')).toBe(0);
    expect(
      await db.query(`SELECT status, exit_reason FROM journey_instances WHERE journey_id = $1`, [journeyId]),
    ).toEqual([{ status: 'completed', exit_reason: 'completed' }]);
  }, 120_000);

  it('kill -9 of a worker mid-batch loses nothing and duplicates no effect', async () => {
    const customers = 1500;
    await publishJourney(db, {
      name: 'welcome',
      entry: { event: 'signed.up' },
      steps: [{ id: 'hello', type: 'send', template: 'hello', category: 'marketing' }],
    });
    await insertEvents(
      db,
      Array.from({ length: customers }, (_, i) => ({ customerId: `k-${i}`, name: 'signed.up' })),
    );
    const victim = worker({ WORKER_BATCH_SIZE: '25' });
    await waitFor(async () => ((await pendingEvents(db)) < customers - 50 ? true : undefined), 30_000, 'some progress');
    await victim.kill();
    const left = await pendingEvents(db);
    expect(left).toBeGreaterThan(0);

    worker({ WORKER_BATCH_SIZE: '100' });
    await waitFor(async () => ((await pendingEvents(db)) === 0 ? true : undefined), 60_000, 'the backlog drained');
    expect(await count(db, 'SELECT 1 FROM outbox_messages')).toBe(customers);
    expect(await count(db, 'SELECT DISTINCT customer_uuid FROM outbox_messages')).toBe(customers);
    expect(await count(db, `SELECT 1 FROM journey_instance_history WHERE kind = 'entered'`)).toBe(customers);
    expect(await count(db, 'SELECT 1 FROM events WHERE processing_error IS NOT NULL')).toBe(0);
  });

  it('two worker processes draining one backlog produce each effect exactly once, in order per customer', async () => {
    const customers = 200;
    // Three events per customer that only lead to the message when applied in order.
    await publishJourney(db, {
      name: 'ordered',
      entry: { event: 'step.a' },
      steps: [
        { id: 'wait-b', type: 'waitForEvent', event: 'step.b', timeout: 'P1D', onEvent: 'wait-c' },
        { id: 'wait-c', type: 'waitForEvent', event: 'step.c', timeout: 'P1D', onEvent: 'first' },
        { id: 'first', type: 'send', template: 'first', category: 'marketing', next: 'later' },
        { id: 'later', type: 'wait', duration: 'PT1S', next: 'second' },
        { id: 'second', type: 'send', template: 'second', category: 'marketing' },
      ],
    });
    const events = Array.from({ length: customers }, (_, i) =>
      ['step.a', 'step.b', 'step.c'].map((name) => ({ customerId: `p-${i}`, name })),
    );
    const half = customers / 2;
    // Half the customers' events back to back (a batch of 4 splits them between the two workers),
    // half interleaved (a customer's events lie in batches far apart).
    const adjacent = events.slice(0, half).flat();
    const interleaved = [0, 1, 2].flatMap((k) => events.slice(half).map((e) => e[k]!));
    await insertEvents(db, [...adjacent, ...interleaved]);
    worker({ WORKER_BATCH_SIZE: '4' });
    worker({ WORKER_BATCH_SIZE: '4' });
    await waitFor(
      async () => ((await count(db, 'SELECT 1 FROM outbox_messages')) >= 2 * customers ? true : undefined),
      60_000,
      'every message',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await count(db, 'SELECT 1 FROM outbox_messages')).toBe(2 * customers);
    expect(await count(db, `SELECT 1 FROM outbox_messages WHERE step_id = 'first'`)).toBe(customers);
    expect(await count(db, `SELECT 1 FROM outbox_messages WHERE step_id = 'second'`)).toBe(customers);
    // No transition was applied twice: one history row per step per instance.
    expect(
      await count(db, `SELECT 1 FROM journey_instance_history GROUP BY instance_id, kind, step_id HAVING count(*) > 1`),
    ).toBe(0);
    expect(await count(db, `SELECT 1 FROM journey_instances WHERE status = 'completed'`)).toBe(customers);
  });

  it('a batch is decided in memory in order, and one event that cannot apply is recorded while the rest apply', async () => {
    const customers = 60;
    await publishJourney(db, {
      name: 'in order within one batch',
      entry: { event: 'step.a' },
      steps: [
        { id: 'wait-b', type: 'waitForEvent', event: 'step.b', timeout: 'P1D', onEvent: 'done' },
        { id: 'done', type: 'send', template: 'done', category: 'marketing' },
      ],
    });
    // Each customer's second event only leads anywhere if it sees the instance its first made
    // in the same batch (nothing is written until the batch ends).
    await insertEvents(
      db,
      Array.from({ length: customers }, (_, i) =>
        ['step.a', 'step.b'].map((name) => ({ customerId: `b-${i}`, name })),
      ).flat(),
    );
    // An event with no identity at all (the API never stores one): its profile cannot be created.
    await db.query(
      `INSERT INTO events (source, message_id, name, customer_key, occurred_at, properties)
       VALUES ('api', 'broken-1', 'step.a', 'id:nobody', now(), '{}')`,
    );
    worker({ WORKER_BATCH_SIZE: '500' });
    await waitFor(async () => ((await pendingEvents(db)) === 0 ? true : undefined), 30_000, 'the batch');
    expect(await count(db, `SELECT 1 FROM outbox_messages WHERE step_id = 'done'`)).toBe(customers);
    expect(await count(db, `SELECT 1 FROM journey_instances WHERE status = 'completed'`)).toBe(customers);
    const failed = await db.query<{ message_id: string; processing_error: string }>(
      'SELECT message_id, processing_error FROM events WHERE processing_error IS NOT NULL',
    );
    expect(failed).toEqual([{ message_id: 'broken-1', processing_error: expect.stringMatching(/check constraint/) }]);
  });

  it('a replayed event or timer produces no second effect', async () => {
    const journeyId = await publishJourney(db, {
      name: 'replay',
      entry: { event: 'signed.up' },
      steps: [
        { id: 'hello', type: 'send', template: 'hello', category: 'marketing', next: 'pause' },
        { id: 'pause', type: 'wait', duration: 'PT1S', next: 'again' },
        { id: 'again', type: 'send', template: 'again', category: 'marketing' },
      ],
    });
    worker();
    await insertEvents(db, [{ customerId: 'r-1', name: 'signed.up' }]);
    await waitFor(
      async () => ((await count(db, 'SELECT 1 FROM outbox_messages')) === 2 ? true : undefined),
      15_000,
      'both messages',
    );
    const [instance] = await db.query<{ id: string; customer_uuid: string }>(
      'SELECT id, customer_uuid FROM journey_instances WHERE journey_id = $1',
      [journeyId],
    );
    const historyBefore = await count(db, 'SELECT 1 FROM journey_instance_history');

    // Replay the entry event (as if it were delivered to the engine again) and the fired timer.
    await db.query(`UPDATE events SET processed_at = NULL`);
    await db.query(
      `INSERT INTO journey_timers (customer_uuid, instance_id, timer_id, journey_id, event, due_at)
       VALUES ($1, $2, 'xstate.after.step_pause.journey.pause', $3, 'xstate.after.step_pause.journey.pause', now())`,
      [instance!.customer_uuid, instance!.id, journeyId],
    );
    await db.query(`SELECT pg_notify('kizuna_inbox', '')`);
    await waitFor(
      async () =>
        (await pendingEvents(db)) === 0 && (await count(db, 'SELECT 1 FROM journey_timers')) === 0 ? true : undefined,
      15_000,
      'the replays consumed',
    );
    expect(await count(db, 'SELECT 1 FROM outbox_messages')).toBe(2);
    expect(await count(db, 'SELECT 1 FROM journey_instance_history')).toBe(historyBefore);
    expect(await db.query('SELECT entry_count, status FROM journey_instances')).toEqual([
      { entry_count: 1, status: 'completed' },
    ]);
  });
  it('on the database clock: a two-day-old order enters nothing but counts; a backlogged one waits from its own time', async () => {
    const journeyId = await publishJourney(db, {
      name: 'thanks',
      entry: { event: 'order.placed', key: 'orderId' },
      steps: [
        { id: 'grace', type: 'wait', duration: 'PT1H', next: 'thanks' },
        { id: 'thanks', type: 'send', template: 'thanks', category: 'transactional' },
      ],
    });
    const [{ now }] = (await db.query<{ now: Date }>('SELECT clock_timestamp() AS now')) as [{ now: Date }];
    const twoDaysAgo = new Date(now.getTime() - 2 * 86_400_000);
    const tenMinutesAgo = new Date(now.getTime() - 10 * 60_000);
    const order = (customerId: string, orderId: string, occurredAt: Date) => ({
      customerId,
      name: 'order.placed',
      properties: { orderId, total: 25, currency: 'USD' },
      occurredAt,
    });
    await insertEvents(db, [order('imported', 'o-1', twoDaysAgo), order('queued', 'o-2', tenMinutesAgo)]);
    worker();
    await waitFor(async () => ((await pendingEvents(db)) === 0 ? true : undefined), 15_000, 'both orders applied');

    expect(await db.query(`SELECT customer_id, orders_count FROM customers ORDER BY customer_id`)).toEqual([
      { customer_id: 'imported', orders_count: 1 },
      { customer_id: 'queued', orders_count: 1 },
    ]);
    expect(
      await db.query(
        `SELECT c.customer_id, i.instance_key FROM journey_instances i JOIN customers c ON c.id = i.customer_uuid
          WHERE i.journey_id = $1`,
        [journeyId],
      ),
    ).toEqual([{ customer_id: 'queued', instance_key: 'o-2' }]);
    // Due an hour after the order happened, not an hour after the worker got to it.
    const timers = await db.query<{ due_at: Date }>('SELECT due_at FROM journey_timers WHERE journey_id = $1', [
      journeyId,
    ]);
    expect(timers.map((t) => t.due_at.getTime())).toEqual([tenMinutesAgo.getTime() + 3_600_000]);
  });
});
