import { Customer, CustomerRepository } from '@kizuna/customers';
import { DatabaseClock, UnitOfWork } from '@kizuna/database';
import { OutboxRepository } from '@kizuna/messaging';
import { DataSource } from 'typeorm';
import { DeliveryRepository, type OpenedAttempt } from '../libs/messaging/src/delivery/delivery.repository';
import { MessageLogRepository } from '../libs/messaging/src/message-log/message-log.repository';
import { SendingPolicy } from '../libs/messaging/src/policy/sending-policy';
import { SendingPolicyService } from '../libs/messaging/src/policy/sending-policy.service';
import { SuppressionRepository } from '../libs/messaging/src/policy/suppression.repository';
import { dataSourceOptions } from '../libs/database/src/data-source-options';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/** A worker's delivery repository on its own pool. */

/** The delivery claim against a real PostgreSQL: what any number of workers may rely on. */
describe('delivery claim', () => {
  let db: TestDatabase;
  let dataSources: DataSource[];
  let clock: DatabaseClock;
  /** A worker's delivery repository, on its own connection pool. */
  const deliveryOn = (d: DataSource) =>
    new DeliveryRepository(d, clock, new CustomerRepository(d.getRepository(Customer)));
  let customerUuid: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The profile entity: a claim reads the profiles its email is personalised from.
    dataSources = await Promise.all(
      [1, 2].map(() => new DataSource({ ...dataSourceOptions(db.url, 4), entities: [Customer] }).initialize()),
    );
    clock = new DatabaseClock(dataSources[0]!);
    await clock.sync();
    const [customer] = await db.query<{ id: string }>(
      `INSERT INTO customers (customer_id, email) VALUES ('c-1', 'c1@example.test') RETURNING id`,
    );
    customerUuid = customer!.id;
  });
  afterAll(async () => {
    await Promise.all(dataSources.map((d) => d.destroy()));
    await db.drop();
  });
  beforeEach(async () => {
    await db.query('DELETE FROM outbox_messages');
    await db.query('DELETE FROM settings');
  });

  const enqueue = (n: number, notBefore?: Date) =>
    dataSources[0]!.transaction((tx) =>
      new OutboxRepository().enqueue(
        tx,
        Array.from({ length: n }, (_, i) => ({
          effectKey: `k:${i}:${Math.random()}`,
          customerUuid,
          channel: 'email' as const,
          templateKey: 't',
          category: 'marketing' as const,
          payload: { i },
          notBefore,
        })),
      ),
    );

  /** A worker's sending policy, on its own connection pool. */
  const policyOn = (dataSource: DataSource, rules: SendingPolicy) =>
    new SendingPolicyService(
      rules,
      new SuppressionRepository(dataSource),
      deliveryOn(dataSource),
      new UnitOfWork(dataSource),
    );

  it('never hands one message to two workers claiming at the same time', async () => {
    await enqueue(40);
    const [a, b] = dataSources.map(deliveryOn);
    const claims = await Promise.all([a!.claim(30, 60), b!.claim(30, 60), a!.claim(30, 60)]);
    const ids = claims.flat().map((m) => m.id);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    expect(await db.query(`SELECT status, count(*)::int AS n FROM outbox_messages GROUP BY status`)).toEqual([
      { status: 'sending', n: 40 },
    ]);
  });

  it('claims nothing while sending is paused, and nothing not yet due', async () => {
    await enqueue(3, new Date(Date.now() + 60_000));
    const repo = deliveryOn(dataSources[0]!);
    expect(await repo.claim(10, 60)).toEqual([]);
    await enqueue(2);
    await db.query(`INSERT INTO settings (key, value) VALUES ('sending', '{"paused": true}')`);
    expect(await repo.claim(10, 60)).toEqual([]);
    expect(await repo.isPaused()).toBe(true);
    await db.query(`UPDATE settings SET value = '{"paused": false}'`);
    expect(await repo.claim(10, 60)).toHaveLength(2);
  });

  it('lets only one of two workers pass a frequency cap for one customer at the same moment', async () => {
    const policy = new SendingPolicy({
      frequencyCaps: [{ limit: 1, windowMs: 3_600_000 }],
      quietHours: undefined,
      defaultTimeZone: 'UTC',
    });
    await enqueue(2);
    const a = deliveryOn(dataSources[0]!);
    const [policyA, policyB] = dataSources.map((d) => policyOn(d, policy));
    const [one, two] = await a.claim(10, 60);
    expect([one!.whenCapped, one!.customer.timezone]).toEqual(['defer', null]);
    const decisions = await Promise.all([policyA!.decide(one!), policyB!.decide(two!)]);
    expect(decisions.map((d) => d!.action).sort()).toEqual(['defer', 'send']);
    expect(
      await db.query(`SELECT status, count(*)::int AS n FROM outbox_messages GROUP BY status ORDER BY status`),
    ).toEqual([
      { status: 'deferred', n: 1 },
      { status: 'sending', n: 1 },
    ]);
    // Given back (a temporary SMTP failure), the cleared message no longer counts.
    const cleared = decisions[0]!.action === 'send' ? one! : two!;
    const start = await a.startAttempt(cleared, undefined, 60);
    expect(start).toMatchObject({ attempt: 1 });
    await a.recordAttempt(cleared, (start as OpenedAttempt).attempt, {
      outcome: 'deferred',
      code: 451,
      response: '451 try later',
      retryAt: new Date(),
    });
    const [again] = await a.claim(10, 60);
    expect(await policyA!.decide(again!)).toEqual({ action: 'send' });
  });

  it('makes a lower-priority message wait while a higher-priority one of the customer is due and undecided', async () => {
    const policy = new SendingPolicy({
      frequencyCaps: [{ limit: 1, windowMs: 3_600_000 }],
      quietHours: undefined,
      defaultTimeZone: 'UTC',
    });
    const [policyA, policyB] = dataSources.map((d) => policyOn(d, policy));
    const outbox = new OutboxRepository();
    await dataSources[0]!.transaction((tx) =>
      outbox.enqueue(tx, [
        { effectKey: 'low', customerUuid, channel: 'email', templateKey: 't', category: 'marketing', payload: {} },
        {
          effectKey: 'high',
          customerUuid,
          channel: 'email',
          templateKey: 't',
          category: 'marketing',
          payload: {},
          priority: 5,
        },
      ]),
    );
    // Two workers: one holds the high-priority message, the other the low one, and decides first.
    const [a, b] = dataSources.map(deliveryOn);
    const [high] = await a!.claim(1, 60);
    const [low] = await b!.claim(1, 60);
    expect([high!.priority, low!.priority]).toEqual([5, 0]);
    const waiting = await policyB!.decide(low!);
    expect(waiting).toMatchObject({
      action: 'defer',
      reason: expect.stringMatching(/^frequency cap: 1 higher-priority message\(s\) for this customer go first;/),
    });
    expect(await policyA!.decide(high!)).toEqual({ action: 'send' });
  });

  it('reclaims a message whose lease ran out, reporting the attempt its worker left open', async () => {
    await enqueue(1);
    const repo = deliveryOn(dataSources[0]!);
    const [first] = await repo.claim(10, 60);
    await repo.startAttempt(first!, undefined, 60);
    expect(await repo.claim(10, 60)).toEqual([]); // leased
    await db.query(`UPDATE outbox_messages SET lease_until = now() - interval '1 second'`);
    const [again] = await repo.claim(10, 60);
    expect(again).toMatchObject({ id: first!.id, interruptedAttempt: 1 });
    expect(await db.query('SELECT attempt, outcome FROM message_attempts')).toEqual([
      { attempt: 1, outcome: 'unknown' },
    ]);
  });

  const expireLeases = () => db.query(`UPDATE outbox_messages SET lease_until = now() - interval '1 second'`);
  const sent = { outcome: 'sent' as const, response: '250 OK' };

  it('fences a worker whose lease was taken over: it can neither open an attempt nor write the message', async () => {
    await enqueue(1);
    const [a, b] = dataSources.map(deliveryOn);
    // A claims and then stalls (waiting for a free SMTP slot) past its lease; B takes the message.
    const [stale] = await a!.claim(10, 60);
    await expireLeases();
    const [fresh] = await b!.claim(10, 60);
    expect(fresh!.id).toBe(stale!.id);
    expect(fresh!.leaseOwner).not.toBe(stale!.leaseOwner);
    expect(fresh!.interruptedAttempt).toBeUndefined(); // A had not opened one

    expect(await a!.extendLeases([stale!.id], stale!.leaseOwner, 60)).toEqual(new Set());
    expect(await a!.startAttempt(stale!, undefined, 60)).toBe('lost');
    expect(await a!.finish(stale!, 'failed', 'template failed')).toBe(false);
    const policy = new SendingPolicy({ frequencyCaps: [], quietHours: undefined, defaultTimeZone: 'UTC' });
    expect(
      await new UnitOfWork(dataSources[0]!).run((tx) => a!.policyFacts(tx, stale!, policy.lookbackMs)),
    ).toBeUndefined();
    expect(await db.query('SELECT attempt FROM message_attempts')).toEqual([]);

    // B, the owner, opens attempt 1; A can record nothing over it, not even for that number.
    expect(await b!.startAttempt(fresh!, undefined, 60)).toMatchObject({ attempt: 1 });
    expect(await a!.recordAttempt(stale!, 1, sent)).toBe(false);
    expect(await db.query('SELECT attempt, outcome FROM message_attempts')).toEqual([{ attempt: 1, outcome: null }]);
    expect(await db.query('SELECT status, attempts, lease_owner FROM outbox_messages')).toEqual([
      { status: 'sending', attempts: 1, lease_owner: fresh!.leaseOwner },
    ]);
    // B cannot open a second attempt while its first is open, and records its own.
    expect(await b!.startAttempt(fresh!, undefined, 60)).toBe('lost');
    expect(await b!.recordAttempt(fresh!, 1, sent)).toBe(true);
    expect(await db.query('SELECT status, attempts, lease_owner FROM outbox_messages')).toEqual([
      { status: 'sent', attempts: 1, lease_owner: null },
    ]);
    expect(await db.query('SELECT attempt, outcome FROM message_attempts')).toEqual([{ attempt: 1, outcome: 'sent' }]);
  });

  it('never overwrites an attempt closed as unknown, neither by its old worker nor by the new owner', async () => {
    await enqueue(1);
    const [a, b] = dataSources.map(deliveryOn);
    const [stale] = await a!.claim(10, 60);
    expect(await a!.startAttempt(stale!, undefined, 60)).toMatchObject({ attempt: 1 });
    // A is mid-conversation when its lease runs out: B closes attempt 1 as unknown and takes over.
    await expireLeases();
    const [fresh] = await b!.claim(10, 60);
    expect(fresh!.interruptedAttempt).toBe(1);
    expect(await a!.recordAttempt(stale!, 1, sent)).toBe(false);
    expect(await b!.recordAttempt(fresh!, 1, sent)).toBe(false);
    expect(await b!.startAttempt(fresh!, undefined, 60)).toMatchObject({ attempt: 2 });
    expect(await b!.recordAttempt(fresh!, 2, sent)).toBe(true);
    expect(
      await db.query(
        'SELECT attempt, outcome, smtp_code, response LIKE $1 AS by_recovery FROM message_attempts ORDER BY attempt',
        ['the worker stopped%'],
      ),
    ).toEqual([
      { attempt: 1, outcome: 'unknown', smtp_code: null, by_recovery: true },
      { attempt: 2, outcome: 'sent', smtp_code: 250, by_recovery: false },
    ]);
    expect(await db.query('SELECT status, attempts FROM outbox_messages')).toEqual([{ status: 'sent', attempts: 2 }]);
  });

  it('keeps a lease per message: renewed while a message waits, and again as its attempt opens', async () => {
    await enqueue(2);
    const repo = deliveryOn(dataSources[0]!);
    const [one, two] = await repo.claim(10, 60);
    const leaseLeft = async () =>
      db.query<{ id: string; secs: number }>(
        `SELECT id, round(extract(epoch FROM lease_until - now()))::int AS secs FROM outbox_messages ORDER BY id`,
      );
    await db.query(`UPDATE outbox_messages SET lease_until = now() + interval '5 seconds'`);
    expect(await repo.extendLeases([one!.id], one!.leaseOwner, 60)).toEqual(new Set([one!.id]));
    await repo.startAttempt(two!, undefined, 120);
    const left = new Map((await leaseLeft()).map((r) => [r.id, r.secs]));
    expect(left.get(one!.id)).toBe(60);
    expect(left.get(two!.id)).toBe(120);
  });

  it('counts give-up from the first attempt, kept across attempts and reset by an operator retry', async () => {
    await enqueue(1);
    const repo = deliveryOn(dataSources[0]!);
    await db.query(`UPDATE outbox_messages SET created_at = now() - interval '3 days'`);
    const [m] = await repo.claim(10, 60);
    const first = (await repo.startAttempt(m!, undefined, 60)) as OpenedAttempt;
    const [{ now }] = (await db.query<{ now: Date }>('SELECT now() AS now')) as [{ now: Date }];
    // Opened just now (a transaction's now(), so compare loosely), not when it was queued.
    expect(Math.abs(first.firstAttemptAt.getTime() - now.getTime())).toBeLessThan(5_000);
    await repo.recordAttempt(m!, 1, { outcome: 'deferred', code: 451, response: '451', retryAt: new Date() });
    const [again] = await repo.claim(10, 60);
    const second = (await repo.startAttempt(again!, undefined, 60)) as OpenedAttempt;
    expect(second).toEqual({ attempt: 2, firstAttemptAt: first.firstAttemptAt });
    await repo.recordAttempt(again!, 2, { outcome: 'failed', code: 451, response: '451', reason: 'gave up' });
    expect(await new MessageLogRepository(dataSources[0]!, clock).retry(m!.id)).toBe(true);
    expect(await db.query('SELECT first_attempt_at FROM outbox_messages')).toEqual([{ first_attempt_at: null }]);
  });

  it('prunes rendered content of finished messages past the retention only', async () => {
    await enqueue(3);
    await db.query(`UPDATE outbox_messages SET html = '<p>x</p>', text = 'x', subject = 's'`);
    const [done, old, waiting] = await db.query<{ id: string }>('SELECT id FROM outbox_messages ORDER BY id');
    await db.query(
      `UPDATE outbox_messages SET status = 'sent', updated_at = now() - interval '10 days' WHERE id = $1`,
      [done!.id],
    );
    await db.query(`UPDATE outbox_messages SET status = 'sent', updated_at = now() - interval '1 day' WHERE id = $1`, [
      old!.id,
    ]);
    await db.query(`UPDATE outbox_messages SET updated_at = now() - interval '10 days' WHERE id = $1`, [waiting!.id]);
    expect(await new MessageLogRepository(dataSources[0]!, clock).pruneContent(7)).toBe(1);
    expect(await db.query('SELECT id, html, text, subject FROM outbox_messages ORDER BY id')).toEqual([
      { id: done!.id, html: null, text: null, subject: 's' },
      { id: old!.id, html: '<p>x</p>', text: 'x', subject: 's' },
      { id: waiting!.id, html: '<p>x</p>', text: 'x', subject: 's' },
    ]);
  });
});
