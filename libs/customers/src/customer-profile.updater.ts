import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import type { StoredEvent } from '@kizuna/events';
import type { CustomerFacts } from '@kizuna/rules';
import type { EntityManager } from 'typeorm';
import {
  CustomerRepository,
  type CustomerIdentity,
  type LockedCustomer,
  type ProfileChanges,
} from './customer.repository';
import { ShopOrderRollups, type OrderSnapshot } from './shop-order-rollups.repository';

/** The events that record or change an order fact (`customer_orders`, `order_refunds`). */
export const ORDER_EVENTS: ReadonlySet<string> = new Set(['order.placed', 'order.refunded', 'order.cancelled']);

/** Trait names that are profile columns; any other trait is kept as an attribute. */
const COLUMN_TRAITS = new Set(['email', 'timezone', 'locale', 'emailConsent']);

/** The profile an inbox event applies to, as this transaction has it locked. */
export interface ResolvedCustomer {
  uuid: string;
  /** The contact email on the profile now: an event only writes a different one. */
  email: string | null;
}

/**
 * Applies inbox events to customer profiles inside the worker's transaction: identity, traits,
 * and the order facts behind the purchase stats. Set-based where it can be: a batch's known
 * profiles are locked in one statement and its new ones created in one; only the unusual
 * identities (an email to adopt, a race with another writer) are settled one by one.
 */
@Injectable()
export class CustomerProfileUpdater {
  constructor(
    private readonly customers: CustomerRepository,
    private readonly rollups: ShopOrderRollups,
    private readonly config: KizunaConfig,
  ) {}

  /**
   * Before a batch's events are applied: the counted orders of the customers whose orders they
   * may change, so that `settleOrderFacts` can move the shop's rollups by what changed.
   */
  beginOrderFacts(
    tx: EntityManager,
    events: StoredEvent[],
    customers: Map<string, ResolvedCustomer>,
  ): Promise<OrderSnapshot> {
    const uuids = new Set(events.filter((e) => ORDER_EVENTS.has(e.name)).map((e) => customers.get(e.seq)!.uuid));
    return this.rollups.snapshot(tx, [...uuids]);
  }

  /** After the batch's events: the shop's order rollups, in the same transaction (ShopOrderRollups.settle). */
  settleOrderFacts(tx: EntityManager, before: OrderSnapshot): Promise<void> {
    return this.rollups.settle(tx, before);
  }

  /** Finds (or creates) and locks the profile of every event; keyed by event seq. */
  async resolveAll(tx: EntityManager, events: StoredEvent[]): Promise<Map<string, ResolvedCustomer>> {
    const identities = new Map<string, CustomerIdentity>();
    for (const event of events) {
      const key = event.customerKey;
      if (!identities.has(key)) {
        identities.set(key, { customerId: event.customerId, email: event.email });
      }
    }
    const byKey = new Map<string, ResolvedCustomer>();
    const adopt = (rows: LockedCustomer[]) => {
      for (const row of rows) {
        const resolved = { uuid: row.id, email: row.email };
        if (row.customerId !== null) {
          byKey.set(`id:${row.customerId}`, resolved);
        }
        if (row.emailNormalized !== null) {
          byKey.set(`email:${row.emailNormalized}`, resolved);
        }
      }
    };
    const all = [...identities.values()];
    adopt(
      await this.customers.lockMany(
        tx,
        all.flatMap((i) => (i.customerId === undefined ? [] : [i.customerId])),
        all.flatMap((i) => (i.customerId === undefined && i.email !== undefined ? [i.email] : [])),
      ),
    );
    adopt(
      await this.customers.insertMany(
        tx,
        [...identities].filter(([key]) => !byKey.has(key)).map(([, i]) => i),
      ),
    );
    const resolved = new Map<string, ResolvedCustomer>();
    for (const event of events) {
      const key = event.customerKey;
      let customer = byKey.get(key);
      if (!customer) {
        const identity = identities.get(key)!;
        const uuid = await this.customers.resolveForUpdate(tx, identity);
        const [found] = await this.customers.findByUuids(tx, [uuid]);
        customer = { uuid, email: found?.email ?? null };
        byKey.set(key, customer);
      }
      resolved.set(event.seq, customer);
    }
    return resolved;
  }

  /**
   * Applies one event to its (locked) profile: contact email, traits, order facts. Returns the
   * profile's facts as the writes left them when what journeys decide on (attributes, time zone,
   * consent, purchase stats) may have changed, else undefined.
   */
  async applyChanges(
    tx: EntityManager,
    customer: ResolvedCustomer,
    event: StoredEvent,
  ): Promise<CustomerFacts | undefined> {
    if (event.email !== undefined && event.customerId !== undefined && event.email !== customer.email) {
      await this.customers.updateEmail(tx, customer.uuid, event.email);
      customer.email = event.email;
    }
    const currency = this.config.shop.currency;
    if (event.traits) {
      await this.customers.updateProfile(tx, customer.uuid, profileChanges(event));
    }
    // The facts are read back once, by the last write: the stats recomputed, else the traits.
    if (await this.applyOrderFacts(tx, customer.uuid, event)) {
      return this.customers.recomputeStats(tx, customer.uuid, currency);
    }
    return event.traits ? this.customers.currentFacts(tx, customer.uuid, currency) : undefined;
  }

  /** True when the event changed an order fact. */
  private async applyOrderFacts(tx: EntityManager, customerUuid: string, event: StoredEvent): Promise<boolean> {
    const p = event.properties;
    switch (event.name) {
      case 'order.placed':
        return this.customers.recordOrder(tx, customerUuid, {
          orderId: String(p.orderId),
          total: Number(p.total),
          currency: String(p.currency),
          placedAt: event.occurredAt,
        });
      case 'order.refunded':
        await this.customers.recordRefund(tx, customerUuid, {
          orderId: String(p.orderId),
          eventId: event.id,
          amount: p.total === undefined ? undefined : Number(p.total),
          currency: typeof p.currency === 'string' ? p.currency : undefined,
          refundedAt: event.occurredAt,
        });
        return true;
      case 'order.cancelled':
        await this.customers.recordCancellation(tx, customerUuid, String(p.orderId), event.occurredAt);
        return true;
      default:
        return false;
    }
  }
}

function profileChanges(event: StoredEvent): ProfileChanges {
  const traits = event.traits ?? {};
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(traits)) {
    if (!COLUMN_TRAITS.has(key)) {
      attributes[key] = value;
    }
  }
  return {
    timezone: typeof traits.timezone === 'string' ? traits.timezone : undefined,
    locale: typeof traits.locale === 'string' ? traits.locale : undefined,
    emailConsent:
      traits.emailConsent === 'subscribed' || traits.emailConsent === 'unsubscribed'
        ? { status: traits.emailConsent, source: `event:${event.source}`, at: event.occurredAt }
        : undefined,
    attributes,
  };
}
