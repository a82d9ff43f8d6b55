import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import type { StoredEvent } from '@kizuna/events';
import type { EntityManager } from 'typeorm';
import { CustomerRepository, type ProfileChanges } from './customer.repository';

/** Trait names that are profile columns; any other trait is kept as an attribute. */
const COLUMN_TRAITS = new Set(['email', 'timezone', 'locale', 'emailConsent']);

/**
 * Applies one inbox event to the customer's profile inside the worker's transaction: identity,
 * traits, and the order facts behind the purchase stats. Returns the profile's id.
 */
@Injectable()
export class CustomerProfileUpdater {
  constructor(
    private readonly customers: CustomerRepository,
    private readonly config: KizunaConfig,
  ) {}

  async apply(tx: EntityManager, event: StoredEvent): Promise<string> {
    const customerUuid = await this.customers.resolveForUpdate(tx, {
      customerId: event.customerId,
      email: event.email,
    });
    if (event.email !== undefined && event.customerId !== undefined) {
      await this.customers.updateEmail(tx, customerUuid, event.email);
    }
    if (event.traits) {
      await this.customers.applyProfile(tx, customerUuid, profileChanges(event));
    }
    if (await this.applyOrderFacts(tx, customerUuid, event)) {
      await this.customers.recomputeStats(tx, customerUuid, this.config.shop.currency);
    }
    return customerUuid;
  }

  /** True when the event changed an order fact. */
  private async applyOrderFacts(tx: EntityManager, customerUuid: string, event: StoredEvent): Promise<boolean> {
    const p = event.properties;
    switch (event.name) {
      case 'order.placed':
        await this.customers.recordOrder(tx, customerUuid, {
          orderId: String(p.orderId),
          total: Number(p.total),
          currency: String(p.currency),
          placedAt: event.occurredAt,
        });
        return true;
      case 'order.refunded':
        await this.customers.recordRefund(
          tx,
          customerUuid,
          String(p.orderId),
          p.total === undefined ? undefined : Number(p.total),
        );
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
