import { randomUUID } from 'node:crypto';
import { Role } from '@kizuna/auth';
import type { SmtpSink, ReceivedMail } from './smtp-sink';
import { waitFor, type TestApp } from './test-app';

/** A shop talking to Kizuna over HTTP: events through the ingest API, mail read from the SMTP sink. */
export class ShopFixtures {
  private constructor(
    readonly t: TestApp,
    readonly sink: SmtpSink,
    private readonly ingestKey: string,
  ) {}

  static async create(t: TestApp, sink: SmtpSink): Promise<ShopFixtures> {
    return new ShopFixtures(t, sink, await t.keyFor(Role.Ingest));
  }

  /** Posts one event and waits until the worker applied it; returns its id. */
  async event(name: string, customer: Customer, properties: Record<string, unknown> = {}, extra = {}) {
    const res = await fetch(`${this.t.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name,
        customerId: customer.id,
        email: customer.email,
        messageId: randomUUID(),
        ...(customer.locale ? { traits: { locale: customer.locale, firstName: customer.firstName } } : {}),
        properties,
        ...extra,
      }),
    });
    if (res.status !== 202) {
      throw new Error(`event ${name}: ${res.status} ${await res.text()}`);
    }
    const { eventId } = (await res.json()) as { eventId: string };
    await waitFor(
      async () =>
        (await this.t.db.query('SELECT 1 FROM events WHERE id = $1 AND processed_at IS NOT NULL', [eventId]))[0],
      10_000,
      `event ${name} to be processed`,
    );
    return eventId;
  }

  /**
   * Posts several events of one customer in one batch (stored in one transaction, so a worker
   * applies them together, in order) and waits until all are applied.
   */
  async eventBatch(customer: Customer, events: Array<{ name: string; properties: Record<string, unknown> }>) {
    const res = await fetch(`${this.t.baseUrl}/v1/events/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: events.map((e) => ({
          name: e.name,
          customerId: customer.id,
          email: customer.email,
          messageId: randomUUID(),
          ...(customer.locale ? { traits: { locale: customer.locale, firstName: customer.firstName } } : {}),
          properties: e.properties,
        })),
      }),
    });
    if (res.status !== 202) {
      throw new Error(`events: ${res.status} ${await res.text()}`);
    }
    const { results } = (await res.json()) as { results: Array<{ eventId: string }> };
    const ids = results.map((r) => r.eventId);
    await waitFor(
      async () =>
        (
          await this.t.db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[]) AND processed_at IS NOT NULL',
            [ids],
          )
        )[0]!.n === ids.length || undefined,
      10_000,
      'the batch to be processed',
    );
    return ids;
  }

  /** Waits until `count` mails reached the customer, then returns them all (in arrival order). */
  mails(customer: Customer, count: number, timeoutMs = 15_000): Promise<ReceivedMail[]> {
    return waitFor(
      () => {
        const got = this.sink.to(customer.email);
        return Promise.resolve(got.length >= count ? got : undefined);
      },
      timeoutMs,
      `${count} mail(s) to ${customer.email}`,
    );
  }

  /** Template keys of the customer's journey messages, in the order they were queued. */
  async templatesSentTo(customer: Customer): Promise<string[]> {
    const rows = await this.t.db.query<{ template_key: string }>(
      `SELECT m.template_key FROM outbox_messages m JOIN customers c ON c.id = m.customer_uuid
        WHERE c.customer_id = $1 ORDER BY m.created_at, m.id`,
      [customer.id],
    );
    return rows.map((r) => r.template_key);
  }

  /** The customer's events with this name, oldest first. */
  async events(customer: Customer, name: string) {
    return this.t.db.query<{ properties: Record<string, unknown>; occurred_at: Date }>(
      `SELECT e.properties, e.occurred_at FROM events e JOIN customers c ON c.id = e.customer_uuid
        WHERE c.customer_id = $1 AND e.name = $2 ORDER BY e.occurred_at, e.id`,
      [customer.id, name],
    );
  }

  async instances(customer: Customer, journeyName: string) {
    return this.t.db.query<{
      status: string;
      current_step: string | null;
      exit_reason: string | null;
      instance_key: string;
    }>(
      `SELECT i.status, i.current_step, i.exit_reason, i.instance_key
         FROM journey_instances i JOIN customers c ON c.id = i.customer_uuid JOIN journeys j ON j.id = i.journey_id
        WHERE c.customer_id = $1 AND j.name = $2 ORDER BY i.entered_at`,
      [customer.id, journeyName],
    );
  }
}

export interface Customer {
  id: string;
  email: string;
  locale?: string;
  firstName?: string;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
