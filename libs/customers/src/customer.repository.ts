import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type EntityManager, type Repository } from 'typeorm';
import type { CustomerFacts } from '@kizuna/rules';
import { Customer } from './customer.entity';

export interface CustomerIdentity {
  customerId: string | undefined;
  /** Already normalised (trimmed, lower case). */
  email: string | undefined;
}

export interface ProfileChanges {
  timezone?: string;
  locale?: string;
  /** Applied only when newer than the consent on the profile (events may arrive out of order). */
  emailConsent?: { status: 'subscribed' | 'unsubscribed'; source: string; at: Date };
  attributes?: Record<string, unknown>;
}

/** A profile row locked by this transaction: its identity and contact email. */
export interface LockedCustomer {
  id: string;
  customerId: string | null;
  email: string | null;
  emailNormalized: string | null;
}

interface LockedCustomerRow {
  id: string;
  customer_id: string | null;
  email: string | null;
  email_normalized: string | null;
}

const toLockedCustomer = (r: LockedCustomerRow): LockedCustomer => ({
  id: r.id,
  customerId: r.customer_id,
  email: r.email,
  emailNormalized: r.email_normalized,
});

export interface OrderFact {
  orderId: string;
  total: number;
  currency: string;
  placedAt: Date;
}

/**
 * Customer profiles and their orders. The write methods take the worker's transaction; callers
 * hold the customer's advisory lock, and the row lock taken here covers the rest.
 */
@Injectable()
export class CustomerRepository {
  constructor(@InjectRepository(Customer) private readonly customers: Repository<Customer>) {}

  findByCustomerId(customerId: string): Promise<Customer | null> {
    return this.customers.findOne({ where: { customerId } });
  }

  /**
   * Finds the profile for an identity, creating it when new, and locks its row. An id-less
   * profile known by email adopts the shop's id when the id first appears with that email.
   */
  async resolveForUpdate(tx: EntityManager, identity: CustomerIdentity): Promise<string> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = await this.findForUpdate(tx, identity);
      if (id) {
        return id;
      }
      const inserted: Array<{ id: string }> = await tx.query(
        `INSERT INTO customers (customer_id, email, email_normalized)
         VALUES ($1, $2, $2)
         ON CONFLICT DO NOTHING
         RETURNING id`,
        [identity.customerId ?? null, identity.email ?? null],
      );
      if (inserted[0]) {
        return inserted[0].id;
      }
      // Lost a race with another identity of the same person, or the email belongs to
      // another shop customer: look again, and if needed keep the email off the identity.
      if (identity.customerId !== undefined && identity.email !== undefined && attempt === 1) {
        identity = { customerId: identity.customerId, email: undefined };
      }
    }
    throw new Error(`could not resolve customer ${identity.customerId ?? identity.email ?? '?'}`);
  }

  private async findForUpdate(tx: EntityManager, identity: CustomerIdentity): Promise<string | undefined> {
    if (identity.customerId !== undefined) {
      const byId: Array<{ id: string }> = await tx.query('SELECT id FROM customers WHERE customer_id = $1 FOR UPDATE', [
        identity.customerId,
      ]);
      if (byId[0]) {
        return byId[0].id;
      }
      if (identity.email === undefined) {
        return undefined;
      }
      // Wrapped in a CTE: TypeORM returns [rows, count] for a bare UPDATE, rows for a SELECT.
      const adopted: Array<{ id: string }> = await tx.query(
        `WITH adopted AS (
           UPDATE customers SET customer_id = $1, updated_at = now()
            WHERE email_normalized = $2 AND customer_id IS NULL
            RETURNING id)
         SELECT id FROM adopted`,
        [identity.customerId, identity.email],
      );
      return adopted[0]?.id;
    }
    const byEmail: Array<{ id: string }> = await tx.query(
      'SELECT id FROM customers WHERE email_normalized = $1 FOR UPDATE',
      [identity.email],
    );
    return byEmail[0]?.id;
  }

  /**
   * Locks, in id order and in one statement, the profiles known by these shop ids or (for
   * identities without a shop id) these emails: the set-based form of the lookup in
   * resolveForUpdate, for a batch of events.
   */
  async lockMany(tx: EntityManager, customerIds: string[], emails: string[]): Promise<LockedCustomer[]> {
    const rows = await tx.query<LockedCustomerRow[]>(
      `SELECT id, customer_id, email, email_normalized FROM customers
        WHERE customer_id = ANY($1::text[]) OR email_normalized = ANY($2::text[])
        ORDER BY id FOR UPDATE`,
      [customerIds, emails],
    );
    return rows.map(toLockedCustomer);
  }

  /**
   * Creates profiles for new identities in one statement. An identity that collides (another
   * transaction created it, or its email belongs to another profile and may need adopting) is
   * left out: resolveForUpdate settles those one by one.
   */
  async insertMany(tx: EntityManager, identities: CustomerIdentity[]): Promise<LockedCustomer[]> {
    if (identities.length === 0) {
      return [];
    }
    const rows = await tx.query<LockedCustomerRow[]>(
      `INSERT INTO customers (customer_id, email, email_normalized)
       SELECT i.customer_id, i.email, i.email FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS i(customer_id, email, n)
        ORDER BY i.n
       ON CONFLICT DO NOTHING
       RETURNING id, customer_id, email, email_normalized`,
      [identities.map((i) => i.customerId ?? null), identities.map((i) => i.email ?? null)],
    );
    return rows.map(toLockedCustomer);
  }

  /** Sets the contact email when given and not already another profile's identity. */
  async updateEmail(tx: EntityManager, customerUuid: string, email: string): Promise<void> {
    await tx.query(
      `UPDATE customers SET email = $2, updated_at = now(),
              email_normalized = CASE WHEN EXISTS (SELECT 1 FROM customers o WHERE o.email_normalized = $2 AND o.id <> $1)
                                      THEN email_normalized ELSE $2 END
        WHERE id = $1 AND email IS DISTINCT FROM $2`,
      [customerUuid, email],
    );
  }

  /**
   * Applies traits (time zone, locale, attributes, consent) and returns the profile's facts as
   * the writes left them (RETURNING: what was just written is not read again).
   */
  async applyProfile(
    tx: EntityManager,
    customerUuid: string,
    changes: ProfileChanges,
    shopCurrency: string,
  ): Promise<CustomerFacts> {
    const applied = await updatedFacts(
      tx,
      `UPDATE customers c
          SET timezone = COALESCE($2, timezone),
              locale = COALESCE($3, locale),
              attributes = attributes || $4::jsonb,
              updated_at = now()
        WHERE id = $1
        RETURNING ${factsColumns('$5')}`,
      [
        customerUuid,
        changes.timezone ?? null,
        changes.locale ?? null,
        JSON.stringify(changes.attributes ?? {}),
        shopCurrency,
      ],
    );
    const consent = changes.emailConsent;
    if (!consent) {
      return factsOfRow(applied!);
    }
    // A consent older than the one on the profile changes nothing (and returns no row).
    const consented = await updatedFacts(
      tx,
      `UPDATE customers c SET email_consent = $2, email_consent_source = $3, email_consent_at = $4, updated_at = now()
        WHERE id = $1 AND (email_consent_at IS NULL OR email_consent_at <= $4)
        RETURNING ${factsColumns('$5')}`,
      [customerUuid, consent.status, consent.source, consent.at, shopCurrency],
    );
    return factsOfRow(consented ?? applied!);
  }

  /** Records an order once; the same order id again changes nothing. */
  async recordOrder(tx: EntityManager, customerUuid: string, order: OrderFact): Promise<void> {
    await tx.query(
      `INSERT INTO customer_orders (customer_uuid, order_id, total, currency, placed_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (customer_uuid, order_id) DO NOTHING`,
      [customerUuid, order.orderId, order.total, order.currency, order.placedAt],
    );
  }

  /** Adds a refund, capped at the order total; no amount means the whole order. */
  async recordRefund(
    tx: EntityManager,
    customerUuid: string,
    orderId: string,
    amount: number | undefined,
  ): Promise<void> {
    await tx.query(
      `UPDATE customer_orders
          SET refunded_total = LEAST(total, CASE WHEN $3::numeric IS NULL THEN total ELSE refunded_total + $3::numeric END)
        WHERE customer_uuid = $1 AND order_id = $2`,
      [customerUuid, orderId, amount ?? null],
    );
  }

  async recordCancellation(tx: EntityManager, customerUuid: string, orderId: string, at: Date): Promise<void> {
    await tx.query(
      `UPDATE customer_orders SET cancelled_at = COALESCE(cancelled_at, $3)
        WHERE customer_uuid = $1 AND order_id = $2`,
      [customerUuid, orderId, at],
    );
  }

  findByUuids(tx: EntityManager, customerUuids: string[]): Promise<Customer[]> {
    return tx.getRepository(Customer).findBy({ id: In(customerUuids) });
  }

  /**
   * What rules decide on, per profile (docs/conditions.md): the profile and its purchase stats,
   * in one statement. Stats are the ones recomputeStats keeps on the row; the average order value
   * is over the orders in the shop currency, as revenue is. Segment keys and counted events are
   * added by the caller that needs them (CustomerFactsLoader).
   */
  async factsOf(
    tx: EntityManager | undefined,
    customerUuids: string[],
    shopCurrency: string,
  ): Promise<Map<string, CustomerFacts>> {
    if (customerUuids.length === 0) {
      return new Map();
    }
    const rows = await (tx ?? this.customers.manager).query<FactsRow[]>(
      `SELECT ${factsColumns('$2')} FROM customers c WHERE c.id = ANY($1::uuid[])`,
      [customerUuids, shopCurrency],
    );
    const facts = new Map<string, CustomerFacts>();
    for (const row of rows) {
      facts.set(row.id, factsOfRow(row));
    }
    const missing = customerUuids.find((id) => !facts.has(id));
    if (missing) {
      throw new Error(`customer ${missing} not found`);
    }
    return facts;
  }

  /**
   * Purchase stats derived from the order facts: cancelled orders do not count; refunds reduce
   * revenue; revenue sums orders in the shop currency only (no exchange rates here).
   */
  async recomputeStats(tx: EntityManager, customerUuid: string, shopCurrency: string): Promise<CustomerFacts> {
    const row = await updatedFacts(
      tx,
      `UPDATE customers c
          SET orders_count = s.orders_count,
              revenue = s.revenue,
              first_order_at = s.first_order_at,
              last_order_at = s.last_order_at,
              updated_at = now()
         FROM (SELECT count(*)::int AS orders_count,
                      COALESCE(sum(total - refunded_total) FILTER (WHERE currency = $2), 0) AS revenue,
                      min(placed_at) AS first_order_at,
                      max(placed_at) AS last_order_at
                 FROM customer_orders
                WHERE customer_uuid = $1 AND cancelled_at IS NULL) s
        WHERE c.id = $1
        RETURNING ${factsColumns('$2')}`,
      [customerUuid, shopCurrency],
    );
    return factsOfRow(row!);
  }
}

/** The row an UPDATE ... RETURNING left (TypeORM answers an UPDATE with `[rows, affected]`). */
async function updatedFacts(tx: EntityManager, sql: string, parameters: unknown[]): Promise<FactsRow | undefined> {
  const [rows] = await tx.query<[FactsRow[], number]>(sql, parameters);
  return rows[0];
}

/** A profile row as facts are made of it. */
interface FactsRow {
  id: string;
  email: string | null;
  locale: string | null;
  timezone: string | null;
  email_consent: string;
  attributes: Record<string, unknown>;
  orders_count: number;
  revenue: string;
  revenue_orders: number;
  first_order_at: Date | null;
  last_order_at: Date | null;
}

/**
 * The columns of `customers c` facts are made of, for a SELECT or an UPDATE's RETURNING (which
 * sees the row as written); `currency` is the parameter holding the shop currency.
 */
const factsColumns = (currency: string): string =>
  `c.id, c.email, c.locale, c.timezone, c.email_consent, c.attributes, c.orders_count, c.revenue,
   c.first_order_at, c.last_order_at,
   CASE WHEN c.orders_count = 0 THEN 0 ELSE
     (SELECT count(*)::int FROM customer_orders o
       WHERE o.customer_uuid = c.id AND o.currency = ${currency} AND o.cancelled_at IS NULL) END AS revenue_orders`;

/** A profile's facts (docs/conditions.md); segment keys and counted events are the caller's to add. */
function factsOfRow(row: FactsRow): CustomerFacts {
  const revenue = Number(row.revenue);
  return {
    email: row.email,
    locale: row.locale,
    timezone: row.timezone,
    emailConsent: row.email_consent,
    attributes: row.attributes,
    stats: {
      ordersCount: row.orders_count,
      revenue,
      averageOrderValue: row.revenue_orders === 0 ? 0 : Math.round((revenue / row.revenue_orders) * 100) / 100,
      firstOrderAt: row.first_order_at?.getTime() ?? null,
      lastOrderAt: row.last_order_at?.getTime() ?? null,
    },
    segments: [],
    events: {},
  };
}
