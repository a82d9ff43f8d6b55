import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, Role } from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
import { ReferenceInstaller, type InstallReport } from '@kizuna/reference';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';

/**
 * The CLI's `--duration-scale`, over HTTP. Only shortening: the shipped durations are the
 * production values, and a scale above 1 would only make the content differ from them.
 */
const installSchema = z.strictObject({
  durationScale: z.number().positive().max(1).optional(),
});

@ApiTags('reference')
@ApiBearerAuth()
@Controller('v1/reference')
@RequireRoles(Role.Marketer)
export class ReferenceController {
  constructor(private readonly installer: ReferenceInstaller) {}

  @Post('install')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Install the reference segments, templates and journeys (published) with production durations, or with ' +
      'every duration multiplied by durationScale (0 < scale <= 1, for tests and demos); idempotent: existing ' +
      'items are left alone, edited ones reported as "edited"',
  })
  @ApiBody({ required: false, schema: openApiSchema(installSchema) })
  install(@Body() body: unknown): Promise<InstallReport> {
    const { durationScale } = parseOrThrow(installSchema, body ?? {});
    return this.installer.install({ durationScale });
  }
}
