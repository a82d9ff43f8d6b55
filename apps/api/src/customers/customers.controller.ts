import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags, type SchemaObject } from '@nestjs/swagger';
import { openApiSchema } from '../http/openapi-schema';
import { RequireRoles, Role } from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
import { CustomersService, type CustomerProfile } from '@kizuna/customers';
import { z } from 'zod';

const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().min(1).optional(),
  name: z.string().min(1).max(200).optional(),
});
const searchQuery = z.strictObject({
  q: z.string().trim().min(1, { message: 'give at least one character' }).max(320),
  by: z.enum(['auto', 'id', 'email']).default('auto'),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  after: z.string().min(1).max(2000).optional(),
});

const instant = z.string().describe('ISO-8601 date-time');
const searchView = z.object({
  customers: z.array(
    z.object({
      customerId: z.string().nullable(),
      email: z.string().nullable(),
      emailConsent: z.enum(['subscribed', 'unsubscribed', 'unknown']),
      ordersCount: z.number().int(),
      lastOrderAt: instant.nullable(),
    }),
  ),
  nextCursor: z.string().nullable().describe('pass as `after` for the next page; null on the last'),
});
const eventsView = z.object({
  events: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      messageId: z.string().nullable(),
      source: z.string(),
      timestamp: instant,
      receivedAt: instant,
      properties: z.record(z.string(), z.unknown()),
      traits: z.record(z.string(), z.unknown()).optional(),
      processingError: z.string().optional(),
    }),
  ),
  nextCursor: z.string().nullable(),
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

  @Get()
  @ApiOperation({
    summary: 'Find customers by the start of their id or email, in key order',
    description:
      '`by=auto` (default) searches emails when `q` has an `@`, else customer ids. Exact and prefix matches ' +
      'alike (`q=c-4` finds c-4 and c-42); emails are matched lower case. One index range per page.',
  })
  @ApiQuery({ name: 'q', required: true, description: 'the start of a customer id or an email' })
  @ApiQuery({ name: 'by', required: false, enum: ['auto', 'id', 'email'] })
  @ApiQuery({ name: 'limit', required: false, description: '1-100, default 25' })
  @ApiQuery({ name: 'after', required: false, description: 'nextCursor from the previous page' })
  @ApiOkResponse({ schema: openApiSchema(searchView) })
  async search(@Query() query: unknown): Promise<z.infer<typeof searchView>> {
    const { q, by, limit, after } = parseOrThrow(searchQuery, query);
    const page = await this.customers.search(q, by, limit, after);
    return {
      customers: page.customers.map((c) => ({ ...c, lastOrderAt: c.lastOrderAt?.toISOString() ?? null })),
      nextCursor: page.nextCursor,
    };
  }

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
  @ApiQuery({ name: 'name', required: false, description: 'only events of this name, e.g. nps.responded' })
  @ApiOkResponse({ schema: openApiSchema(eventsView) })
  async events(@Param('customerId') customerId: string, @Query() query: unknown): Promise<z.infer<typeof eventsView>> {
    const { limit, before, name } = parseOrThrow(pageQuery, query);
    const page = await this.customers.listEvents(customerId, limit, before, name);
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
