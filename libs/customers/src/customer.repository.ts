import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type EntityManager, type Repository } from 'typeorm';
import type { CustomerFacts } from '@kizuna/rules';
import { Customer } from './customer.entity';
import { averageOrderValue } from './purchase-stats.util';

export interface CustomerIdentity {
  customerId: string | undefined;
  /** Already normalised (trimmed, lower case). */
  email: string | undefined;
}

/** What a customer said about marketing email, where (`event:api`, `unsubscribe-link:one-click`, ...) and when. */
export interface ConsentChange {
  status: 'subscribed' | 'unsubscribed';
  source: string;
  at: Date;
}

export interface ProfileChanges {
  timezone?: string;
  locale?: string;
  /** Applied only when newer than the consent on the profile (events may arrive out of order). */
  emailConsent?: ConsentChange;
  attributes?: Record<string, unknown>;
}

/**
 * How the customer lock treats a customer another transaction holds: `wait` for it, or
 * `skip-locked` (leave it out and take it next time: claims that must never wait).
 */
export type LockMode = 'wait' | 'skip-locked';

/** A customer found by a search: who, and enough to tell namesakes apart. */
export interface CustomerMatch {
  customerId: string | null;
  email: string | null;
  emailConsent: 'subscribed' | 'unsubscribed' | 'unknown';
  ordersCount: number;
  lastOrderAt: Date | null;
}

/** A customer's contact identity, for showing who a message or a membership belongs to. */
export interface CustomerContact {
  customerId: string | null;
  email: string | null;
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

/** An order as recorded, refunds applied. */
export interface OrderRecord extends OrderFact {
  refundedTotal: number;
  cancelled: boolean;
}

export interface RefundFact {
  orderId: string;
  /** The `order.refunded` event's id: the same event recorded twice is one refund. */
  eventId: string;
  /** Absent: the whole order. */
  amount: number | undefined;
  currency: string | undefined;
  refundedAt: Date;
}

/** The amounts of orders in a currency other than the shop's: reported apart, never converted. */
export interface OtherCurrencyRevenue {
  currency: string;
  /** Orders in this currency that stand (not cancelled). */
  orders: number;
  /** Their total net of refunds, in this currency. */
  revenue: number;
}

/**
 * The purchase stats of the customer `customer` (an SQL expression for its uuid; `$2` is the shop
 * currency), from its order facts: THE one computation of stats (docs/conditions.md). Cancelled
 * orders do not count; refunds reduce revenue; revenue sums the orders in the shop currency only
 * (no exchange rates here), and `revenue_orders` counts those orders (the average's denominator).
 * The orders in other currencies are summed apart per currency in `other_currencies`
 * (docs/analytics.md: reported apart, not converted).
 */
const purchaseStatsOf = (customer: string) => `
  SELECT COALESCE(sum(per.orders), 0)::int AS orders_count,
         COALESCE(sum(per.revenue) FILTER (WHERE per.currency = $2), 0) AS revenue,
         COALESCE(sum(per.orders) FILTER (WHERE per.currency = $2), 0)::int AS revenue_orders,
         min(per.first_order_at) AS first_order_at,
         max(per.last_order_at) AS last_order_at,
         COALESCE(jsonb_agg(jsonb_build_object('currency', per.currency, 'orders', per.orders, 'revenue', per.revenue)
                            ORDER BY per.currency) FILTER (WHERE per.currency <> $2), '[]') AS other_currencies
    FROM (SELECT currency, count(*) AS orders, sum(total - refunded_total) AS revenue,
                 min(placed_at) AS first_order_at, max(placed_at) AS last_order_at
            FROM customer_orders
           WHERE customer_uuid = ${customer} AND cancelled_at IS NULL
           GROUP BY currency) per`;

/** The profile columns rules decide on (factsOf, recomputeStats), `c` being the customers row. */
const FACT_COLUMNS = `c.email, c.locale, c.timezone, c.email_consent, c.attributes, c.orders_count, c.revenue,
              c.first_order_at, c.last_order_at`;

interface FactsRow {
  id: string;
  email: string | null;
  locale: string | null;
  timezone: string | null;
  email_consent: string;
  attributes: Record<string, unknown>;
  orders_count: number;
  revenue: string;
  /** The orders the shop-currency revenue counts (purchaseStatsOf): the average's divisor. */
  revenue_orders: number;
  first_order_at: Date | null;
  last_order_at: Date | null;
}

function factsFromRow(row: FactsRow): CustomerFacts {
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
      averageOrderValue: averageOrderValue(revenue, row.revenue_orders),
      firstOrderAt: row.first_order_at?.getTime() ?? null,
      lastOrderAt: row.last_order_at?.getTime() ?? null,
    },
    segments: [],
    events: {},
  };
}

/**
 * The `customers` table and its `customer_orders`: nothing else reads or writes them. Profiles,
 * identity resolution, order facts and the purchase stats computed from them, email consent, and
 * the customer lock (`lock`), which every per-customer serialisation in Kizuna takes. The write
 * methods take the caller's transaction; callers hold the customer lock.
 */
@Injectable()
export class CustomerRepository {
  constructor(@InjectRepository(Customer) private readonly customers: Repository<Customer>) {}

  /**
   * The customer lock: the profiles' rows, locked in id order (so two transactions locking
   * overlapping sets cannot deadlock) until the transaction ends. The one serialisation point per
   * customer: inbox batches, due timers, segment rechecks and evaluations, the sending policy and
   * consent changes all take it. Returns the uuids now held, in id order (with `skip-locked`,
   * those no other transaction held).
   */
  async lock(tx: EntityManager, customerUuids: string[], mode: LockMode = 'wait'): Promise<string[]> {
    if (customerUuids.length === 0) {
      return [];
    }
    const rows = await this.lockRows(tx, 'id = ANY($1::uuid[])', [customerUuids], mode);
    return rows.map((r) => r.id);
  }

  /** Every row lock on `customers` is taken here, in one way: id order, FOR UPDATE. */
  private lockRows(
    tx: EntityManager,
    where: string,
    params: unknown[],
    mode: LockMode = 'wait',
  ): Promise<LockedCustomerRow[]> {
    return tx.query<LockedCustomerRow[]>(
      `SELECT id, customer_id, email, email_normalized FROM customers WHERE ${where}
        ORDER BY id FOR UPDATE${mode === 'skip-locked' ? ' SKIP LOCKED' : ''}`,
      params,
    );
  }

  findByCustomerId(customerId: string): Promise<Customer | null> {
    return this.customers.findOne({ where: { customerId } });
  }

  /** The profile's locale, by the shop's id or else the email (as a signed link names the customer). */
  async localeOf(identity: { customerId: string | null; email: string | null }): Promise<string | null> {
    const found =
      identity.customerId !== null
        ? await this.customers.findOne({ where: { customerId: identity.customerId } })
        : identity.email !== null
          ? await this.customers.findOne({ where: { emailNormalized: identity.email.trim().toLowerCase() } })
          : null;
    return found?.locale ?? null;
  }

  /**
   * Customers whose shop id (or normalised email) starts with `prefix`, in byte order, `limit`
   * after `after` (the last key of the previous page). One range of a "C"-collated index
   * (migration 1764800200000): the upper bound is the prefix followed by the highest code point.
   */
  async search(
    field: 'id' | 'email',
    prefix: string,
    limit: number,
    after: string | undefined,
  ): Promise<{ matches: CustomerMatch[]; next: string | undefined }> {
    const column = field === 'id' ? 'customer_id' : 'email_normalized';
    const rows = await this.customers.manager.query<
      Array<{
        key: string;
        customer_id: string | null;
        email: string | null;
        email_consent: Customer['emailConsent'];
        orders_count: number;
        last_order_at: Date | null;
      }>
    >(
      `SELECT ${column} AS key, customer_id, email, email_consent, orders_count, last_order_at
         FROM customers
        WHERE (${column} COLLATE "C") >= $1 AND (${column} COLLATE "C") < $2
          AND starts_with(${column}, $1)
          AND ($3::text IS NULL OR (${column} COLLATE "C") > $3)
        ORDER BY ${column} COLLATE "C"
        LIMIT $4`,
      [prefix, `${prefix}\u{10FFFF}`, after ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      matches: page.map((r) => ({
        customerId: r.customer_id,
        email: r.email,
        emailConsent: r.email_consent,
        ordersCount: r.orders_count,
        lastOrderAt: r.last_order_at,
      })),
      next: rows.length > limit ? page[page.length - 1]!.key : undefined,
    };
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
      const byId = await this.lockRows(tx, 'customer_id = $1', [identity.customerId]);
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
    const byEmail = await this.lockRows(tx, 'email_normalized = $1', [identity.email]);
    return byEmail[0]?.id;
  }

  /**
   * Locks, in id order and in one statement, the profiles known by these shop ids or (for
   * identities without a shop id) these emails: the set-based form of the lookup in
   * resolveForUpdate, for a batch of events.
   */
  async lockMany(tx: EntityManager, customerIds: string[], emails: string[]): Promise<LockedCustomer[]> {
    const rows = await this.lockRows(tx, 'customer_id = ANY($1::text[]) OR email_normalized = ANY($2::text[])', [
      customerIds,
      emails,
    ]);
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

  /** Applies traits and consent; returns the profile's facts as they now stand (factsOf). */
  async applyProfile(
    tx: EntityManager,
    customerUuid: string,
    changes: ProfileChanges,
    shopCurrency: string,
  ): Promise<CustomerFacts> {
    await this.updateProfile(tx, customerUuid, changes);
    return this.currentFacts(tx, customerUuid, shopCurrency);
  }

  /** Applies traits and consent (applyProfile without reading the facts back). */
  async updateProfile(tx: EntityManager, customerUuid: string, changes: ProfileChanges): Promise<void> {
    await tx.query(
      `UPDATE customers
          SET timezone = COALESCE($2, timezone),
              locale = COALESCE($3, locale),
              attributes = attributes || $4::jsonb,
              updated_at = now()
        WHERE id = $1`,
      [customerUuid, changes.timezone ?? null, changes.locale ?? null, JSON.stringify(changes.attributes ?? {})],
    );
    if (changes.emailConsent) {
      await this.recordEmailConsent(tx, customerUuid, changes.emailConsent);
    }
  }

  /**
   * The one write of email consent, whoever reports it (a shop event's traits, an unsubscribe
   * link, the preference page): applied only when at least as new as the consent on the profile,
   * since reports arrive out of order. Takes the customer lock. True when the status changed.
   */
  async recordEmailConsent(tx: EntityManager, customerUuid: string, consent: ConsentChange): Promise<boolean> {
    await this.lock(tx, [customerUuid]);
    // Under the lock, the statement's snapshot of `prior` is the row as it stands.
    const rows = await tx.query<Array<{ previous: string }>>(
      `WITH prior AS (SELECT email_consent FROM customers WHERE id = $1),
       changed AS (
         UPDATE customers SET email_consent = $2, email_consent_source = $3, email_consent_at = $4, updated_at = now()
          WHERE id = $1 AND (email_consent_at IS NULL OR email_consent_at <= $4)
          RETURNING id)
       SELECT prior.email_consent AS previous FROM changed, prior`,
      [customerUuid, consent.status, consent.source, consent.at],
    );
    return rows.length > 0 && rows[0]!.previous !== consent.status;
  }

  /**
   * Records an order once; the same order id again changes nothing (the first one recorded wins),
   * under this customer or another: `order_owners` holds one owner per order id, shop-wide.
   * Refunds that arrived before the order are applied now. False when the id was already another
   * customer's (nothing recorded).
   */
  async recordOrder(tx: EntityManager, customerUuid: string, order: OrderFact): Promise<boolean> {
    // The usual case in one statement: the order id is new, so it is claimed and the order
    // stored with any refunds that arrived before it (refundedTotal's rule, as applyRefunds).
    const [placed] = await tx.query<Array<{ claimed: boolean }>>(
      `WITH claimed AS (
         INSERT INTO order_owners (order_id, customer_uuid) VALUES ($2, $1)
         ON CONFLICT (order_id) DO NOTHING RETURNING customer_uuid),
       stored AS (
         INSERT INTO customer_orders (customer_uuid, order_id, total, currency, placed_at, refunded_total)
         SELECT $1, $2, $3, $4, $5, LEAST($3::numeric(20, 4), COALESCE(
                  (SELECT sum(COALESCE(r.amount, $3::numeric(20, 4))) FROM order_refunds r
                    WHERE r.customer_uuid = $1 AND r.order_id = $2 AND (r.currency IS NULL OR r.currency = $4)), 0))
           FROM claimed
         ON CONFLICT (customer_uuid, order_id) DO NOTHING)
       SELECT EXISTS (SELECT 1 FROM claimed) AS claimed`,
      [customerUuid, order.orderId, order.total, order.currency, order.placedAt],
    );
    if (placed!.claimed) {
      return true;
    }
    // Claimed before: by this customer (a duplicate, or an order stored before owners were
    // recorded) or by another one (the same order id from another customer is not theirs). A new
    // statement, since only it sees a concurrent claimer's committed row.
    const [owner] = await tx.query<Array<{ customer_uuid: string }>>(
      `SELECT customer_uuid FROM order_owners WHERE order_id = $1`,
      [order.orderId],
    );
    if (owner?.customer_uuid !== customerUuid) {
      return false;
    }
    await tx.query(
      `INSERT INTO customer_orders (customer_uuid, order_id, total, currency, placed_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (customer_uuid, order_id) DO NOTHING`,
      [customerUuid, order.orderId, order.total, order.currency, order.placedAt],
    );
    await this.applyRefunds(tx, customerUuid, order.orderId);
    return true;
  }

  /**
   * Records a refund as a fact (once per event), whether or not its order is known yet, and
   * applies the order's refunds when it is (docs/analytics.md, "Orders, refunds and revenue").
   */
  async recordRefund(tx: EntityManager, customerUuid: string, refund: RefundFact): Promise<void> {
    await tx.query(
      `INSERT INTO order_refunds (customer_uuid, order_id, event_id, amount, currency, refunded_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (customer_uuid, order_id, event_id) DO NOTHING`,
      [customerUuid, refund.orderId, refund.eventId, refund.amount ?? null, refund.currency ?? null, refund.refundedAt],
    );
    await this.applyRefunds(tx, customerUuid, refund.orderId);
  }

  /**
   * An order's refunded_total from its refund facts: the sum of those in the order's currency (or
   * without one; no amount = the whole order), capped at the order total. A refund in another
   * currency stays recorded and is not applied: two currencies cannot be subtracted.
   */
  private async applyRefunds(tx: EntityManager, customerUuid: string, orderId: string): Promise<void> {
    await tx.query(
      `UPDATE customer_orders o
          SET refunded_total = LEAST(o.total, COALESCE(
                (SELECT sum(COALESCE(r.amount, o.total)) FROM order_refunds r
                  WHERE r.customer_uuid = o.customer_uuid AND r.order_id = o.order_id
                    AND (r.currency IS NULL OR r.currency = o.currency)), 0))
        WHERE o.customer_uuid = $1 AND o.order_id = $2`,
      [customerUuid, orderId],
    );
  }

  /**
   * Orders as their facts stand now (what attribution credits), keyed `${customerUuid}:${orderId}`;
   * an order not recorded (a refund that came before it) is absent.
   */
  async orders(
    tx: EntityManager,
    keys: ReadonlyArray<{ customerUuid: string; orderId: string }>,
  ): Promise<Map<string, OrderRecord>> {
    if (keys.length === 0) {
      return new Map();
    }
    const rows = await tx.query<
      Array<{
        customer_uuid: string;
        order_id: string;
        total: string;
        refunded_total: string;
        currency: string;
        placed_at: Date;
        cancelled_at: Date | null;
      }>
    >(
      `SELECT o.customer_uuid, o.order_id, o.total, o.refunded_total, o.currency, o.placed_at, o.cancelled_at
         FROM unnest($1::uuid[], $2::text[]) AS k(customer_uuid, order_id)
         JOIN customer_orders o ON o.customer_uuid = k.customer_uuid AND o.order_id = k.order_id`,
      [keys.map((k) => k.customerUuid), keys.map((k) => k.orderId)],
    );
    return new Map(
      rows.map((row) => [
        `${row.customer_uuid}:${row.order_id}`,
        {
          orderId: row.order_id,
          total: Number(row.total),
          refundedTotal: Number(row.refunded_total),
          currency: row.currency,
          placedAt: row.placed_at,
          cancelled: row.cancelled_at !== null,
        },
      ]),
    );
  }

  async recordCancellation(tx: EntityManager, customerUuid: string, orderId: string, at: Date): Promise<void> {
    await tx.query(
      `UPDATE customer_orders SET cancelled_at = COALESCE(cancelled_at, $3)
        WHERE customer_uuid = $1 AND order_id = $2`,
      [customerUuid, orderId, at],
    );
  }

  findByUuids(tx: EntityManager | undefined, customerUuids: string[]): Promise<Customer[]> {
    return customerUuids.length === 0
      ? Promise.resolve([])
      : (tx ?? this.customers.manager).getRepository(Customer).findBy({ id: In(customerUuids) });
  }

  /** Who these customers are (shop id and email), by uuid; for lists of messages, members and the like. */
  async contactsOf(tx: EntityManager | undefined, customerUuids: string[]): Promise<Map<string, CustomerContact>> {
    const found = await this.findByUuids(tx, [...new Set(customerUuids)]);
    return new Map(found.map((c) => [c.id, { customerId: c.customerId, email: c.email }]));
  }

  /** Customer uuids in id order after `afterUuid`, a page at a time (evaluating a segment against everyone). */
  async uuidPage(tx: EntityManager | undefined, afterUuid: string | null, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await (tx ?? this.customers.manager).query(
      `SELECT id FROM customers WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [afterUuid, limit],
    );
    return rows.map((r) => r.id);
  }

  /** How many profiles and order facts there are (the demo's summary; whether a database has customers). */
  async count(tx?: EntityManager): Promise<{ customers: number; orders: number }> {
    const [counts] = await (tx ?? this.customers.manager).query<Array<{ customers: number; orders: number }>>(
      `SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM customer_orders)::int AS orders`,
    );
    return counts!;
  }

  /**
   * What rules decide on, per profile (docs/conditions.md): the profile and its purchase stats,
   * in one statement. Stats are the ones recomputeStats keeps on the row; the average order value
   * divides revenue by the orders revenue counts, taken from the same computation. Segment keys
   * and counted events are added by the caller that needs them (CustomerFactsLoader).
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
      `SELECT c.id, ${FACT_COLUMNS},
              CASE WHEN c.orders_count = 0 THEN 0 ELSE
                (SELECT s.revenue_orders FROM (${purchaseStatsOf('c.id')}) s) END AS revenue_orders
         FROM customers c WHERE c.id = ANY($1::uuid[])`,
      [customerUuids, shopCurrency],
    );
    const facts = new Map(rows.map((row) => [row.id, factsFromRow(row)]));
    const missing = customerUuids.find((id) => !facts.has(id));
    if (missing) {
      throw new Error(`customer ${missing} not found`);
    }
    return facts;
  }

  /**
   * The customer's orders in currencies other than the shop's, per currency (purchaseStatsOf):
   * shown beside the shop-currency revenue, never added in and never converted.
   */
  async otherCurrenciesOf(
    tx: EntityManager | undefined,
    customerUuid: string,
    shopCurrency: string,
  ): Promise<OtherCurrencyRevenue[]> {
    const [row] = await (tx ?? this.customers.manager).query<
      Array<{ other_currencies: Array<{ currency: string; orders: number; revenue: number | string }> }>
    >(`SELECT s.other_currencies FROM (${purchaseStatsOf('$1')}) s`, [customerUuid, shopCurrency]);
    return (row?.other_currencies ?? []).map((o) => ({
      currency: o.currency,
      orders: Number(o.orders),
      revenue: Number(o.revenue),
    }));
  }

  /**
   * The one write of the stored purchase stats, from the order facts (purchaseStatsOf); returns
   * the profile's facts as written, so the journeys batch decides on them without asking again.
   */
  async recomputeStats(tx: EntityManager, customerUuid: string, shopCurrency: string): Promise<CustomerFacts> {
    const [row] = await tx.query<FactsRow[]>(
      // Wrapped in a CTE: TypeORM returns [rows, count] for a bare UPDATE ... RETURNING.
      `WITH written AS (
         UPDATE customers c
            SET orders_count = s.orders_count,
                revenue = s.revenue,
                first_order_at = s.first_order_at,
                last_order_at = s.last_order_at,
                updated_at = now()
           FROM (${purchaseStatsOf('$1')}) s
          WHERE c.id = $1
         RETURNING c.id, ${FACT_COLUMNS}, s.revenue_orders)
       SELECT * FROM written`,
      [customerUuid, shopCurrency],
    );
    if (!row) {
      throw new Error(`customer ${customerUuid} not found`);
    }
    return factsFromRow(row);
  }

  /** The facts of one profile as this transaction has it (factsOf for one). */
  async currentFacts(tx: EntityManager, customerUuid: string, shopCurrency: string): Promise<CustomerFacts> {
    return (await this.factsOf(tx, [customerUuid], shopCurrency)).get(customerUuid)!;
  }
}
