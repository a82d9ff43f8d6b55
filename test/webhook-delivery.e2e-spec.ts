import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Role } from '@kizuna/auth';
import { OutboxRepository } from '@kizuna/messaging';
import { DataSource } from 'typeorm';
import { EmailFixtures } from './support/email-fixtures';
import { startTestApp, TEST_WEBHOOK_SECRET, waitFor, type TestApp } from './support/test-app';

/** A receiver as a shop would run one: real HTTP on 127.0.0.1, answers scripted per path. */
class WebhookReceiver {
  readonly calls: Array<{ path: string; headers: IncomingHttpHeaders; rawBody: string }> = [];
  private readonly scripts = new Map<string, number[]>();
  private server!: Server;
  port = 0;

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        receiver.calls.push({ path, headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
        if (path === '/slow') {
          setTimeout(() => res.writeHead(200).end('too late'), 2000);
          return;
        }
        const status = receiver.scripts.get(path)?.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : `no (${status})`);
      });
    });
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.port = (receiver.server.address() as AddressInfo).port;
    return receiver;
  }

  /** Status codes to answer on this path, in order; 200 once they run out. */
  script(path: string, statuses: number[]): void {
    this.scripts.set(path, statuses);
  }

  to(path: string) {
    return this.calls.filter((c) => c.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** What a receiver does: HMAC-SHA256 of the raw body with the shared secret, compared in constant time. */
function verifies(rawBody: string, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', TEST_WEBHOOK_SECRET).update(rawBody).digest('hex')}`);
  const given = Buffer.from(String(header));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('webhook delivery (e2e)', () => {
  let receiver: WebhookReceiver;
  let t: TestApp;
  let f: EmailFixtures;
  let customerUuid: string;
  let seq = 0;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startTestApp({
      env: {
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_TIMEOUT_MS: '500',
        DELIVERY_RETRY_BASE_MS: '100',
        DELIVERY_RETRY_MAX_MS: '400',
      },
    });
    f = new EmailFixtures(t, await t.keyFor(Role.Marketer), await t.keyFor(Role.Ingest));
    customerUuid = await f.customer('c-hook', 'hook@example.test');
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  /** Enqueues a webhook effect the way the journey engine does; returns the row id and effect key. */
  const enqueue = async (url: string, payload: Record<string, unknown>) => {
    const effectKey = `test:webhook:${++seq}:${Date.now()}`;
    await t.app
      .get(DataSource)
      .transaction((tx) =>
        new OutboxRepository().enqueue(tx, [
          { effectKey, customerUuid, channel: 'webhook', webhookUrl: url, category: 'transactional', payload },
        ]),
      );
    const [row] = await t.db.query<{ id: string }>('SELECT id FROM outbox_messages WHERE effect_key = $1', [effectKey]);
    return { id: row!.id, effectKey };
  };
  const url = (path: string) => `http://127.0.0.1:${receiver.port}${path}`;

  it('POSTs the JSON body, signed with the shared secret and carrying the effect key', async () => {
    const payload = { journeyId: 'j-1', instanceKey: 'cart-1', trigger: { name: 'checkout.started', total: 42.5 } };
    const { id, effectKey } = await enqueue(url('/ok'), payload);
    const row = await f.settled(id, ['sent']);
    expect(row.attempts).toBe(1);
    const [call] = receiver.to('/ok');
    expect(receiver.to('/ok')).toHaveLength(1);
    expect(JSON.parse(call!.rawBody)).toEqual(payload);
    expect(call!.headers['content-type']).toBe('application/json');
    expect(call!.headers['x-kizuna-effect-key']).toBe(effectKey);
    expect(verifies(call!.rawBody, call!.headers['x-kizuna-signature'])).toBe(true);
    // A body changed on the way would not verify.
    expect(verifies(call!.rawBody.replace('42.5', '4.25'), call!.headers['x-kizuna-signature'])).toBe(false);
    expect(await f.attempts(id)).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'sent', smtp_code: 200, response: 'HTTP 200: ok' }),
    ]);
    // In the message log beside email.
    const logged = await f.api<Record<string, unknown>>('GET', `/v1/messages/${id}`, await t.keyFor(Role.Ops));
    expect(logged.body).toMatchObject({
      channel: 'webhook',
      webhookUrl: url('/ok'),
      templateKey: null,
      status: 'sent',
      attemptLog: [expect.objectContaining({ attempt: 1, outcome: 'sent', smtpCode: 200 })],
    });
  });

  it('retries a 500 with backoff and is done after the 200: one retry, same body and key', async () => {
    receiver.script('/flaky', [500, 200]);
    const { id, effectKey } = await enqueue(url('/flaky'), { n: 1 });
    const row = await f.settled(id, ['sent']);
    expect(row.attempts).toBe(2);
    expect(await f.attempts(id)).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'deferred', smtp_code: 500, response: 'HTTP 500: no (500)' }),
      expect.objectContaining({ attempt: 2, outcome: 'sent', smtp_code: 200 }),
    ]);
    const calls = receiver.to('/flaky');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.rawBody).toBe(calls[0]!.rawBody);
    expect(calls.map((c) => c.headers['x-kizuna-effect-key'])).toEqual([effectKey, effectKey]);
  });

  it('fails a 400 for good with the reason, and does not call again', async () => {
    receiver.script('/bad', [400, 200]);
    const { id } = await enqueue(url('/bad'), { n: 2 });
    const row = await f.settled(id, ['failed']);
    expect(row.status_reason).toBe('refused by the receiver: HTTP 400: no (400)');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await f.message(id)).status).toBe('failed');
    expect(receiver.to('/bad')).toHaveLength(1);
  });

  it('defers a 429 like a 5xx', async () => {
    receiver.script('/busy', [429]);
    const { id } = await enqueue(url('/busy'), { n: 3 });
    await f.settled(id, ['sent']);
    expect((await f.attempts(id)).map((a) => [a.outcome, a.smtp_code])).toEqual([
      ['deferred', 429],
      ['sent', 200],
    ]);
  });

  it('refuses a host not on WEBHOOK_ALLOWED_HOSTS at send time, without calling it', async () => {
    const { id } = await enqueue(`http://localhost:${receiver.port}/elsewhere`, { n: 4 });
    const row = await f.settled(id, ['failed']);
    expect(row.status_reason).toBe('host "localhost" is not on WEBHOOK_ALLOWED_HOSTS; not called');
    expect(await f.attempts(id)).toEqual([]);
    expect(receiver.to('/elsewhere')).toHaveLength(0);
  });

  it('defers a call that times out', async () => {
    const { id } = await enqueue(url('/slow'), { n: 6 });
    await waitFor(async () => ((await f.attempts(id))[0]?.outcome ? true : undefined));
    expect((await f.attempts(id))[0]).toMatchObject({
      attempt: 1,
      outcome: 'deferred',
      smtp_code: null,
      response: 'timed out after 500 ms',
    });
  });

  it('delivers what a journey webhook step enqueues', async () => {
    const marketer = await t.keyFor(Role.Marketer);
    const created = await f.api<{ id: string }>('POST', '/v1/journeys', marketer, {
      name: 'Order hook',
      entry: { event: 'order.placed', key: 'orderId' },
      steps: [{ id: 'notify', type: 'webhook', url: url('/orders') }],
    });
    expect(created.status).toBe(201);
    expect((await f.api('POST', `/v1/journeys/${created.body.id}/publish`, marketer, {})).status).toBe(200);
    await f.event({
      name: 'order.placed',
      customerId: 'c-hook',
      messageId: 'order-hook-1',
      properties: { orderId: 'o-77', total: 10, currency: 'USD' },
    });
    const [call] = await waitFor(() =>
      Promise.resolve(receiver.to('/orders').length > 0 ? receiver.to('/orders') : undefined),
    );
    expect(JSON.parse(call!.rawBody)).toMatchObject({
      journeyId: created.body.id,
      instanceKey: 'o-77',
      trigger: { name: 'order.placed', properties: expect.objectContaining({ orderId: 'o-77' }) },
    });
    expect(verifies(call!.rawBody, call!.headers['x-kizuna-signature'])).toBe(true);
    expect(call!.headers['x-kizuna-effect-key']).toMatch(/^[0-9a-f-]{36}:notify:1$/);
  });

  it('defers a call the receiver cannot be reached for', async () => {
    const closed = await WebhookReceiver.start();
    const port = closed.port;
    await closed.close();
    const { id } = await enqueue(`http://127.0.0.1:${port}/gone`, { n: 5 });
    await waitFor(async () => ((await f.attempts(id)).length > 0 ? true : undefined));
    const [first] = await f.attempts(id);
    expect(first).toMatchObject({ attempt: 1, outcome: 'deferred', smtp_code: null });
    expect(first!.response).toMatch(/ECONNREFUSED/);
  });
});
