import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { shopDayOf } from '@kizuna/analytics';
import { LiftService } from '@kizuna/journeys';
import { RequireRoles, Role } from '@kizuna/auth';
import { Clock, parseOrThrow } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';
import { periodOnlyQuery, ratioView } from './report-query';

const estimate = z.object({ value: z.number(), interval: z.object({ low: z.number(), high: z.number() }) });
const group = z.object({
  entrants: z.number().int(),
  converted: z.number().int(),
  rate: ratioView,
  revenue: z.number(),
});

const liftResponse = z.object({
  journeyId: z.uuid(),
  status: z.enum(['no-holdout', 'no-goal', 'not-enough-data', 'ready']),
  holdout: z.number().nullable(),
  goalWithin: z.string().nullable().describe('goal.within (ISO-8601): the outcome window of both groups'),
  asOf: z.iso.datetime().describe('entrants count once their whole goal window has passed by this instant'),
  from: z.iso.date(),
  to: z.iso.date(),
  countedThrough: z.iso.date().nullable().describe('the last entry day counted (its goal windows have passed)'),
  inProgress: z.number().int().describe('entrants of the period whose goal window is still open: not counted'),
  treated: group,
  control: group,
  moreEntrantsNeeded: z.number().int().nullable().describe('when not-enough-data: entrants still needed'),
  absoluteLift: estimate.nullable().describe('treated rate − control rate, Newcombe hybrid score interval'),
  relativeLift: estimate.nullable().describe('treated rate / control rate − 1, Katz log interval'),
  pValue: z.number().nullable().describe('two-sided pooled two-proportion z-test'),
  significant: z.boolean().nullable(),
  incrementalConversions: estimate.nullable(),
  incrementalRevenue: estimate.nullable().describe('shop currency; Welch standard error'),
  entriesPerCustomer: z.number().nullable().describe("entries / customers over the journey's whole history"),
});

const splitsResponse = z.object({
  journeyId: z.uuid(),
  asOf: z.iso.datetime(),
  from: z.iso.date(),
  to: z.iso.date(),
  countedThrough: z.iso.date().nullable(),
  splits: z.array(
    z.object({
      stepId: z.string(),
      autoWinner: z.boolean(),
      winner: z.string().nullable().describe('the recorded verdict (taken once, at the horizon)'),
      declaredAt: z.iso.datetime().nullable(),
      status: z.enum(['no-goal', 'not-enough-data', 'ready']),
      moreEntrantsNeeded: z.number().int().nullable(),
      confidence: z.number().describe('of each comparison with the control: Bonferroni over the k − 1 comparisons'),
      paths: z.array(
        z.object({
          path: z.string(),
          entrants: z.number().int(),
          converted: z.number().int(),
          rate: ratioView,
          revenue: z.number(),
          inProgress: z.number().int(),
          sent: z
            .number()
            .int()
            .describe('messages sent after this path (the last split before their step), created in the period'),
          uniqueClicks: z.number().int().describe('of those, messages clicked by a person (not a scanner)'),
          vsControl: z
            .object({
              absoluteLift: estimate,
              relativeLift: estimate.nullable(),
              pValue: z.number(),
              significant: z.boolean(),
            })
            .nullable()
            .describe('null for the control (the first path) and below the minimum sample'),
        }),
      ),
    }),
  ),
});

/**
 * Holdout lift and A/B tests of a journey (docs/analytics.md, "Lift", "A/B tests"). Both read
 * the `entry_daily` rollup: a sum over the period's days and 16 slots per group and path.
 */
@ApiTags('analytics')
@ApiBearerAuth()
@Controller('v1/analytics/journeys')
@RequireRoles(Role.Marketer, Role.Ops)
export class JourneyLiftController {
  constructor(
    private readonly lift: LiftService,
    private readonly clock: Clock,
    private readonly config: KizunaConfig,
  ) {}

  /** The report period: from and to, shop days, default the 30 ending today (report-query.ts). */
  private period(query: unknown): { from: string; to: string } {
    const timeZone = this.config.shop.timeZone;
    return parseOrThrow(periodOnlyQuery(shopDayOf(this.clock.now().getTime(), timeZone), timeZone), query ?? {});
  }

  @Get(':id/lift')
  @ApiOperation({ summary: 'Holdout lift: treated vs held-out entrants over the goal window, with intervals' })
  @ApiQuery({ name: 'from', required: false, description: 'shop day YYYY-MM-DD; default 29 days before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'shop day YYYY-MM-DD; default today' })
  @ApiOkResponse({ schema: openApiSchema(liftResponse) })
  async journeyLift(@Param('id') id: string, @Query() query: unknown): Promise<z.infer<typeof liftResponse>> {
    const period = this.period(query);
    const { from, to, ...figures } = await this.lift.lift(id, period);
    return { ...figures, from, to };
  }

  @Get(':id/splits')
  @ApiOperation({ summary: 'A/B tests of the split steps: per path, each against the first (the control)' })
  @ApiQuery({ name: 'from', required: false, description: 'shop day YYYY-MM-DD; default 29 days before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'shop day YYYY-MM-DD; default today' })
  @ApiOkResponse({ schema: openApiSchema(splitsResponse) })
  async splits(@Param('id') id: string, @Query() query: unknown): Promise<z.infer<typeof splitsResponse>> {
    const period = this.period(query);
    const report = await this.lift.splits(id, period);
    return {
      journeyId: report.journeyId,
      asOf: report.asOf,
      from: report.from!,
      to: report.to!,
      countedThrough: report.countedThrough,
      splits: report.splits.map(({ current: _current, ...split }) => split),
    };
  }
}
