import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  addMonths,
  NpsReportService,
  shiftShopDay,
  ShopCohortsService,
  ShopKpisService,
  shopDayOf,
  shopMonthOf,
  shopPeriod,
} from '@kizuna/analytics';
import { RequireRoles, Role } from '@kizuna/auth';
import { Clock, parseOrThrow } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { JourneysService } from '@kizuna/journeys';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';

/** The longest period a report reads (its facts are read per period: see each service). */
const MAX_PERIOD_DAYS = 731;
const MAX_COHORTS = 36;
const DEFAULT_DAYS = 30;

const shopDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day, YYYY-MM-DD')
  .refine((d) => DateTime.fromISO(d, { zone: 'UTC' }).isValid, 'must be a calendar day');
const shopMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM');

/** `from`–`to` in shop days, both included; default the 30 shop days ending today. */
const periodQuery = (today: string, timeZone: string) =>
  z
    .strictObject({ from: shopDay.optional(), to: shopDay.optional() })
    .transform(({ from, to }) => {
      const end = to ?? today;
      return { from: from ?? shiftShopDay(end, DEFAULT_DAYS - 1, timeZone), to: end };
    })
    .refine(({ from, to }) => from <= to, { path: ['from'], message: 'must be on or before "to"' })
    .refine(({ from, to }) => from >= shiftShopDay(to, MAX_PERIOD_DAYS - 1, timeZone), {
      path: ['from'],
      message: `the period may span at most ${MAX_PERIOD_DAYS} days`,
    });

const ratio = z.object({ numerator: z.number(), denominator: z.number(), value: z.number().nullable() });
const otherCurrencies = z
  .array(z.object({ currency: z.string(), orders: z.number().int(), revenue: z.number() }))
  .describe('orders in other currencies than `currency`: reported apart, never converted');

const kpisView = z.object({
  asOf: z.string(),
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  currency: z.string(),
  churnDays: z.number().int(),
  period: z.object({
    buyers: z.number().int(),
    orders: z.number().int(),
    revenue: z.number(),
    aov: ratio,
    otherCurrencies,
  }),
  trailingYear: z.object({
    from: z.string(),
    buyers: z.number().int(),
    orders: z.number().int(),
    revenue: z.number(),
    aov: ratio,
    purchaseFrequency: ratio,
    repeatBuyers: z.number().int(),
    repeatPurchaseRate: ratio,
    otherCurrencies,
  }),
  churn: z.object({ rate: ratio, lapsed: z.number().int(), previousBuyers: z.number().int() }),
  yearlyChurn: ratio,
  clv: z.object({
    value: z.number().nullable(),
    aov: z.number().nullable(),
    yearlyFrequency: z.number().nullable(),
    lifespanYears: z.number().nullable(),
    capped: z.boolean(),
  }),
});

const cohortsView = z.object({
  timeZone: z.string(),
  currency: z.string(),
  cohorts: z.array(
    z.object({
      month: z.string(),
      customers: z.number().int(),
      retention: z.array(
        z.object({
          offset: z.number().int(),
          month: z.string(),
          buyers: z.number().int(),
          share: ratio,
          cumulativeRevenuePerCustomer: z.number().nullable(),
          partial: z.boolean(),
        }),
      ),
    }),
  ),
  launches: z.array(z.object({ month: z.string(), journeyId: z.string(), name: z.string() })),
});

const npsCounts = {
  score: z.number().nullable(),
  promoters: z.number().int(),
  passives: z.number().int(),
  detractors: z.number().int(),
  respondents: z.number().int(),
};
const npsView = z.object({
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  ...npsCounts,
  trend: z.array(z.object({ month: z.string(), ...npsCounts })),
});

const commentsView = z.object({
  comments: z.array(
    z.object({
      customerId: z.string().nullable(),
      email: z.string().nullable(),
      score: z.number().int(),
      comment: z.string(),
      answeredAt: z.string(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

/** A comments cursor: the last comment shown, (answeredAt, customer uuid), opaque to clients. */
const cursorSchema = z
  .string()
  .max(200)
  .transform((value, ctx) => {
    try {
      const [at, uuid] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as [unknown, unknown];
      const parsed = z.tuple([z.iso.datetime(), z.uuid()]).parse([at, uuid]);
      return { answeredAt: new Date(parsed[0]), customerUuid: parsed[1] };
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a nextCursor from an earlier page' });
      return z.NEVER;
    }
  });
const encodeCursor = (c: { answeredAt: Date; customerUuid: string }) =>
  Buffer.from(JSON.stringify([c.answeredAt.toISOString(), c.customerUuid])).toString('base64url');

/**
 * The shop's health (docs/analytics.md, "Shop KPIs", "Retention cohorts", "NPS"): read-only
 * reports over rollups and facts, for marketers and ops (admins may call every route).
 */
@ApiTags('analytics')
@ApiBearerAuth()
@Controller('v1/analytics')
@RequireRoles(Role.Marketer, Role.Ops)
export class ShopAnalyticsController {
  constructor(
    private readonly kpis: ShopKpisService,
    private readonly cohorts: ShopCohortsService,
    private readonly nps: NpsReportService,
    private readonly journeys: JourneysService,
    private readonly clock: Clock,
    private readonly config: KizunaConfig,
  ) {}

  private today(): string {
    return shopDayOf(this.clock.now().getTime(), this.config.shop.timeZone);
  }

  @Get('kpis')
  @ApiOperation({
    summary: 'Shop KPIs as of a day and over a period',
    description:
      'Buyers, orders, revenue net of refunds and AOV over `from`–`to`; over the 365 shop days ending `asOf`: ' +
      'purchase frequency, repeat purchase rate, CLV; churn over `kpi.churnDays` and yearly (docs/analytics.md).',
  })
  @ApiQuery({ name: 'asOf', required: false, description: 'YYYY-MM-DD (shop day); default `to`' })
  @ApiQuery({ name: 'from', required: false, description: 'YYYY-MM-DD; default 29 days before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'YYYY-MM-DD; default today (shop time zone)' })
  @ApiOkResponse({ schema: openApiSchema(kpisView) })
  async shopKpis(@Query() query: unknown) {
    const timeZone = this.config.shop.timeZone;
    const { asOf, ...rest } = parseOrThrow(
      z.strictObject({ asOf: shopDay.optional(), from: shopDay.optional(), to: shopDay.optional() }),
      query,
    );
    const { from, to } = parseOrThrow(periodQuery(this.today(), timeZone), rest);
    return this.kpis.kpis(asOf ?? to, from, to);
  }

  @Get('cohorts')
  @ApiOperation({
    summary: 'Retention cohorts by month of first order',
    description:
      'Per cohort month: the share of its customers ordering in each of the next 12 months, cumulative revenue ' +
      'per cohort customer, the current month marked partial; and the months a journey version was published.',
  })
  @ApiQuery({ name: 'from', required: false, description: 'YYYY-MM; default 11 months before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'YYYY-MM; default this month (shop time zone)' })
  @ApiOkResponse({ schema: openApiSchema(cohortsView) })
  async shopCohorts(@Query() query: unknown) {
    const timeZone = this.config.shop.timeZone;
    const { from, to } = parseOrThrow(
      z
        .strictObject({ from: shopMonth.optional(), to: shopMonth.optional() })
        .transform(({ from, to }) => {
          const end = to ?? this.cohorts.currentMonth();
          return { from: from ?? addMonths(end, -11), to: end };
        })
        .refine(({ from, to }) => from <= to, { path: ['from'], message: 'must be on or before "to"' })
        .refine(({ from, to }) => from >= addMonths(to, -(MAX_COHORTS - 1)), {
          path: ['from'],
          message: `at most ${MAX_COHORTS} cohorts`,
        }),
      query,
    );
    // Launch marks over the months the grid shows: the first cohort's to the last one's 12th.
    const monthStart = (month: string) => new Date(shopPeriod(`${month}-01`, `${month}-01`, timeZone).start);
    const [cohorts, published] = await Promise.all([
      this.cohorts.cohorts(from, to),
      this.journeys.publications(monthStart(from), monthStart(addMonths(to, 13))),
    ]);
    const launches = new Map<string, { month: string; journeyId: string; name: string }>();
    for (const p of published) {
      const month = shopMonthOf(p.publishedAt.getTime(), timeZone);
      launches.set(`${month}|${p.journeyId}`, { month, journeyId: p.journeyId, name: p.name });
    }
    return { timeZone, currency: this.config.shop.currency, cohorts, launches: [...launches.values()] };
  }

  @Get('nps')
  @ApiOperation({
    summary: 'Net Promoter Score over a period, and by month',
    description:
      '100 × (promoters − detractors) / respondents; each customer counts once, with their latest answer ' +
      '(in the period; in each month for the trend). No respondents: score null.',
  })
  @ApiQuery({ name: 'from', required: false, description: 'YYYY-MM-DD; default 29 days before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'YYYY-MM-DD; default today (shop time zone)' })
  @ApiOkResponse({ schema: openApiSchema(npsView) })
  async netPromoterScore(@Query() query: unknown) {
    const timeZone = this.config.shop.timeZone;
    const { from, to } = parseOrThrow(periodQuery(this.today(), timeZone), query);
    return { from, to, timeZone, ...(await this.nps.report(from, to)) };
  }

  @Get('nps/comments')
  @ApiOperation({
    summary: 'NPS comments of one group, newest first',
    description: "Each customer's latest answer in the period, when it is in the group and carries a comment.",
  })
  @ApiQuery({ name: 'group', required: true, enum: ['promoter', 'passive', 'detractor'] })
  @ApiQuery({ name: 'from', required: false, description: 'YYYY-MM-DD; default 29 days before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'YYYY-MM-DD; default today (shop time zone)' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor from the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1-100, default 20' })
  @ApiOkResponse({ schema: openApiSchema(commentsView) })
  async npsComments(@Query() query: unknown) {
    const timeZone = this.config.shop.timeZone;
    const { group, cursor, limit, ...period } = parseOrThrow(
      z.strictObject({
        from: shopDay.optional(),
        to: shopDay.optional(),
        group: z.enum(['promoter', 'passive', 'detractor']),
        cursor: cursorSchema.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
      query,
    );
    const { from, to } = parseOrThrow(periodQuery(this.today(), timeZone), period);
    const page = await this.nps.comments(from, to, group, cursor, limit);
    return { comments: page.comments, nextCursor: page.next ? encodeCursor(page.next) : null };
  }
}
