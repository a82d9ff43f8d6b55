import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags, type SchemaObject } from '@nestjs/swagger';
import { RequireRoles, Role } from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
import { CustomersService, type CustomerProfile } from '@kizuna/customers';
import { z } from 'zod';

const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().min(1).optional(),
});

const nullableString: SchemaObject = { type: 'string', nullable: true };
const nullableDate: SchemaObject = { type: 'string', format: 'date-time', nullable: true };

/** The profile as GET /v1/customers/:customerId answers it (CustomerProfile), for /docs. */
const profileSchema: SchemaObject = {
  type: 'object',
  properties: {
    customerId: nullableString,
    email: nullableString,
    attributes: { type: 'object', additionalProperties: true },
    timezone: nullableString,
    locale: nullableString,
    emailConsent: { type: 'string', enum: ['subscribed', 'unsubscribed', 'unknown'] },
    emailConsentSource: nullableString,
    emailConsentAt: nullableDate,
    stats: {
      type: 'object',
      description: 'Purchase stats (docs/analytics.md, "Orders, refunds and revenue")',
      properties: {
        ordersCount: { type: 'integer', description: 'Orders not cancelled, in every currency' },
        revenue: { type: 'number', description: 'Net of refunds, orders in `currency` only' },
        averageOrderValue: { type: 'number', description: 'revenue over the orders in `currency`' },
        currency: { type: 'string', description: 'SHOP_CURRENCY' },
        otherCurrencies: {
          type: 'array',
          description: 'Orders in other currencies, per currency: reported apart, never converted or added in',
          items: {
            type: 'object',
            properties: {
              currency: { type: 'string' },
              orders: { type: 'integer' },
              revenue: { type: 'number', description: 'Net of refunds, in this currency' },
            },
          },
        },
        firstOrderAt: nullableDate,
        lastOrderAt: nullableDate,
      },
    },
  },
};

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
@RequireRoles(Role.Marketer, Role.Ops)
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get(':customerId')
  @ApiOperation({ summary: "A customer's profile and purchase stats" })
  @ApiOkResponse({ schema: profileSchema })
  get(@Param('customerId') customerId: string): Promise<CustomerProfile> {
    return this.customers.getProfile(customerId);
  }

  @Get(':customerId/events')
  @ApiOperation({ summary: "A customer's stored events, newest first" })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiQuery({ name: 'before', required: false, description: 'nextCursor from the previous page' })
  async events(@Param('customerId') customerId: string, @Query() query: unknown) {
    const { limit, before } = parseOrThrow(pageQuery, query);
    const page = await this.customers.listEvents(customerId, limit, before);
    return {
      events: page.events.map((e) => ({
        id: e.id,
        name: e.name,
        messageId: e.messageId,
        source: e.source,
        timestamp: e.occurredAt.toISOString(),
        receivedAt: e.receivedAt.toISOString(),
        properties: e.properties,
        ...(e.traits ? { traits: e.traits } : {}),
        ...(e.processingError ? { processingError: e.processingError } : {}),
      })),
      nextCursor: page.nextCursor,
    };
  }
}
