import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { MessageReportRepository, ratio, shopDayOf } from '@kizuna/analytics';
import { RequireRoles, Role } from '@kizuna/auth';
import { Clock, parseOrThrow } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { JourneysService } from '@kizuna/journeys';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';
import { checkPeriod, periodOnlyQuery, periodQuery, ratioView } from './report-query';

const otherCurrenciesView = z
  .array(z.object({ currency: z.string(), orders: z.number().int(), revenue: z.number() }))
  .describe('credited orders in other currencies: reported apart, never converted or added in');

const messageRowView = z.object({
  journeyId: z.string().nullable().optional(),
  journeyName: z.string().nullable().optional(),
  stepId: z.string().nullable().optional(),
  templateKey: z.string().nullable().optional(),
  splitPath: z
    .string()
    .nullable()
    .optional()
    .describe('`<split step>:<path name>` (the last split before the step); null before any split'),
  day: z.string().optional().describe('the shop day of message creation (interval=day)'),
  created: z.number().int(),
  sent: z.number().int(),
  failed: z.number().int(),
  suppressed: z.number().int(),
  skipped: z.number().int(),
  deferred: z.number().int().describe('deferred at the moment of the report'),
  uniqueOpens: z.number().int(),
  uniqueClicks: z.number().int(),
  unsubscribes: z.number().int(),
  complaints: z.number().int(),
  machineOpens: z.number().int(),
  scannerClicks: z.number().int(),
  openRate: ratioView,
  clickRate: ratioView,
  clickToOpen: ratioView,
  unsubscribeRate: ratioView,
  complaintRate: ratioView,
  conversions: z.number().int().describe('orders credited to the messages'),
  convertedMessages: z.number().int(),
  conversionRate: ratioView,
  attributedRevenue: z.number().describe('net of refunds, shop currency'),
  revenuePerRecipient: ratioView,
  otherCurrencies: otherCurrenciesView,
});

const messagesView = z.object({
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  currency: z.string(),
  rows: z.array(messageRowView),
});

const journeysView = z.object({
  from: z.string(),
  to: z.string(),
  currency: z.string(),
  journeys: z.array(
    z.object({
      journeyId: z.string(),
      name: z.string(),
      status: z.string(),
      entered: z.number().int().describe('entries in the period (held out included)'),
      activeNow: z.number().int(),
      sent: z.number().int(),
      conversions: z.number().int(),
      conversionRate: ratioView,
      attributedRevenue: z.number(),
      revenuePerRecipient: ratioView,
    }),
  ),
});

/**
 * Message engagement and attribution (docs/analytics.md), read from the `message_daily` rollup
 * (decision 0033). Periods are shop days of message creation in SHOP_TIMEZONE.
 */
@ApiTags('analytics')
@ApiBearerAuth()
@Controller('v1/analytics')
@RequireRoles(Role.Marketer, Role.Ops)
export class MessageAnalyticsController {
  constructor(
    private readonly reports: MessageReportRepository,
    private readonly journeys: JourneysService,
    private readonly config: KizunaConfig,
    private readonly clock: Clock,
  ) {}

  @Get('messages')
  @ApiOperation({
    summary: 'Message engagement and attributed revenue, shop-wide or per journey, step, template or split path',
  })
  @ApiQuery({ name: 'from', required: false, description: 'first shop day (YYYY-MM-DD); default 29 days before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'last shop day, included; default today' })
  @ApiQuery({ name: 'groupBy', required: false, enum: ['shop', 'journey', 'step', 'template', 'path'] })
  @ApiQuery({ name: 'interval', required: false, enum: ['day'], description: 'one row per shop day too' })
  @ApiQuery({ name: 'journeyId', required: false })
  @ApiOkResponse({ schema: openApiSchema(messagesView) })
  async messages(@Query() query: unknown) {
    const timeZone = this.config.shop.timeZone;
    const period = periodQuery(shopDayOf(this.clock.now().getTime(), timeZone), timeZone);
    const q = parseOrThrow(
      z
        .strictObject({
          from: period.from,
          to: period.to,
          groupBy: z.enum(['shop', 'journey', 'step', 'template', 'path']).default('shop'),
          interval: z.enum(['day']).optional(),
          journeyId: z.uuid().optional(),
        })
        .transform((v) => period.resolve(v))
        .superRefine(checkPeriod),
      query ?? {},
    );
    if (q.journeyId) {
      await this.journeys.get(q.journeyId); // 404 for an unknown journey
    }
    const rows = await this.reports.report({
      from: q.from,
      to: q.to,
      groupBy: q.groupBy,
      byDay: q.interval === 'day',
      journeyId: q.journeyId,
    });
    const names =
      q.groupBy === 'journey' || q.groupBy === 'step' || q.groupBy === 'path'
        ? new Map((await this.journeys.all()).map((j) => [j.id, j.name]))
        : undefined;
    return {
      from: q.from,
      to: q.to,
      timeZone,
      currency: this.config.shop.currency,
      rows: rows.map((r) => (names ? { ...r, journeyName: r.journeyId ? (names.get(r.journeyId) ?? null) : null } : r)),
    };
  }

  /**
   * Every journey's summary for the list and overview: one list, one grouped read of entries
   * and active instances, one grouped read of the rollup, whatever the number of journeys.
   */
  @Get('journeys')
  @ApiOperation({ summary: 'Per journey: entries, active now, sent, conversions and attributed revenue' })
  @ApiQuery({ name: 'from', required: false, description: 'first shop day (YYYY-MM-DD); default 29 days before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'last shop day, included; default today' })
  @ApiOkResponse({ schema: openApiSchema(journeysView) })
  async journeySummaries(@Query() query: unknown) {
    const timeZone = this.config.shop.timeZone;
    const q = parseOrThrow(periodOnlyQuery(shopDayOf(this.clock.now().getTime(), timeZone), timeZone), query ?? {});
    const [journeys, entries, totals] = await Promise.all([
      this.journeys.all(),
      this.journeys.entriesByJourney(q.from, q.to),
      this.reports.journeyTotals(q.from, q.to),
    ]);
    return {
      from: q.from,
      to: q.to,
      currency: this.config.shop.currency,
      journeys: journeys.map((j) => {
        const t = totals.get(j.id) ?? { sent: 0, conversions: 0, convertedMessages: 0, attributedRevenue: 0 };
        return {
          journeyId: j.id,
          name: j.name,
          status: j.status,
          entered: entries.get(j.id)?.entered ?? 0,
          activeNow: entries.get(j.id)?.activeNow ?? 0,
          sent: t.sent,
          conversions: t.conversions,
          conversionRate: ratio(t.convertedMessages, t.sent),
          attributedRevenue: t.attributedRevenue,
          revenuePerRecipient: ratio(t.attributedRevenue, t.sent),
        };
      }),
    };
  }
}
