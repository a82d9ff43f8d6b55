import { Body, Controller, Headers, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, Role } from '@kizuna/auth';
import { eventsIngested, parseOrThrow } from '@kizuna/common';
import {
  EventIngestService,
  MAX_BATCH_SIZE,
  nativeBatchSchema,
  nativeEventSchema,
  type IngestResult,
} from '@kizuna/events';
import type { Response } from 'express';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';

const objectBody = z.record(z.string(), z.unknown(), { message: 'the body must be a JSON object' });

@ApiTags('events')
@ApiBearerAuth()
@Controller('v1/events')
@RequireRoles(Role.Ingest)
export class EventsController {
  constructor(private readonly ingest: EventIngestService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Ingest one event. 202 once it is durably stored; the same key again returns the same result.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Used when the body has no messageId' })
  @ApiBody({ schema: openApiSchema(nativeEventSchema) })
  async ingestOne(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<IngestResult> {
    const input = parseOrThrow(objectBody, body);
    const [result] = await this.ingest.ingest('api', [
      { input, path: '(body)', messageId: idempotencyKey?.trim() || undefined },
    ]);
    count([result!]);
    if (result!.status === 'duplicate') {
      response.setHeader('Idempotent-Replayed', 'true');
    }
    return result!;
  }

  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: `Ingest up to ${MAX_BATCH_SIZE} events at once, all or nothing.` })
  @ApiBody({ schema: openApiSchema(z.object({ events: z.array(nativeEventSchema).max(MAX_BATCH_SIZE) })) })
  async ingestBatch(@Body() body: unknown): Promise<{ accepted: number; duplicates: number; results: IngestResult[] }> {
    const { events } = parseOrThrow(nativeBatchSchema, body);
    const results = await this.ingest.ingest(
      'api',
      events.map((input, i) => ({ input, path: `events[${i}]` })),
    );
    count(results);
    const accepted = results.filter((r) => r.status === 'accepted').length;
    return { accepted, duplicates: results.length - accepted, results };
  }
}

function count(results: IngestResult[]): void {
  for (const r of results) {
    eventsIngested.inc({ source: 'api', result: r.status });
  }
}
