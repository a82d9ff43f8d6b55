import { OutboxRepository, type NewOutboxMessage } from '@kizuna/messaging';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../libs/database/src/data-source-options';
import { createTestDatabase, type TestDatabase } from './support/test-database';

describe('outbox enqueue', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const outbox = new OutboxRepository();
  let customerUuid: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(db.url, 2)).initialize();
    const [customer] = await db.query<{ id: string }>(
      `INSERT INTO customers (customer_id) VALUES ('c-1') RETURNING id`,
    );
    customerUuid = customer!.id;
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  const reminder = (effectKey: string): NewOutboxMessage => ({
    effectKey,
    customerUuid,
    channel: 'email',
    templateKey: 'cart-reminder',
    category: 'marketing',
    payload: { cartId: 'k1' },
    origin: {
      journeyId: '00000000-0000-4000-8000-000000000001',
      journeyVersion: 1,
      instanceId: '00000000-0000-4000-8000-000000000002',
      stepId: 'remind',
    },
  });

  it('stores each effect once, however often the same key is enqueued', async () => {
    const first = await dataSource.transaction((tx) =>
      outbox.enqueue(tx, [reminder('i:remind:1'), reminder('i:remind:2')]),
    );
    const replay = await dataSource.transaction((tx) => outbox.enqueue(tx, [reminder('i:remind:1')]));
    expect(first.sort()).toEqual(['i:remind:1', 'i:remind:2']);
    expect(replay).toEqual([]);
    const rows = await db.query<{ effect_key: string; status: string; template_key: string; step_id: string }>(
      'SELECT effect_key, status, template_key, step_id FROM outbox_messages ORDER BY effect_key',
    );
    expect(rows).toEqual([
      { effect_key: 'i:remind:1', status: 'queued', template_key: 'cart-reminder', step_id: 'remind' },
      { effect_key: 'i:remind:2', status: 'queued', template_key: 'cart-reminder', step_id: 'remind' },
    ]);
  });

  it('rolls back with the transaction that decided the effect', async () => {
    await expect(
      dataSource.transaction(async (tx) => {
        await outbox.enqueue(tx, [reminder('i:remind:3')]);
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');
    expect(await db.query(`SELECT 1 FROM outbox_messages WHERE effect_key = 'i:remind:3'`)).toEqual([]);
  });
});
