import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBasicAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AcceptBasicAuth, RequireRoles, Role } from '@kizuna/auth';
import { eventsIngested, parseOrThrow } from '@kizuna/common';
import {
  EventIngestService,
  mapSegmentMessages,
  segmentBatchSchema,
  segmentMessageSchema,
  type SkippedMessage,
} from '@kizuna/events';
import { ReplaceInvalidText } from '../http/request-body.decorators';

export interface SegmentResponse {
  success: true;
  /** Messages acknowledged but not stored (anonymous visitors, page/screen/group/alias calls). */
  skipped: SkippedMessage[];
}

/**
 * The Segment HTTP Tracking API, so analytics-node, analytics.js and RudderStack SDKs send to
 * Kizuna unchanged: the write key is an API key with the ingest role (HTTP Basic user name).
 */
@ApiTags('segment')
@ApiBasicAuth()
@Controller('v1')
@RequireRoles(Role.Ingest)
@ReplaceInvalidText()
@AcceptBasicAuth()
export class SegmentController {
  constructor(private readonly ingest: EventIngestService) {}

  @Post('track')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Segment track call' })
  track(@Body() body: unknown): Promise<SegmentResponse> {
    return this.accept([withType(body, 'track')], () => '(body)');
  }

  @Post('identify')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Segment identify call' })
  identify(@Body() body: unknown): Promise<SegmentResponse> {
    return this.accept([withType(body, 'identify')], () => '(body)');
  }

  @Post('batch')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Segment batch call (what analytics-node sends)' })
  batch(@Body() body: unknown): Promise<SegmentResponse> {
    const { batch } = parseOrThrow(segmentBatchSchema, body);
    return this.accept(batch, (i) => `batch[${i}]`);
  }

  private async accept(messages: unknown[], pathOf: (i: number) => string): Promise<SegmentResponse> {
    const { candidates, skipped } = mapSegmentMessages(messages, pathOf);
    const results = candidates.length > 0 ? await this.ingest.ingest('segment', candidates) : [];
    for (const r of results) {
      eventsIngested.inc({ source: 'segment', result: r.status });
    }
    eventsIngested.inc({ source: 'segment', result: 'skipped' }, skipped.length);
    return { success: true, skipped };
  }
}

/** Single-message endpoints imply the type: /v1/track is a track call whatever `type` the body names. */
function withType(body: unknown, type: 'track' | 'identify'): unknown {
  const message = parseOrThrow(segmentMessageSchema.partial({ type: true }), body);
  return { ...message, type };
}
