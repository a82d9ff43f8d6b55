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
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireRoles, Role } from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
import { createSegmentSchema, SegmentsService, type Segment, type SegmentPreview } from '@kizuna/segments';
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
  async create(@Body() body: unknown) {
    return view(await this.segments.create(body));
  }

  @Post('preview')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Evaluate an unsaved rule against existing customers' })
  preview(@Body() body: unknown): Promise<SegmentPreview> {
    return this.segments.preview(body);
  }

  @Get()
  @ApiOperation({ summary: 'List segments' })
  async list() {
    return { segments: (await this.segments.list()).map(view) };
  }

  @Get(':id')
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    return view(await this.segments.get(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename, describe or change the rule (a new rule is evaluated for everyone again)' })
  async update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown) {
    return view(await this.segments.update(id, body));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Archive a segment' })
  async archive(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.segments.archive(id);
  }

  @Get(':id/count')
  @ApiOperation({ summary: 'Member count' })
  count(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.segments.count(id);
  }

  @Get(':id/members')
  @ApiOperation({ summary: 'Members, most recent entries first' })
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
