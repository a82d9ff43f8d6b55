import { randomUUID } from 'node:crypto';
import { JourneyInstanceRepository } from '@kizuna/journeys';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../libs/database/src/data-source-options';
import {
  emptyOutcome,
  type InstanceOutcome,
  type InstanceRecord,
} from '../libs/journeys/src/core/instance-transitions';
import type { TimerRequest } from '../libs/journeys/src/core/journey-machine.types';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { publishJourney } from './support/worker-process';

/**
 * JourneyInstanceRepository.saveAll on real PostgreSQL: a batch of changes, in order, becomes
 * each instance's last state, the net effect on its timers and every history entry, whatever
 * the order of sets, cancels, fired timers and wipes within the batch.
 */

const T0 = Date.parse('2026-03-02T09:00:00Z');
const MIN = 60_000;

describe('journey instances: saveAll', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let repository: JourneyInstanceRepository;
  let journeyId: string;
  let customerUuid: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(db.url, 2)).initialize();
    repository = new JourneyInstanceRepository(dataSource);
    journeyId = await publishJourney(db, {
      name: 'cart',
      entry: { event: 'checkout.started', key: 'cartId' },
      steps: [{ id: 'hello', type: 'send', template: 'hello', category: 'marketing' }],
    });
    const [row] = await db.query<{ id: string }>(`INSERT INTO customers (customer_id) VALUES ('c-1') RETURNING id`);
    customerUuid = row!.id;
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  const record = (id: string, changes: Partial<InstanceRecord> = {}): InstanceRecord => ({
    id,
    journeyId,
    version: 1,
    customerUuid,
    key: `cart-${id}`,
    entryCount: 1,
    status: 'active',
    snapshot: { value: 'pause' },
    currentStep: 'pause',
    enteredAt: T0,
    exitedAt: undefined,
    exitReason: undefined,
    holdout: false,
    lastMessageAt: undefined,
    goalReachedAt: undefined,
    ...changes,
  });
  const outcome = (instance: InstanceRecord, changes: Partial<InstanceOutcome> = {}): InstanceOutcome => ({
    ...emptyOutcome(instance),
    ...changes,
  });
  const timer = (timerId: string, dueAt: number): TimerRequest => ({
    timerId,
    event: `xstate.after.${timerId}`,
    dueAt,
  });
  const save = (changes: Parameters<JourneyInstanceRepository['saveAll']>[1]) =>
    dataSource.transaction((tx) => repository.saveAll(tx, changes));
  const timersOf = (instanceId: string) =>
    db.query<{ timer_id: string; due_at: Date }>(
      'SELECT timer_id, due_at FROM journey_timers WHERE instance_id = $1 ORDER BY timer_id',
      [instanceId],
    );
  const historyOf = (instanceId: string) =>
    db.query<{ kind: string; step_id: string | null; entry_count: number; event_seq: string | null }>(
      'SELECT kind, step_id, entry_count, event_seq::text FROM journey_instance_history WHERE instance_id = $1 ORDER BY seq',
      [instanceId],
    );

  it("keeps an instance's last state, its timers' net effect and every history entry in order", async () => {
    const id = randomUUID();
    await save([
      {
        outcome: outcome(record(id), {
          entered: true,
          history: [
            { kind: 'entered', stepId: undefined, reason: undefined, at: T0 },
            { kind: 'step', stepId: 'pause', reason: undefined, at: T0 },
          ],
          timersToSet: [timer('wait-1h', T0 + 60 * MIN), timer('timeout', T0 + 24 * 60 * MIN)],
        }),
        eventSeq: '11',
      },
      // A later event of the same batch moves it on: the 1h wait goes, a 2h one comes.
      {
        outcome: outcome(record(id, { currentStep: 'remind', snapshot: { value: 'remind' } }), {
          history: [{ kind: 'step', stepId: 'remind', reason: undefined, at: T0 + MIN }],
          timersToCancel: ['wait-1h'],
          timersToSet: [timer('wait-2h', T0 + 120 * MIN)],
        }),
        eventSeq: '12',
      },
    ]);

    expect(
      await db.query('SELECT current_step, snapshot, status, entry_count FROM journey_instances WHERE id = $1', [id]),
    ).toEqual([{ current_step: 'remind', snapshot: { value: 'remind' }, status: 'active', entry_count: 1 }]);
    expect(await timersOf(id)).toEqual([
      { timer_id: 'timeout', due_at: new Date(T0 + 24 * 60 * MIN) },
      { timer_id: 'wait-2h', due_at: new Date(T0 + 120 * MIN) },
    ]);
    expect(await historyOf(id)).toEqual([
      { kind: 'entered', step_id: null, entry_count: 1, event_seq: '11' },
      { kind: 'step', step_id: 'pause', entry_count: 1, event_seq: '11' },
      { kind: 'step', step_id: 'remind', entry_count: 1, event_seq: '12' },
    ]);
  });

  it('deletes a fired timer, unless the same batch sets it again', async () => {
    const id = randomUUID();
    await save([{ outcome: outcome(record(id), { entered: true, timersToSet: [timer('a', T0), timer('b', T0)] }) }]);
    const fired = (timerId: string) => ({
      firedTimer: {
        customerUuid,
        instanceId: id,
        timerId,
        journeyId,
        event: `xstate.after.${timerId}`,
        dueAt: new Date(T0),
      },
    });

    // Timer a fires and its event re-arms it (a loop step); timer b fires and is gone.
    await save([
      fired('a'),
      { outcome: outcome(record(id), { timersToSet: [timer('a', T0 + 30 * MIN)] }) },
      fired('b'),
    ]);

    expect(await timersOf(id)).toEqual([{ timer_id: 'a', due_at: new Date(T0 + 30 * MIN) }]);
  });

  it('wipes every stored timer of an instance that finished, and keeps those set after it re-entered', async () => {
    const id = randomUUID();
    await save([
      { outcome: outcome(record(id), { entered: true, timersToSet: [timer('old-1', T0), timer('old-2', T0)] }) },
    ]);

    await save([
      {
        outcome: outcome(record(id, { status: 'completed', currentStep: undefined, exitedAt: T0 + MIN }), {
          history: [{ kind: 'exited', stepId: undefined, reason: 'completed', at: T0 + MIN }],
          cancelAllTimers: true,
        }),
        eventSeq: '21',
      },
      {
        outcome: outcome(record(id, { entryCount: 2, enteredAt: T0 + 2 * MIN }), {
          entered: true,
          history: [{ kind: 'entered', stepId: undefined, reason: undefined, at: T0 + 2 * MIN }],
          timersToSet: [timer('new', T0 + 62 * MIN)],
        }),
        eventSeq: '22',
      },
    ]);

    expect(await timersOf(id)).toEqual([{ timer_id: 'new', due_at: new Date(T0 + 62 * MIN) }]);
    expect(
      await db.query('SELECT status, entry_count, entered_at, exited_at FROM journey_instances WHERE id = $1', [id]),
    ).toEqual([{ status: 'active', entry_count: 2, entered_at: new Date(T0 + 2 * MIN), exited_at: null }]);
    expect((await historyOf(id)).slice(-2)).toEqual([
      { kind: 'exited', step_id: null, entry_count: 1, event_seq: '21' },
      { kind: 'entered', step_id: null, entry_count: 2, event_seq: '22' },
    ]);
  });

  it('stores many instances of many changes in one call', async () => {
    const ids = Array.from({ length: 250 }, () => randomUUID());
    await save(
      ids.map((id, i) => ({
        outcome: outcome(record(id), {
          entered: true,
          history: [{ kind: 'entered', stepId: undefined, reason: undefined, at: T0 }],
          timersToSet: [timer('wait', T0 + i * MIN)],
        }),
        eventSeq: String(1000 + i),
      })),
    );

    const [counts] = await db.query<{ instances: number; timers: number; history: number; last_due: Date }>(
      `SELECT (SELECT count(*)::int FROM journey_instances WHERE id = ANY($1::uuid[])) AS instances,
              (SELECT count(*)::int FROM journey_timers WHERE instance_id = ANY($1::uuid[])) AS timers,
              (SELECT count(*)::int FROM journey_instance_history WHERE instance_id = ANY($1::uuid[])) AS history,
              (SELECT max(due_at) FROM journey_timers WHERE instance_id = ANY($1::uuid[])) AS last_due`,
      [ids],
    );
    expect(counts).toEqual({ instances: 250, timers: 250, history: 250, last_due: new Date(T0 + 249 * MIN) });
  });
});
