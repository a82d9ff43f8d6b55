import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireRoles, Role, type AuthenticatedRequest } from '@kizuna/auth';
import { Clock, invalidRequest, parseOrThrow } from '@kizuna/common';
import { JourneysService } from '@kizuna/journeys';
import { MessagesService, SUPPRESSION_REASONS } from '@kizuna/messaging';
import { TemplatesService } from '@kizuna/templates';
import type { Response } from 'express';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';
import { csvHeader, csvRow } from './csv.util';
import {
  EXPORT_COLUMNS,
  exportRow,
  filtersView,
  healthView,
  messageDetailView,
  messagePageView,
  STATUSES,
  suppressionPageView,
  suppressionView,
  toDetail,
  toHealth,
  toSummary,
  toSuppression,
} from './messages.views';

const instant = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time with a time zone' });

const filterQuery = {
  customerId: z.string().min(1).max(255).optional(),
  journeyId: z.uuid().optional(),
  templateKey: z.string().min(1).max(100).optional(),
  status: z.enum(STATUSES).optional(),
  from: instant.optional(),
  to: instant.optional(),
};
const listQuery = z.strictObject({
  ...filterQuery,
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().min(1).optional(),
});
const exportQuery = z.strictObject(filterQuery);
const periodOf = ({ from, to }: { from?: string; to?: string }) => ({
  from: from === undefined ? undefined : new Date(from),
  to: to === undefined ? undefined : new Date(to),
});

/** Actions without options take an empty body, or none. */
const noOptions = z.strictObject({});
const DAY_MS = 86_400_000;
const MAX_STATS_PERIOD_MS = 366 * DAY_MS;
/** The period defaults to the day before `now` (the clock's, read per request). */
const statsQuery = (now: Date) =>
  z
    .strictObject({ from: instant.optional(), to: instant.optional() })
    .transform(({ from, to }) => {
      const end = to === undefined ? now : new Date(to);
      return { from: from === undefined ? new Date(end.getTime() - DAY_MS) : new Date(from), to: end };
    })
    .refine(({ from, to }) => from < to, { path: ['from'], message: 'must be before "to"' });

const sendingStateView = z.object({
  paused: z.boolean(),
  reason: z.string().nullable(),
  changedAt: z.string().nullable(),
  changedBy: z.string().nullable().describe('the API key id, or user:<email> for a console user'),
});

const pauseSchema = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

const suppressionSchema = z
  .object({
    email: z.string().min(1).max(320),
    reason: z.enum(SUPPRESSION_REASONS).default('manual'),
    note: z.string().max(1000).optional(),
  })
  .strict();
const suppressionQuery = z.strictObject({
  email: z.string().min(1).max(320).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.string().min(1).optional(),
});
const removeQuery = z.strictObject({ reason: z.enum(SUPPRESSION_REASONS).optional() });

@ApiTags('messages')
@ApiBearerAuth()
@Controller('v1')
@RequireRoles(Role.Ops)
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly journeys: JourneysService,
    private readonly templates: TemplatesService,
    private readonly clock: Clock,
  ) {}

  @Get('messages')
  @ApiOperation({ summary: 'Messages, newest first, filtered' })
  @ApiQuery({ name: 'customerId', required: false })
  @ApiQuery({ name: 'journeyId', required: false })
  @ApiQuery({ name: 'templateKey', required: false })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'from', required: false, description: 'created at or after' })
  @ApiQuery({ name: 'to', required: false, description: 'created before' })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiQuery({ name: 'before', required: false, description: 'nextCursor from the previous page' })
  @ApiOkResponse({ schema: openApiSchema(messagePageView) })
  async list(@Query() query: unknown): Promise<z.infer<typeof messagePageView>> {
    const { before, from, to, ...filter } = parseOrThrow(listQuery, query);
    const page = await this.messages.list({ ...filter, ...periodOf({ from, to }) }, before);
    return { messages: page.messages.map(toSummary), nextCursor: page.nextCursor };
  }

  // Declared before messages/:id, which would otherwise take "export.csv" for an id.
  @Get('messages/export.csv')
  @ApiOperation({
    summary: 'The filtered message log as CSV (RFC 4180, UTF-8), newest first, streamed',
    description:
      'Same filters as GET /v1/messages, every matching message. Values that a spreadsheet would run as a ' +
      'formula (starting with =, +, -, @, tab or carriage return) are prefixed with an apostrophe.',
  })
  @ApiQuery({ name: 'customerId', required: false })
  @ApiQuery({ name: 'journeyId', required: false })
  @ApiQuery({ name: 'templateKey', required: false })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'from', required: false, description: 'created at or after' })
  @ApiQuery({ name: 'to', required: false, description: 'created before' })
  @ApiProduces('text/csv')
  async export(@Query() query: unknown, @Res() res: Response): Promise<void> {
    const { from, to, ...filter } = parseOrThrow(exportQuery, query);
    const journeyNames = new Map((await this.journeys.list()).map((j) => [j.id, j.name]));
    const stamp = this.clock.now().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8; header=present');
    res.setHeader('Content-Disposition', `attachment; filename="messages-${stamp}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    // The byte-order mark makes spreadsheet programs read the file as UTF-8 (Japanese names, subjects).
    await write(res, `\uFEFF${csvHeader(EXPORT_COLUMNS)}`);
    try {
      for await (const page of this.messages.export({ ...filter, ...periodOf({ from, to }) })) {
        await write(res, page.map((m) => csvRow(exportRow(m, journeyNames))).join(''));
      }
      res.end();
    } catch (error) {
      // The status line has gone: cut the response short, so the file is visibly incomplete.
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  @Get('messages/filters')
  @ApiOperation({ summary: "What the message log's journey and template filters offer (names for ids)" })
  @ApiOkResponse({ schema: openApiSchema(filtersView) })
  async filters(): Promise<z.infer<typeof filtersView>> {
    const [journeys, templates] = await Promise.all([this.journeys.list(), this.templates.list(undefined, true)]);
    return {
      journeys: journeys.map((j) => ({ id: j.id, name: j.name, status: j.status })),
      templates: templates.map((t) => ({ key: t.key, kind: t.kind, description: t.description })),
    };
  }

  // Declared before messages/:id, which would otherwise take "stats" for an id.
  @Get('messages/stats')
  @ApiOperation({
    summary:
      'Sending health: the queue now, deferred messages by reason, delivery attempts over a period, and attempts ' +
      'closed as unknown (messages possibly delivered twice)',
    description:
      'Defined in docs/analytics.md, "Sending health". An attempt is closed as unknown when its worker stopped (or ' +
      'lost its lease) between handing the message over and recording the answer; the message was then sent ' +
      'again. `inPeriod` and `attempts` count those finished in [from, to); the period defaults to the 24 hours ' +
      'before `to` (default: now). Attempts come by the UTC hour for periods up to 7 days, by the UTC day beyond.',
  })
  @ApiQuery({ name: 'from', required: false, description: 'ISO-8601; default: 24 h before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO-8601, exclusive; default: now' })
  @ApiOkResponse({ schema: openApiSchema(healthView) })
  async stats(@Query() query: unknown): Promise<z.infer<typeof healthView>> {
    const now = this.clock.now();
    const { from, to } = parseOrThrow(statsQuery(now), query);
    if (to.getTime() - from.getTime() > MAX_STATS_PERIOD_MS) {
      throw invalidRequest([{ path: 'from', message: 'the period may span at most 366 days' }]);
    }
    return toHealth(from, to, now, await this.messages.health(from, to, now));
  }

  @Get('messages/:id')
  @ApiOperation({ summary: 'One message: rendered content and every attempt' })
  @ApiOkResponse({ schema: openApiSchema(messageDetailView) })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<z.infer<typeof messageDetailView>> {
    return toDetail(await this.messages.detail(id));
  }

  @Post('messages/:id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Queue a failed message again (rendered afresh)' })
  @ApiOkResponse({ schema: openApiSchema(messageDetailView) })
  async retry(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown) {
    parseOrThrow(noOptions, body ?? {});
    return toDetail(await this.messages.retry(id));
  }

  @Get('sending')
  @ApiOperation({ summary: 'Whether sending is paused (the kill switch)' })
  @ApiOkResponse({ schema: openApiSchema(sendingStateView) })
  sending() {
    return this.messages.sendingState();
  }

  @Post('sending/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause all sending, in every worker, until resumed' })
  @ApiBody({ schema: openApiSchema(pauseSchema), required: false })
  @ApiOkResponse({ schema: openApiSchema(sendingStateView) })
  pause(@Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const { reason } = parseOrThrow(pauseSchema, body ?? {});
    return this.messages.setSending(true, reason ?? null, req.principal?.keyId ?? 'unknown');
  }

  @Post('sending/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume sending' })
  @ApiOkResponse({ schema: openApiSchema(sendingStateView) })
  resume(@Body() body: unknown, @Req() req: AuthenticatedRequest) {
    parseOrThrow(noOptions, body ?? {});
    return this.messages.setSending(false, null, req.principal?.keyId ?? 'unknown');
  }

  @Get('suppressions')
  @ApiOperation({ summary: 'The suppression list, newest first (or one address)' })
  @ApiQuery({ name: 'email', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 100' })
  @ApiQuery({ name: 'before', required: false, description: 'nextCursor from the previous page' })
  @ApiOkResponse({ schema: openApiSchema(suppressionPageView) })
  async suppressions(@Query() query: unknown): Promise<z.infer<typeof suppressionPageView>> {
    const { email, limit, before } = parseOrThrow(suppressionQuery, query);
    const page = await this.messages.listSuppressions(email, limit, before);
    return { suppressions: page.suppressions.map(toSuppression), nextCursor: page.nextCursor };
  }

  @Post('suppressions')
  @ApiOperation({
    summary: 'Suppress an address: manual and hard_bounce stop all mail, complaint and unsubscribe marketing',
  })
  @ApiBody({ schema: openApiSchema(suppressionSchema) })
  @ApiOkResponse({ schema: openApiSchema(suppressionView) })
  async suppress(@Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const { email, reason, note } = parseOrThrow(suppressionSchema, body);
    return toSuppression(await this.messages.suppress(email, reason, note ?? null, req.principal?.keyId ?? 'unknown'));
  }

  @Delete('suppressions/:email')
  @ApiOperation({ summary: 'Lift the suppression of an address (one reason with ?reason=, else all)' })
  @ApiQuery({ name: 'reason', required: false, enum: SUPPRESSION_REASONS })
  @ApiOkResponse({ schema: openApiSchema(z.object({ removed: z.number().int() })) })
  unsuppress(@Param('email') email: string, @Query() query: unknown) {
    return this.messages.unsuppress(email, parseOrThrow(removeQuery, query).reason);
  }
}

/** Writes a chunk, waiting when the client reads slower than the database answers. */
function write(res: Response, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (res.destroyed) {
      reject(new Error('the client went away'));
      return;
    }
    if (res.write(chunk)) {
      resolve();
    } else {
      res.once('drain', resolve);
      res.once('close', () => reject(new Error('the client went away')));
    }
  });
}
