import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { RequireRoles, Role } from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
import {
  createSegmentSchema,
  SegmentsService,
  updateSegmentSchema,
  type Segment,
  type SegmentPreview,
} from '@kizuna/segments';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';

const view = (s: Segment) => ({
  id: s.id,
  key: s.key,
  name: s.name,
  description: s.description,
  rule: s.rule,
  ready: s.ready,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

const isoDate = z.string().describe('ISO-8601 date-time');
const segmentView = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  /** A condition of docs/conditions.md, in canonical form. */
  rule: z.record(z.string(), z.unknown()),
  ready: z.boolean(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
const contact = { customerId: z.string().nullable(), email: z.string().nullable() };
const previewView = z.object({
  evaluated: z.number().int(),
  matched: z.number().int(),
  sample: z.array(z.object(contact)),
});
const membersView = z.object({
  members: z.array(z.object({ ...contact, enteredAt: isoDate })),
  nextCursor: z.string().nullable(),
});

const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().min(1).optional(),
  // Offset paging skipped and repeated members while entries changed; ignoring the parameter
  // would hand an old client page one forever.
  offset: z.undefined({ error: 'offset paging was replaced by before=<nextCursor of the previous page>' }).optional(),
});

@ApiTags('segments')
@ApiBearerAuth()
@Controller('v1/segments')
@RequireRoles(Role.Marketer)
export class SegmentsController {
  constructor(private readonly segments: SegmentsService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a segment; existing customers are evaluated in the background (ready: false until done)',
  })
  @ApiBody({ schema: openApiSchema(createSegmentSchema) })
  @ApiCreatedResponse({ schema: openApiSchema(segmentView) })
  async create(@Body() body: unknown) {
    return view(await this.segments.create(body));
  }

  @Post('preview')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Evaluate an unsaved rule against existing customers (up to 10,000 of them)' })
  @ApiBody({ schema: openApiSchema(z.object({ rule: z.record(z.string(), z.unknown()) })) })
  @ApiOkResponse({ schema: openApiSchema(previewView) })
  preview(@Body() body: unknown): Promise<SegmentPreview> {
    return this.segments.preview(body);
  }

  @Get()
  @RequireRoles(Role.Marketer, Role.Ops)
  @ApiOperation({ summary: 'List segments, each with its member count' })
  @ApiOkResponse({
    schema: openApiSchema(z.object({ segments: z.array(segmentView.extend({ memberCount: z.number().int() })) })),
  })
  async list() {
    const listed = await this.segments.listWithCounts();
    return { segments: listed.map(({ segment, memberCount }) => ({ ...view(segment), memberCount })) };
  }

  @Get(':id')
  @RequireRoles(Role.Marketer, Role.Ops)
  @ApiOperation({ summary: 'A segment' })
  @ApiOkResponse({ schema: openApiSchema(segmentView) })
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    return view(await this.segments.get(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename, describe or change the rule (a new rule is evaluated for everyone again)' })
  @ApiBody({ schema: openApiSchema(updateSegmentSchema) })
  @ApiOkResponse({ schema: openApiSchema(segmentView) })
  async update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown) {
    return view(await this.segments.update(id, body));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Archive a segment' })
  @ApiNoContentResponse({ description: 'archived' })
  async archive(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.segments.archive(id);
  }

  @Get(':id/count')
  @RequireRoles(Role.Marketer, Role.Ops)
  @ApiOperation({ summary: 'Member count' })
  @ApiOkResponse({ schema: openApiSchema(z.object({ count: z.number().int(), ready: z.boolean() })) })
  count(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.segments.count(id);
  }

  @Get(':id/members')
  @RequireRoles(Role.Marketer, Role.Ops)
  @ApiOperation({ summary: 'Members, most recent entries first' })
  @ApiOkResponse({ schema: openApiSchema(membersView) })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 50' })
  @ApiQuery({ name: 'before', required: false, description: 'nextCursor from the previous page' })
  async members(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: unknown) {
    const { limit, before } = parseOrThrow(pageQuery, query);
    const page = await this.segments.members(id, limit, before);
    return {
      members: page.members.map((m) => ({ ...m, enteredAt: m.enteredAt.toISOString() })),
      nextCursor: page.nextCursor,
    };
  }
}
