import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, Role } from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
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

const publishSchema = z.strictObject({
  /** Old step id -> new step id, for in-flight instances of the previous active version. */
  migrate: z.record(z.string(), z.string()).optional(),
});

/** A definition arrives as JSON, or as YAML text (Content-Type: application/yaml). */
function definitionOf(body: unknown): unknown {
  return typeof body === 'string' ? parseDefinitionText(body, 'yaml') : body;
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
  @ApiConsumes('application/json', 'application/yaml')
  @ApiBody(definitionBody)
  async validate(@Body() body: unknown) {
    const { definition } = await this.journeys.validate(definitionOf(body));
    return { valid: true, definition };
  }

  @Get()
  @ApiOperation({ summary: 'List journeys' })
  async list() {
    return { journeys: (await this.journeys.list()).map(summary) };
  }

  @Post()
  @ApiOperation({ summary: 'Create a journey (version 1, draft)' })
  @ApiConsumes('application/json', 'application/yaml')
  @ApiBody(definitionBody)
  async create(@Body() body: unknown) {
    return details(await this.journeys.create(definitionOf(body)));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A journey with all its versions' })
  async get(@Param('id') id: string) {
    return details(await this.journeys.get(id));
  }

  @Put(':id')
  @ApiOperation({ summary: 'Save a new draft version (published versions never change)' })
  @ApiConsumes('application/json', 'application/yaml')
  @ApiBody(definitionBody)
  async update(@Param('id') id: string, @Body() body: unknown) {
    return details(await this.journeys.update(id, definitionOf(body)));
  }

  @Post(':id/publish')
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish the draft; optionally migrate in-flight instances with a step map' })
  @ApiBody({ schema: openApiSchema(publishSchema) })
  async publish(@Param('id') id: string, @Body() body: unknown) {
    const { migrate } = parseOrThrow(publishSchema, body ?? {});
    return details(await this.journeys.publish(id, migrate));
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Hold every instance where it is; timers due meanwhile fire on resume' })
  async pause(@Param('id') id: string) {
    return details(await this.journeys.pause(id));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused journey' })
  async resume(@Param('id') id: string) {
    return details(await this.journeys.resume(id));
  }

  @Post(':id/archive')
  @HttpCode(200)
  @ApiOperation({ summary: 'End the journey: active instances exit (reason archived)' })
  async archive(@Param('id') id: string) {
    return details(await this.journeys.archive(id));
  }

  @Post(':id/simulate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run the journey for a made-up customer and timeline on a virtual clock; nothing is written or sent',
  })
  @ApiBody({ schema: openApiSchema(simulationRequestSchema) })
  simulate(@Param('id') id: string, @Body() body: unknown) {
    return this.journeys.simulate(id, parseOrThrow(simulationRequestSchema, body));
  }

  @Get(':id/counts')
  @ApiOperation({ summary: 'Entered, currently in, exited by reason, held out, goal reached; per journey and step' })
  counts(@Param('id') id: string) {
    return this.journeys.counts(id);
  }
}
