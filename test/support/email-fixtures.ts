import { OutboxRepository, type NewOutboxMessage } from '@kizuna/messaging';
import type { MessageCategory } from '../../libs/messaging/src/outbox/outbox-message';
import { DataSource } from 'typeorm';
import { waitFor, type TestApp } from './test-app';

/** Helpers the email e2e specs share: templates through the API, customers, outbox rows. */
export class EmailFixtures {
  private readonly outbox = new OutboxRepository();
  private seq = 0;

  constructor(
    private readonly t: TestApp,
    private readonly marketerKey: string,
    private readonly ingestKey: string,
  ) {}

  async api<T = Record<string, unknown>>(
    method: string,
    path: string,
    key: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.t.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  /** Creates a template through the API and returns its id. */
  async template(body: Record<string, unknown>): Promise<string> {
    const res = await this.api<{ id: string }>('POST', '/v1/templates', this.marketerKey, body);
    if (res.status !== 201) {
      throw new Error(`template ${String(body.key)}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body.id;
  }

  /** A customer made the way shops make them: an identify event through the ingest API. */
  async customer(customerId: string, email: string, traits: Record<string, unknown> = {}): Promise<string> {
    const res = await this.api('POST', '/v1/events', this.ingestKey, {
      name: 'customer.identified',
      customerId,
      email,
      messageId: `identify-${customerId}`,
      traits,
    });
    if (res.status !== 202) {
      throw new Error(`identify ${customerId}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return waitFor(
      async () =>
        (await this.t.db.query<{ id: string }>('SELECT id FROM customers WHERE customer_id = $1', [customerId]))[0]?.id,
      10_000,
      `customer ${customerId}`,
    );
  }

  /** Posts one event through the ingest API, waits until the worker applied it, returns its id. */
  async event(body: Record<string, unknown>): Promise<string> {
    const res = await this.api<{ eventId: string }>('POST', '/v1/events', this.ingestKey, body);
    if (res.status !== 202) {
      throw new Error(`event: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const { eventId } = res.body;
    await waitFor(
      async () =>
        (await this.t.db.query('SELECT 1 FROM events WHERE id = $1 AND processed_at IS NOT NULL', [eventId]))[0],
      10_000,
      `event ${eventId} to be processed`,
    );
    return eventId;
  }

  /** Enqueues one email the way the journey engine does, and returns the outbox row id. */
  async enqueue(
    customerUuid: string,
    templateKey: string,
    payload: Record<string, unknown>,
    category: MessageCategory = 'marketing',
    extra: Pick<NewOutboxMessage, 'priority' | 'whenCapped'> = {},
  ): Promise<string> {
    const effectKey = `test:${templateKey}:${++this.seq}:${Date.now()}`;
    await this.t.app
      .get(DataSource)
      .transaction((tx) =>
        this.outbox.enqueue(tx, [
          { effectKey, customerUuid, channel: 'email', templateKey, category, payload, ...extra },
        ]),
      );
    const [row] = await this.t.db.query<{ id: string }>('SELECT id FROM outbox_messages WHERE effect_key = $1', [
      effectKey,
    ]);
    return row!.id;
  }

  async message(id: string) {
    const [row] = await this.t.db.query<{
      status: string;
      status_reason: string | null;
      attempts: number;
      smtp_message_id: string | null;
      html: string | null;
    }>('SELECT status, status_reason, attempts, smtp_message_id, html FROM outbox_messages WHERE id = $1', [id]);
    return row!;
  }

  /** Waits until the message reaches one of these statuses; returns the row. */
  async settled(id: string, statuses: string[], timeoutMs = 10_000) {
    return waitFor(
      async () => {
        const row = await this.message(id);
        return statuses.includes(row.status) ? row : undefined;
      },
      timeoutMs,
      `message ${id} to become ${statuses.join(' or ')}`,
    ).catch(async (error: Error) => {
      const row = await this.message(id);
      throw new Error(`${error.message} (it is ${row.status}: ${row.status_reason ?? 'no reason'})`);
    });
  }

  async attempts(id: string) {
    return this.t.db.query<{ attempt: number; outcome: string | null; smtp_code: number | null; response: string }>(
      'SELECT attempt, outcome, smtp_code, response FROM message_attempts WHERE message_id = $1 ORDER BY attempt',
      [id],
    );
  }

  /** A public URL from an email, fetched from the test server instead. */
  local(url: string): string {
    const u = new URL(url);
    return `${this.t.baseUrl}${u.pathname}${u.search}`;
  }
}
