import { Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, Role } from '@kizuna/auth';
import { ReferenceInstaller, type InstallReport } from '@kizuna/reference';

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
      'Install the reference segments, templates and journeys (published) with production durations; ' +
      'idempotent: existing items are left alone, edited ones reported as "edited"',
  })
  install(): Promise<InstallReport> {
    return this.installer.install();
  }
}
