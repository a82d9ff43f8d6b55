import type { ClientBase, Pool } from 'pg';
import type { ReminderJob } from './reminder-mailer';
import type { Cart } from './workload';

/** The events table a developer keeps next to a job queue: every event, as it came in. */
export const CART_EVENTS_DDL = `
  CREATE TABLE cart_events (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    customer_id  text NOT NULL,
    email        text NOT NULL,
    properties   jsonb NOT NULL,
    occurred_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
  )`;

/** Stores a chunk of checkout.started events with one multi-row INSERT. */
export async function insertCartEvents(db: ClientBase | Pool, carts: Cart[], at: number): Promise<void> {
  await db.query(
    `INSERT INTO cart_events (name, customer_id, email, properties, occurred_at)
     SELECT 'checkout.started', e.customer_id, e.email, e.properties, $2
       FROM jsonb_to_recordset($1::jsonb) AS e(customer_id text, email text, properties jsonb)`,
    [
      JSON.stringify(
        carts.map((c) => ({
          customer_id: c.customerId,
          email: c.email,
          properties: { cartId: c.cartId, items: c.items, total: c.total, currency: c.currency },
        })),
      ),
      new Date(at),
    ],
  );
}

export const reminderJob = ({ n: _n, ...job }: Cart): ReminderJob => job;
