import { JourneyCounts1764840000000 } from '../libs/database/src/migrations/1764840000000-journey-counts';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/**
 * The journey counts' rollup (decisions/0038): `journey_history_counts` is kept by a trigger in
 * the transaction of every history write, and the migration that adds it counts the history
 * already there. Checked against counts worked out by hand for the rows written here.
 */
describe('journey counts rollup', () => {
  let db: TestDatabase;
  const journeyId = '00000000-0000-4000-8000-00000000c001';
  const customers: string[] = [];
  const instances: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(`INSERT INTO journeys (id, name) VALUES ($1, 'Counted')`, [journeyId]);
    await db.query(`INSERT INTO journey_versions (journey_id, version, definition) VALUES ($1, 1, '{}')`, [journeyId]);
    for (let i = 0; i < 3; i++) {
      const [customer] = await db.query<{ id: string }>(
        `INSERT INTO customers (customer_id) VALUES ($1) RETURNING id`,
        [`counted-${i}`],
      );
      const [instance] = await db.query<{ id: string }>(
        `INSERT INTO journey_instances (customer_uuid, id, journey_id, version, entry_count, status, snapshot, entered_at)
         VALUES ($1, gen_random_uuid(), $2, 1, 1, 'active', '{}', now()) RETURNING id`,
        [customer!.id, journeyId],
      );
      customers.push(customer!.id);
      instances.push(instance!.id);
    }
  });
  afterAll(() => db.drop());

  /** One statement writing history rows: [customer index, kind, step id, reason]. */
  const write = (rows: Array<[number, string, string | null, string | null]>) =>
    db.query(
      `INSERT INTO journey_instance_history (customer_uuid, instance_id, journey_id, version, entry_count, kind, step_id, reason, at)
       SELECT c, i, $1, 1, 1, k, s, r, now() FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[]) AS h(c, i, k, s, r)`,
      [
        journeyId,
        rows.map(([c]) => customers[c]),
        rows.map(([c]) => instances[c]),
        rows.map(([, kind]) => kind),
        rows.map(([, , step]) => step),
        rows.map(([, , , reason]) => reason),
      ],
    );

  const counted = () =>
    db.query<{ kind: string; step_id: string | null; reason: string | null; n: number }>(
      `SELECT kind, step_id, reason, sum(n)::int AS n FROM journey_history_counts WHERE journey_id = $1
        GROUP BY kind, step_id, reason ORDER BY kind, step_id NULLS FIRST, reason NULLS FIRST`,
      [journeyId],
    );

  it('counts each kind, each step visited and each exit reason, across statements; a rolled-back write counts nothing', async () => {
    // Three entries, one held out; steps: wait x3, remind x2; one exit by order, one completed; one goal.
    await write([
      [0, 'entered', 'wait', null],
      [1, 'entered', 'wait', null],
      [0, 'step', 'wait', null],
      [1, 'step', 'wait', null],
    ]);
    await write([
      [2, 'held-out', null, null],
      [2, 'entered', null, null],
      [2, 'step', 'wait', null],
      [0, 'step', 'remind', null],
      [1, 'step', 'remind', null],
      [0, 'exited', null, 'event:order.placed'],
      [0, 'goal', null, null],
      [1, 'exited', 'remind', 'completed'],
    ]);
    await db.query('BEGIN');
    await write([[1, 'goal', null, null]]);
    await db.query('ROLLBACK');

    const expected = [
      { kind: 'entered', step_id: null, reason: null, n: 3 },
      { kind: 'exited', step_id: null, reason: 'completed', n: 1 },
      { kind: 'exited', step_id: null, reason: 'event:order.placed', n: 1 },
      { kind: 'goal', step_id: null, reason: null, n: 1 },
      { kind: 'held-out', step_id: null, reason: null, n: 1 },
      { kind: 'step', step_id: 'remind', reason: null, n: 2 },
      { kind: 'step', step_id: 'wait', reason: null, n: 3 },
    ];
    expect(await counted()).toEqual(expected);
  });

  it('the migration counts the history already there once (down, then up again)', async () => {
    const before = await counted();
    const source = new DataSource({ type: 'postgres', url: db.url });
    await source.initialize();
    const runner = source.createQueryRunner();
    try {
      const migration = new JourneyCounts1764840000000();
      await migration.down(runner);
      await migration.up(runner);
    } finally {
      await runner.release();
      await source.destroy();
    }
    expect(before).toHaveLength(7);
    expect(await counted()).toEqual(before);
    // And the trigger is back.
    await write([[2, 'goal', null, null]]);
    expect((await counted()).find((c) => c.kind === 'goal')!.n).toBe(2);
  });
});
