import { Injectable } from '@nestjs/common';
import { decodePageCursor, encodePageCursor, type PagePosition } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { EventInboxRepository, type StoredEvent } from '@kizuna/events';
import type { Customer } from './customer.entity';
import { CustomerRepository, type CustomerMatch, type OtherCurrencyRevenue } from './customer.repository';
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
    /**
     * Orders in other currencies (they count in ordersCount), their revenue per currency, net of
     * refunds: reported apart, not converted (docs/analytics.md). Empty when there are none.
     */
    otherCurrencies: OtherCurrencyRevenue[];
    firstOrderAt: string | null;
    lastOrderAt: string | null;
  };
}

export interface EventPage {
  events: StoredEvent[];
  /** Pass as `before` to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface CustomerSearchPage {
  customers: CustomerMatch[];
  /** Pass as `after` for the next page; null on the last page. */
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
    const currency = this.config.shop.currency;
    const { stats } = (await this.customers.factsOf(undefined, [c.id], currency)).get(c.id)!;
    const otherCurrencies = await this.customers.otherCurrenciesOf(undefined, c.id, currency);
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
        currency,
        otherCurrencies,
        firstOrderAt: stats.firstOrderAt === null ? null : new Date(stats.firstOrderAt).toISOString(),
        lastOrderAt: stats.lastOrderAt === null ? null : new Date(stats.lastOrderAt).toISOString(),
      },
    };
  }

  /**
   * Customers by a prefix of their shop id, or of their email (`by: 'auto'` takes a query with an
   * `@` for an email), in key order, a page at a time.
   */
  async search(
    q: string,
    by: 'auto' | 'id' | 'email',
    limit: number,
    after: string | undefined,
  ): Promise<CustomerSearchPage> {
    const field = by === 'auto' ? (q.includes('@') ? 'email' : 'id') : by;
    const prefix = field === 'email' ? q.trim().toLowerCase() : q;
    let key: string | undefined;
    if (after !== undefined) {
      key = Buffer.from(after, 'base64url').toString('utf8');
      if (!/^[A-Za-z0-9_-]+$/.test(after) || !key.startsWith(`${field}:`)) {
        throw new CustomersException(
          CustomersErrorCode.InvalidCursor,
          'The "after" cursor is not one this API returned',
        );
      }
      key = key.slice(field.length + 1);
    }
    const page = await this.customers.search(field, prefix, limit, key);
    return {
      customers: page.matches,
      nextCursor: page.next === undefined ? null : Buffer.from(`${field}:${page.next}`).toString('base64url'),
    };
  }

  async listEvents(customerId: string, limit: number, before: string | undefined, name?: string): Promise<EventPage> {
    const customer = await this.require(customerId);
    const cursor = before === undefined ? undefined : decodeCursor(before);
    const page = await this.events.listForCustomer(customer.id, limit, cursor, name);
    return { events: page.events, nextCursor: page.next ? encodePageCursor(page.next) : null };
  }

  private async require(customerId: string): Promise<Customer> {
    const customer = await this.customers.findByCustomerId(customerId);
    if (!customer) {
      throw new CustomersException(CustomersErrorCode.CustomerNotFound, `No customer with id "${customerId}"`);
    }
    return customer;
  }
}

/** A seq within PostgreSQL's bigint. */
const SEQ = /^\d{1,19}$/;
const MAX_SEQ = 9223372036854775807n;

function decodeCursor(cursor: string): PagePosition {
  const position = decodePageCursor(cursor, SEQ);
  if (!position || BigInt(position.after) > MAX_SEQ) {
    throw new CustomersException(CustomersErrorCode.InvalidCursor, 'The "before" cursor is not one this API returned');
  }
  return position;
}
