import type { TestingModule } from '@nestjs/testing';
import { EmailDeliveryService, OutboxRepository, type NewOutboxMessage } from '@kizuna/messaging';
import { TemplatesModule, TemplatesService } from '@kizuna/templates';
import { DataSource } from 'typeorm';
import { compileLibs } from './support/lib-module';
import { SmtpSink } from './support/smtp-sink';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/**
 * Delivery's path from a claimed outbox row to the SMTP server's reply and its record, as the
 * worker runs it (EmailDeliveryService.processBatch with the real repositories, renderer and
 * SMTP transport), on real PostgreSQL and a real SMTP server, without booting the app.
 */
describe('email delivery on real PostgreSQL and SMTP', () => {
  let db: TestDatabase;
  let sink: SmtpSink;
  let module: TestingModule;
  let delivery: EmailDeliveryService;
  let dataSource: DataSource;
  const outbox = new OutboxRepository();

  beforeAll(async () => {
    db = await createTestDatabase();
    sink = await SmtpSink.start();
    module = await compileLibs(db, [TemplatesModule], {
      SMTP_URL: sink.url,
      MAIL_FROM: 'shop@kizuna-tea.example',
      DELIVERY_RETRY_BASE_MS: '60000',
      DELIVERY_RETRY_MAX_MS: '60000',
    });
    delivery = module.get(EmailDeliveryService);
    dataSource = module.get(DataSource);
    await module.get(TemplatesService).create('order-thank-you', 'email', {
      defaultLocale: 'en',
      layoutKey: null,
      variants: [
        {
          locale: 'en',
          subject: 'Thank you, {{customer.firstName}}',
          html: '<p>Order {{orderId}} is on its way.</p>',
          text: null,
        },
      ],
    });
  });
  afterAll(async () => {
    await module.close();
    await sink.close();
    await db.drop();
  });

  const customer = async (id: string, email: string): Promise<string> => {
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO customers (customer_id, email, email_normalized, attributes) VALUES ($1, $2, $2, $3) RETURNING id`,
      [id, email, JSON.stringify({ firstName: id })],
    );
    return row!.id;
  };
  const enqueue = async (customerUuid: string, effectKey: string): Promise<string> => {
    const message: NewOutboxMessage = {
      effectKey,
      customerUuid,
      channel: 'email',
      templateKey: 'order-thank-you',
      category: 'transactional',
      payload: { orderId: `o-${effectKey}` },
      // Due already by any clock: the worker's DatabaseClock is an estimate of the server's.
      notBefore: new Date(Date.now() - 60_000),
    };
    await dataSource.transaction((tx) => outbox.enqueue(tx, [message]));
    const [row] = await db.query<{ id: string }>('SELECT id FROM outbox_messages WHERE effect_key = $1', [effectKey]);
    return row!.id;
  };
  const stateOf = async (id: string) =>
    (
      await db.query<{ status: string; attempts: number; retry_in_s: number }>(
        `SELECT status, attempts, round(extract(epoch FROM not_before - now()))::int AS retry_in_s
           FROM outbox_messages WHERE id = $1`,
        [id],
      )
    )[0];
  const attemptsOf = (id: string) =>
    db.query('SELECT attempt, outcome, smtp_code FROM message_attempts WHERE message_id = $1 ORDER BY attempt', [id]);

  it('renders, sends over SMTP and records the 250 reply', async () => {
    const id = await enqueue(await customer('aiko', 'aiko@example.test'), 'thanks-aiko');

    expect(await delivery.processBatch()).toBe(1);

    const [received] = sink.to('aiko@example.test');
    expect(received!.mail.subject).toBe('Thank you, aiko');
    expect(received!.mail.text).toContain('Order o-thanks-aiko is on its way.');
    expect(received!.mail.from?.value[0]?.address).toBe('shop@kizuna-tea.example');
    expect(await stateOf(id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await attemptsOf(id)).toEqual([{ attempt: 1, outcome: 'sent', smtp_code: 250 }]);
    expect(await delivery.processBatch()).toBe(0);
  });

  it('defers a 4xx reply with backoff and sends on the next attempt', async () => {
    sink.scriptData('ben@example.test', [451]);
    const id = await enqueue(await customer('ben', 'ben@example.test'), 'thanks-ben');

    expect(await delivery.processBatch()).toBe(1);
    const deferred = await stateOf(id);
    expect(deferred).toMatchObject({ status: 'deferred', attempts: 1 });
    // First retry: half to all of the 60 s base (jittered), counted from the reply.
    expect(deferred!.retry_in_s).toBeGreaterThanOrEqual(29);
    expect(deferred!.retry_in_s).toBeLessThanOrEqual(60);
    expect(sink.to('ben@example.test')).toEqual([]);

    await db.query(`UPDATE outbox_messages SET not_before = now() - interval '1 minute' WHERE id = $1`, [id]);
    expect(await delivery.processBatch()).toBe(1);
    expect(sink.to('ben@example.test')).toHaveLength(1);
    expect(await stateOf(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await attemptsOf(id)).toEqual([
      { attempt: 1, outcome: 'deferred', smtp_code: 451 },
      { attempt: 2, outcome: 'sent', smtp_code: 250 },
    ]);
  });

  it('fails a recipient refused with 5xx for good and suppresses the address as a hard bounce', async () => {
    sink.refuseRecipient('gone@example.test', 550, '5.1.1 No such user');
    const uuid = await customer('gone', 'gone@example.test');
    const id = await enqueue(uuid, 'thanks-gone');

    expect(await delivery.processBatch()).toBe(1);
    expect(await stateOf(id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await attemptsOf(id)).toEqual([{ attempt: 1, outcome: 'failed', smtp_code: 550 }]);
    expect(await db.query(`SELECT reason FROM suppressions WHERE email = 'gone@example.test'`)).toEqual([
      { reason: 'hard_bounce' },
    ]);

    // The next message to that address is not even tried.
    const next = await enqueue(uuid, 'thanks-gone-again');
    expect(await delivery.processBatch()).toBe(1);
    expect(await stateOf(next)).toMatchObject({ status: 'suppressed', attempts: 0 });
    expect(sink.dataReplies.filter((r) => r.to === 'gone@example.test')).toEqual([]);
  });
});
