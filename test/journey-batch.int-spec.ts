import type { TestingModule } from '@nestjs/testing';
import { EventInboxRepository } from '@kizuna/events';
import { JourneyInstanceRepository, JourneyRuntime, JourneysModule } from '@kizuna/journeys';
import { TemplatesModule } from '@kizuna/templates';
import { DataSource } from 'typeorm';
import { compileLibs } from './support/lib-module';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { insertEvents, publishJourney } from './support/worker-process';

/**
 * The journey batch on real PostgreSQL, driven as the worker's processors drive it but by hand:
 * JourneyRuntime.begin loads the working set, events and due timers are applied to it in order,
 * write() stores the lot. The engine's now is the test's, so every due time is worked out here.
 */

const T0 = new Date('2026-03-02T09:00:00Z');
const MIN = 60_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('journey batch: begin, apply, write', () => {
  let db: TestDatabase;
  let module: TestingModule;
  let dataSource: DataSource;
  let runtime: JourneyRuntime;
  let instances: JourneyInstanceRepository;
  let inbox: EventInboxRepository;
  let journeyId: string;
  let customerUuid: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    module = await compileLibs(db, [TemplatesModule, JourneysModule]);
    dataSource = module.get(DataSource);
    runtime = module.get(JourneyRuntime);
    instances = module.get(JourneyInstanceRepository);
    inbox = module.get(EventInboxRepository);
    journeyId = await publishJourney(db, {
      name: 'cart reminder',
      entry: { event: 'checkout.started', key: 'cartId' },
      steps: [
        { id: 'pause', type: 'wait', duration: 'PT1H', next: 'remind' },
        { id: 'remind', type: 'send', template: 'cart-reminder', category: 'marketing' },
      ],
    });
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO customers (customer_id, email, email_normalized) VALUES ('c-1', 'c1@example.test', 'c1@example.test')
       RETURNING id`,
    );
    customerUuid = row!.id;
  });
  afterAll(async () => {
    await module.close();
    await db.drop();
  });

  /** One inbox batch: claim the pending events, apply them to the running journeys, write. */
  const inboxBatch = (now: Date) =>
    dataSource.transaction(async (tx) => {
      const events = await inbox.claimPending(tx, 100);
      const batch = await runtime.begin(tx, {
        customerUuids: events.map(() => customerUuid),
        now,
        journeys: await runtime.runnable(tx),
        events: events.map((e) => ({ customerUuid, eventSeq: e.seq })),
      });
      for (const event of events) {
        await runtime.applyEvent(tx, batch, customerUuid, event);
      }
      await runtime.write(tx, batch);
      return events.map((e) => e.seq);
    });
  /** One timer batch: claim what is due at `now`, feed it back, write. */
  const timerBatch = (now: Date) =>
    dataSource.transaction(async (tx) => {
      const due = await instances.claimDue(tx, now, 100);
      const batch = await runtime.begin(tx, { customerUuids: due.map((t) => t.customerUuid), now });
      for (const timer of due) {
        await runtime.applyTimer(tx, batch, timer);
      }
      await runtime.write(tx, batch);
      return due.length;
    });
  const state = async (journey = journeyId) => ({
    instances: await db.query<{ id: string; instance_key: string; status: string; current_step: string | null }>(
      'SELECT id, instance_key, status, current_step FROM journey_instances WHERE journey_id = $1 ORDER BY instance_key',
      [journey],
    ),
    timers: await db.query('SELECT instance_id, due_at FROM journey_timers WHERE journey_id = $1 ORDER BY due_at', [
      journey,
    ]),
    history: await db.query(
      'SELECT instance_id, entry_count, kind, step_id, event_seq::text FROM journey_instance_history WHERE journey_id = $1 ORDER BY seq',
      [journey],
    ),
    outbox: await db.query(
      'SELECT effect_key, template_key, payload FROM outbox_messages WHERE journey_id = $1 ORDER BY effect_key',
      [journey],
    ),
  });

  it('enters, waits from each event’s own time, and sends when the timer is due', async () => {
    // Two carts of one customer in one batch: the second event sees the first one's instance.
    await insertEvents(db, [
      { customerId: 'c-1', name: 'checkout.started', properties: { cartId: 'A' }, occurredAt: T0 },
      { customerId: 'c-1', name: 'checkout.started', properties: { cartId: 'B' }, occurredAt: at(MIN) },
      // The same cart again: no second instance for A.
      { customerId: 'c-1', name: 'checkout.started', properties: { cartId: 'A' }, occurredAt: at(2 * MIN) },
    ]);
    const seqs = await inboxBatch(at(3 * MIN));
    expect(seqs).toHaveLength(3);

    const entered = await state();
    expect(entered.instances.map((i) => [i.instance_key, i.status, i.current_step])).toEqual([
      ['A', 'active', 'pause'],
      ['B', 'active', 'pause'],
    ]);
    const [a, b] = entered.instances;
    // PT1H from each cart's first event: 10:00 and 10:01.
    expect(entered.timers).toEqual([
      { instance_id: a!.id, due_at: at(60 * MIN) },
      { instance_id: b!.id, due_at: at(61 * MIN) },
    ]);
    expect(
      await db.query(`SELECT instance_id, kind, step_id, event_seq::text FROM journey_instance_history ORDER BY seq`),
    ).toEqual([
      { instance_id: a!.id, kind: 'entered', step_id: null, event_seq: seqs[0] },
      { instance_id: a!.id, kind: 'step', step_id: 'pause', event_seq: seqs[0] },
      { instance_id: b!.id, kind: 'entered', step_id: null, event_seq: seqs[1] },
      { instance_id: b!.id, kind: 'step', step_id: 'pause', event_seq: seqs[1] },
    ]);
    expect(entered.outbox).toEqual([]);

    // 10:00:30: only cart A's wait is over.
    expect(await timerBatch(at(60 * MIN + 30_000))).toBe(1);
    const fired = await state();
    expect(fired.instances.map((i) => [i.instance_key, i.status, i.current_step])).toEqual([
      ['A', 'completed', null],
      ['B', 'active', 'pause'],
    ]);
    expect(fired.timers).toEqual([{ instance_id: b!.id, due_at: at(61 * MIN) }]);
    expect(fired.outbox).toEqual([
      {
        effect_key: `${a!.id}:remind:1`,
        template_key: 'cart-reminder',
        payload: {
          journeyId,
          instanceKey: 'A',
          trigger: { name: 'checkout.started', properties: { cartId: 'A' } },
        },
      },
    ]);

    // Due again later: nothing left for A; B sends once.
    expect(await timerBatch(at(120 * MIN))).toBe(1);
    expect(await timerBatch(at(121 * MIN))).toBe(0);
    expect((await state()).outbox.map((m) => m.effect_key)).toEqual([`${a!.id}:remind:1`, `${b!.id}:remind:1`].sort());
  });

  it('applies a replayed event to no journey it already changed', async () => {
    const welcome = await publishJourney(db, {
      name: 'welcome',
      entry: { event: 'signed.up' },
      steps: [{ id: 'hello', type: 'send', template: 'hello', category: 'transactional' }],
    });
    await db.query('DELETE FROM events');
    await insertEvents(db, [{ customerId: 'c-1', name: 'signed.up', occurredAt: at(200 * MIN) }]);
    const [seq] = await inboxBatch(at(201 * MIN));
    const first = await state(welcome);
    const [instance] = first.instances;
    expect(first.instances.map((i) => [i.status, i.current_step])).toEqual([['completed', null]]);
    expect(first.outbox.map((m) => m.effect_key)).toEqual([`${instance!.id}:hello:1`]);
    expect(first.history).toEqual([
      { instance_id: instance!.id, entry_count: 1, kind: 'entered', step_id: null, event_seq: seq },
      { instance_id: instance!.id, entry_count: 1, kind: 'step', step_id: 'hello', event_seq: seq },
      { instance_id: instance!.id, entry_count: 1, kind: 'exited', step_id: null, event_seq: seq },
    ]);

    // The same event again (as after a batch that failed past this point): the finished
    // instance would re-enter and send `:hello:2` if the event counted twice.
    expect(await inboxBatch(at(202 * MIN))).toEqual([seq]);
    expect(await state(welcome)).toEqual(first);
  });
});
