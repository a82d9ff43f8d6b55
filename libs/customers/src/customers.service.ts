import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { EventInboxRepository, type StoredEvent } from '@kizuna/events';
import type { Customer } from './customer.entity';
import { CustomerRepository } from './customer.repository';
import { CustomersErrorCode, CustomersException } from './customers.exception';

export interface CustomerProfile {
  customerId: string | null;
  email: string | null;
  attributes: Record<string, unknown>;
  timezone: string | null;
  locale: string | null;
  emailConsent: Customer['emailConsent'];
  /** Where the consent came from (`event:api`, `unsubscribe-link:one-click`, ...) and when. */
  emailConsentSource: string | null;
  emailConsentAt: string | null;
  stats: {
    ordersCount: number;
    /** Net of refunds, in `currency`, as a decimal number. */
    revenue: number;
    /** revenue divided by the orders in `currency` (orders in other currencies are not in revenue). */
    averageOrderValue: number;
    currency: string;
    firstOrderAt: string | null;
    lastOrderAt: string | null;
  };
}

export interface EventPage {
  events: StoredEvent[];
  /** Pass as `before` to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

@Injectable()
export class CustomersService {
  constructor(
    private readonly customers: CustomerRepository,
    private readonly events: EventInboxRepository,
    private readonly config: KizunaConfig,
  ) {}

  async getProfile(customerId: string): Promise<CustomerProfile> {
    const c = await this.require(customerId);
    const { stats } = (await this.customers.factsOf(undefined, [c.id], this.config.shop.currency)).get(c.id)!;
    return {
      customerId: c.customerId,
      email: c.email,
      attributes: c.attributes,
      timezone: c.timezone,
      locale: c.locale,
      emailConsent: c.emailConsent,
      emailConsentSource: c.emailConsentSource,
      emailConsentAt: c.emailConsentAt?.toISOString() ?? null,
      stats: {
        ordersCount: stats.ordersCount,
        revenue: stats.revenue,
        averageOrderValue: stats.averageOrderValue,
        currency: this.config.shop.currency,
        firstOrderAt: stats.firstOrderAt === null ? null : new Date(stats.firstOrderAt).toISOString(),
        lastOrderAt: stats.lastOrderAt === null ? null : new Date(stats.lastOrderAt).toISOString(),
      },
    };
  }

  async listEvents(customerId: string, limit: number, before: string | undefined): Promise<EventPage> {
    const customer = await this.require(customerId);
    const cursor = before === undefined ? undefined : decodeCursor(before);
    const events = await this.events.listForCustomer(customer.id, limit + 1, cursor);
    const page = events.slice(0, limit);
    const last = page[page.length - 1];
    return { events: page, nextCursor: events.length > limit && last ? encodeCursor(last) : null };
  }

  private async require(customerId: string): Promise<Customer> {
    const customer = await this.customers.findByCustomerId(customerId);
    if (!customer) {
      throw new CustomersException(CustomersErrorCode.CustomerNotFound, `No customer with id "${customerId}"`);
    }
    return customer;
  }
}

function encodeCursor(event: StoredEvent): string {
  return Buffer.from(`${event.occurredAt.toISOString()}|${event.seq}`).toString('base64url');
}

/** What encodeCursor writes: a 4-digit-year ISO instant and a seq within PostgreSQL's bigint. */
const CURSOR_AT = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_SEQ = 9223372036854775807n;

function decodeCursor(cursor: string): { occurredAt: Date; seq: string } {
  const [at, seq] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const occurredAt = new Date(at ?? '');
  if (
    !at ||
    !CURSOR_AT.test(at) ||
    !seq ||
    !/^\d{1,19}$/.test(seq) ||
    BigInt(seq) > MAX_SEQ ||
    Number.isNaN(occurredAt.getTime())
  ) {
    throw new CustomersException(CustomersErrorCode.InvalidCursor, 'The "before" cursor is not one this API returned');
  }
  return { occurredAt, seq };
}
