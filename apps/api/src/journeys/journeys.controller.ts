import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireRoles, Role } from '@kizuna/auth';
import { findUntrustedValueIssues, invalidRequest, parseOrThrow } from '@kizuna/common';
import {
  journeyDefinitionSchema,
  JourneysService,
  parseDefinitionText,
  simulationRequestSchema,
  type JourneyDetails,
  type JourneyRow,
} from '@kizuna/journeys';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';
import {
  journeyCountsView,
  journeyDetailsView,
  journeyListView,
  simulationView,
  stepCustomersView,
  validationView,
} from './journey.views';
import { Consumes, YAML_MEDIA_TYPES } from '../http/request-body.decorators';

const publishSchema = z.strictObject({
  /** Old step id -> new step id, for in-flight instances of the previous active version. */
  migrate: z.record(z.string(), z.string()).optional(),
});

const stepCustomersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

const stepIdParam = z.string().regex(/^[A-Za-z0-9][\w-]{0,63}$/, 'must be a step id');

/** Lifecycle actions take no options: an empty body, or none. */
const noOptions = z.strictObject({});

/**
 * A definition arrives as JSON, or as YAML text (Content-Type: application/yaml). The edge
 * check saw only the text; what the YAML parser made of it (escapes such as "\0", nesting)
 * passes the same check as a JSON body.
 */
function definitionOf(body: unknown): unknown {
  if (typeof body !== 'string') {
    return body;
  }
  const parsed = parseDefinitionText(body, 'yaml');
  const issues = findUntrustedValueIssues(parsed);
  if (issues.length > 0) {
    throw invalidRequest(issues);
  }
  return parsed;
}

const summary = (j: JourneyRow) => ({
  id: j.id,
  name: j.name,
  status: j.status,
  activeVersion: j.activeVersion ?? null,
  createdAt: j.createdAt.toISOString(),
  updatedAt: j.updatedAt.toISOString(),
});

const details = (j: JourneyDetails) => ({
  ...summary(j),
  versions: j.versions.map((v) => ({
    version: v.version,
    publishedAt: v.publishedAt?.toISOString() ?? null,
    createdAt: v.createdAt.toISOString(),
    definition: v.definition,
  })),
});

const definitionBody = {
  description: 'A journey definition (docs/journeys.md), as JSON or YAML',
  schema: openApiSchema(journeyDefinitionSchema),
};

@ApiTags('journeys')
@ApiBearerAuth()
@Controller('v1/journeys')
@RequireRoles(Role.Marketer)
export class JourneysController {
  constructor(private readonly journeys: JourneysService) {}

  @Get('schema')
  @ApiOperation({ summary: 'The JSON Schema of a journey definition' })
  schema() {
    return this.journeys.jsonSchema();
  }

  @Post('validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check a definition without saving it; 400 names every problem by its path' })
  @Consumes('application/json', ...YAML_MEDIA_TYPES)
  @ApiBody(definitionBody)
  @ApiOkResponse({ schema: openApiSchema(validationView) })
  async validate(@Body() body: unknown) {
    const { definition } = await this.journeys.validate(definitionOf(body));
    return { valid: true, definition };
  }

  @Get()
  @RequireRoles(Role.Marketer, Role.Ops)
  @ApiOperation({ summary: 'List journeys, each with how many entered it and how many are in it now' })
  @ApiOkResponse({ schema: openApiSchema(journeyListView) })
  async list() {
    return {
      journeys: (await this.journeys.list()).map((j) => ({
        ...summary(j),
        entered: j.entered,
        activeNow: j.activeNow,
      })),
    };
  }

  @Post()
  @ApiOperation({ summary: 'Create a journey (version 1, draft)' })
  @Consumes('application/json', ...YAML_MEDIA_TYPES)
  @ApiBody(definitionBody)
  @ApiOkResponse({ schema: openApiSchema(journeyDetailsView) })
  async create(@Body() body: unknown) {
    return details(await this.journeys.create(definitionOf(body)));
  }

  @Get(':id')
  @RequireRoles(Role.Marketer, Role.Ops)
  @ApiOperation({ summary: 'A journey with all its versions' })
  @ApiOkResponse({ schema: openApiSchema(journeyDetailsView) })
  async get(@Param('id') id: string) {
    return details(await this.journeys.get(id));
  }

  @Put(':id')
  @ApiOperation({ summary: 'Save a new draft version (published versions never change)' })
  @Consumes('application/json', ...YAML_MEDIA_TYPES)
  @ApiBody(definitionBody)
  @ApiOkResponse({ schema: openApiSchema(journeyDetailsView) })
  async update(@Param('id') id: string, @Body() body: unknown) {
    return details(await this.journeys.update(id, definitionOf(body)));
  }

  @Post(':id/publish')
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish the draft; optionally migrate in-flight instances with a step map' })
  @ApiBody({ schema: openApiSchema(publishSchema) })
  @ApiOkResponse({ schema: openApiSchema(journeyDetailsView) })
  async publish(@Param('id') id: string, @Body() body: unknown) {
    const { migrate } = parseOrThrow(publishSchema, body ?? {});
    return details(await this.journeys.publish(id, migrate));
  }

  @Post(':id/pause')
  @RequireRoles(Role.Marketer, Role.Ops)
  @HttpCode(200)
  @ApiOperation({ summary: 'Hold every instance where it is; timers due meanwhile fire on resume' })
  @ApiOkResponse({ schema: openApiSchema(journeyDetailsView) })
  async pause(@Param('id') id: string, @Body() body: unknown) {
    parseOrThrow(noOptions, body ?? {});
    return details(await this.journeys.pause(id));
  }

  @Post(':id/resume')
  @RequireRoles(Role.Marketer, Role.Ops)
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused journey' })
  @ApiOkResponse({ schema: openApiSchema(journeyDetailsView) })
  async resume(@Param('id') id: string, @Body() body: unknown) {
    parseOrThrow(noOptions, body ?? {});
    return details(await this.journeys.resume(id));
  }

  @Post(':id/archive')
  @HttpCode(200)
  @ApiOperation({ summary: 'End the journey: active instances exit (reason archived)' })
  @ApiOkResponse({ schema: openApiSchema(journeyDetailsView) })
  async archive(@Param('id') id: string, @Body() body: unknown) {
    parseOrThrow(noOptions, body ?? {});
    return details(await this.journeys.archive(id));
  }

  @Post(':id/simulate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run the journey for a made-up customer and timeline on a virtual clock; nothing is written or sent',
  })
  @ApiBody({ schema: openApiSchema(simulationRequestSchema) })
  @ApiOkResponse({ schema: openApiSchema(simulationView) })
  simulate(@Param('id') id: string, @Body() body: unknown) {
    return this.journeys.simulate(id, parseOrThrow(simulationRequestSchema, body));
  }

  @Get(':id/counts')
  @RequireRoles(Role.Marketer, Role.Ops)
  @ApiOperation({ summary: 'Entered, currently in, exited by reason, held out, goal reached; per journey and step' })
  @ApiOkResponse({ schema: openApiSchema(journeyCountsView) })
  counts(@Param('id') id: string) {
    return this.journeys.counts(id);
  }

  @Get(':id/steps/:stepId/customers')
  @RequireRoles(Role.Marketer, Role.Ops)
  @ApiOperation({ summary: 'The customers resting in a step now, earliest entry first (keyset pages)' })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor from the previous page' })
  @ApiOkResponse({ schema: openApiSchema(stepCustomersView) })
  async stepCustomers(@Param('id') id: string, @Param('stepId') stepId: string, @Query() query: unknown) {
    const { limit, cursor } = parseOrThrow(stepCustomersQuery, query);
    const page = await this.journeys.customersAtStep(id, parseOrThrow(stepIdParam, stepId, 'stepId'), limit, cursor);
    return {
      customers: page.customers.map((c) => ({
        ...c,
        enteredAt: c.enteredAt.toISOString(),
        since: c.since.toISOString(),
        nextTimerAt: c.nextTimerAt?.toISOString() ?? null,
      })),
      nextCursor: page.nextCursor,
    };
  }
}
