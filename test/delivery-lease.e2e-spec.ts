import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SmtpSink } from './support/smtp-sink';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { waitFor } from './support/test-app';
import { WorkerProcess } from './support/worker-process';

/**
 * Delivery leases under real worker processes (the built ones) and a slow receiver: a claimed
 * batch larger than DELIVERY_CONCURRENCY waits for slots longer than the lease, and another worker
 * is polling for rows whose lease ran out. Every message must still go out exactly once.
 */

// A deliberately short lease: 2 s. The exchange bounds must stay below it (else config refuses).
const LEASE = {
  DELIVERY_LEASE_SECONDS: '2',
  SMTP_SEND_TIMEOUT_MS: '1500',
  WEBHOOK_TIMEOUT_MS: '1500',
  DELIVERY_BATCH_SIZE: '20',
  DELIVERY_CONCURRENCY: '2',
};
const SECRETS = {
  TOKEN_SIGNING_SECRET: 'lease-test-token-signing-secret-0123456789',
  WEBHOOK_SIGNING_SECRET: 'lease-test-webhook-signing-secret-0123456789',
};
// 30 messages, replies after 300 ms, 2 at a time: whichever worker claims 20 needs 10 rounds, 3 s,
// so its last ones wait past the 2 s lease while the other worker (10 messages, 1.5 s) is idle and
// claiming rows whose lease ran out. Before leases were renewed and fenced, those went out twice.
const MESSAGES = 30;
const REPLY_DELAY_MS = 300;

describe('delivery leases with two workers and a slow receiver (e2e)', () => {
  let db: TestDatabase;
  let customers: string[];
  const workers: WorkerProcess[] = [];

  beforeEach(async () => {
    db = await createTestDatabase();
    // Paused until both workers listen, so they start together and split the backlog 20 / 10.
    await db.query(`INSERT INTO settings (key, value) VALUES ('sending', '{"paused": true}')`);
    customers = (
      await db.query<{ id: string }>(
        `INSERT INTO customers (customer_id, email)
         SELECT 'c-' || n, 'r' || n || '@lease.example.test' FROM generate_series(1, $1) n
         ORDER BY n RETURNING id`,
        [MESSAGES],
      )
    ).map((r) => r.id);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    await db.drop();
  });

  const startWorkers = async (env: Record<string, string>) => {
    workers.push(new WorkerProcess(db.url, { ...SECRETS, ...LEASE, ...env }));
    workers.push(new WorkerProcess(db.url, { ...SECRETS, ...LEASE, ...env }));
    await waitFor(
      async () => {
        const [row] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'kizuna-listen-kizuna_outbox'`,
        );
        return row!.n >= 2 ? true : undefined;
      },
      30_000,
      'both workers listening on the outbox',
    );
    await db.query(`UPDATE settings SET value = '{"paused": false}'`);
    await db.query(`SELECT pg_notify('kizuna_outbox', '')`);
  };

  const settledStatuses = () =>
    waitFor(
      async () => {
        const rows = await db.query<{ status: string; n: number }>(
          `SELECT status, count(*)::int AS n FROM outbox_messages GROUP BY status ORDER BY status`,
        );
        return rows.every((r) => r.status === 'sent' || r.status === 'failed') ? rows : undefined;
      },
      30_000,
      'every message to be sent',
    );

  it('sends each email exactly once', async () => {
    const sink = await SmtpSink.start();
    sink.replyDelayMs = REPLY_DELAY_MS;
    try {
      await db.query(`INSERT INTO templates (key, kind, default_locale) VALUES ('lease', 'email', 'en')`);
      await db.query(
        `INSERT INTO template_versions (template_id, version, locale, subject, html)
         SELECT id, 1, 'en', 'Hello', '<p>Hello</p>' FROM templates WHERE key = 'lease'`,
      );
      await db.query(
        `INSERT INTO outbox_messages (effect_key, customer_uuid, channel, category, template_key)
         SELECT 'lease:' || c, c, 'email', 'transactional', 'lease' FROM unnest($1::uuid[]) c`,
        [customers],
      );
      await startWorkers({ SMTP_URL: sink.url, MAIL_FROM: 'shop@lease.example.test' });
      expect(await settledStatuses()).toEqual([{ status: 'sent', n: MESSAGES }]);
      // Give a stale worker time to send late (it would have by now, before the fix).
      await new Promise((resolve) => setTimeout(resolve, 1000));

      const perRecipient = new Map<string, number>();
      for (const r of sink.received) {
        for (const to of r.envelopeTo) {
          perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
        }
      }
      expect(perRecipient.size).toBe(MESSAGES);
      expect([...perRecipient.values()].filter((n) => n !== 1)).toEqual([]);
      expect(sink.received).toHaveLength(MESSAGES);
      // One attempt each, every one closed as sent: nothing was left unknown or overwritten.
      expect(
        await db.query(`SELECT outcome, count(*)::int AS n FROM message_attempts GROUP BY outcome ORDER BY outcome`),
      ).toEqual([{ outcome: 'sent', n: MESSAGES }]);
      expect(await db.query(`SELECT DISTINCT attempts FROM outbox_messages`)).toEqual([{ attempts: 1 }]);
      // Leases were renewed while messages waited: no worker had one taken over (fencing is the
      // safety net; it should not have been needed).
      expect(workers.map((w) => w.log).join('')).not.toContain('lease lost');
    } finally {
      await sink.close();
    }
  });

  it('makes each webhook call exactly once', async () => {
    const calls = new Map<string, number>();
    const receiver: Server = createServer((req, res) => {
      const key = String(req.headers['x-kizuna-effect-key']);
      req.resume();
      req.on('end', () =>
        setTimeout(() => {
          calls.set(key, (calls.get(key) ?? 0) + 1);
          res.writeHead(200).end('ok');
        }, REPLY_DELAY_MS),
      );
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      await db.query(
        `INSERT INTO outbox_messages (effect_key, customer_uuid, channel, category, webhook_url, payload)
         SELECT 'hook:' || c, c, 'webhook', 'transactional', $2, '{}'::jsonb FROM unnest($1::uuid[]) c`,
        [customers, url],
      );
      await startWorkers({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
      expect(await settledStatuses()).toEqual([{ status: 'sent', n: MESSAGES }]);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(calls.size).toBe(MESSAGES);
      expect([...calls.values()].filter((n) => n !== 1)).toEqual([]);
      expect(
        await db.query(`SELECT outcome, count(*)::int AS n FROM message_attempts GROUP BY outcome ORDER BY outcome`),
      ).toEqual([{ outcome: 'sent', n: MESSAGES }]);
      expect(workers.map((w) => w.log).join('')).not.toContain('lease lost');
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('refuses to start with a lease the SMTP timeouts can outlast, naming the variable and why', async () => {
    // 10 s was accepted before; the default SMTP_SEND_TIMEOUT_MS (120 s) can outlast it.
    const worker = new WorkerProcess(db.url, { ...SECRETS, DELIVERY_LEASE_SECONDS: '10' });
    workers.push(worker);
    expect(await worker.exited).toBe(1);
    expect(worker.log).toContain(
      'DELIVERY_LEASE_SECONDS: must exceed the longest SMTP exchange SMTP_SEND_TIMEOUT_MS allows (120 s)',
    );
    expect(await db.query(`SELECT count(*)::int AS n FROM outbox_messages WHERE status <> 'queued'`)).toEqual([
      { n: 0 },
    ]);
  });
});
