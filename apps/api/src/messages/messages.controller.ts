import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireRoles, Role, type AuthenticatedRequest } from '@kizuna/auth';
import { Clock, parseOrThrow } from '@kizuna/common';
import {
  MessagesService,
  SUPPRESSION_REASONS,
  type MessageDetail,
  type MessageSummary,
  type Suppression,
} from '@kizuna/messaging';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';

const STATUSES = ['queued', 'sending', 'sent', 'deferred', 'failed', 'suppressed', 'skipped'] as const;
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time with a time zone' });

const listQuery = z.strictObject({
  customerId: z.string().min(1).max(255).optional(),
  journeyId: z.uuid().optional(),
  templateKey: z.string().min(1).max(100).optional(),
  status: z.enum(STATUSES).optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().min(1).optional(),
});

/** Actions without options take an empty body, or none. */
const noOptions = z.strictObject({});
const DAY_MS = 86_400_000;
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
});
const removeQuery = z.strictObject({ reason: z.enum(SUPPRESSION_REASONS).optional() });

const suppressionView = (s: Suppression) => ({ ...s, createdAt: s.createdAt.toISOString() });

const iso = (d: Date | null) => d?.toISOString() ?? null;

const summary = (m: MessageSummary) => ({
  ...m,
  notBefore: m.notBefore.toISOString(),
  createdAt: m.createdAt.toISOString(),
  sentAt: iso(m.sentAt),
});

const detail = (m: MessageDetail) => ({
  ...summary(m),
  attemptLog: m.attemptLog.map((a) => ({ ...a, startedAt: a.startedAt.toISOString(), finishedAt: iso(a.finishedAt) })),
});

@ApiTags('messages')
@ApiBearerAuth()
@Controller('v1')
@RequireRoles(Role.Ops)
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
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
  async list(@Query() query: unknown) {
    const { before, from, to, ...filter } = parseOrThrow(listQuery, query);
    const page = await this.messages.list(
      {
        ...filter,
        from: from === undefined ? undefined : new Date(from),
        to: to === undefined ? undefined : new Date(to),
      },
      before,
    );
    return { messages: page.messages.map(summary), nextCursor: page.nextCursor };
  }

  // Declared before messages/:id, which would otherwise take "stats" for an id.
  @Get('messages/stats')
  @ApiOperation({
    summary: 'Attempts closed as unknown (messages possibly delivered twice), per channel: all, and in a period',
    description:
      'An attempt is closed as unknown when its worker stopped (or lost its lease) between handing the message ' +
      'over and recording the answer; the message was then sent again. `inPeriod` counts those closed in ' +
      '[from, to); the period defaults to the 24 hours before `to` (default: now).',
  })
  @ApiQuery({ name: 'from', required: false, description: 'ISO-8601; default: 24 h before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO-8601, exclusive; default: now' })
  async stats(@Query() query: unknown) {
    const { from, to } = parseOrThrow(statsQuery(this.clock.now()), query);
    return {
      period: { from: from.toISOString(), to: to.toISOString() },
      unknownAttempts: await this.messages.unknownAttempts(from, to),
    };
  }

  @Get('messages/:id')
  @ApiOperation({ summary: 'One message: rendered content and every attempt' })
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    return detail(await this.messages.detail(id));
  }

  @Post('messages/:id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Queue a failed message again (rendered afresh)' })
  async retry(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown) {
    parseOrThrow(noOptions, body ?? {});
    return detail(await this.messages.retry(id));
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
  async suppressions(@Query() query: unknown) {
    const { email, limit } = parseOrThrow(suppressionQuery, query);
    return { suppressions: (await this.messages.listSuppressions(email, limit)).map(suppressionView) };
  }

  @Post('suppressions')
  @ApiOperation({
    summary: 'Suppress an address: manual and hard_bounce stop all mail, complaint and unsubscribe marketing',
  })
  async suppress(@Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const { email, reason, note } = parseOrThrow(suppressionSchema, body);
    return suppressionView(
      await this.messages.suppress(email, reason, note ?? null, req.principal?.keyId ?? 'unknown'),
    );
  }

  @Delete('suppressions/:email')
  @ApiOperation({ summary: 'Lift the suppression of an address (one reason with ?reason=, else all)' })
  @ApiQuery({ name: 'reason', required: false, enum: SUPPRESSION_REASONS })
  unsuppress(@Param('email') email: string, @Query() query: unknown) {
    return this.messages.unsuppress(email, parseOrThrow(removeQuery, query).reason);
  }
}
