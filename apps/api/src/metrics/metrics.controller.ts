import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, Role } from '@kizuna/auth';
import { metricsRegistry } from '@kizuna/common';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('metrics')
@RequireRoles(Role.Ops)
export class MetricsController {
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics (scrape with an ops key as bearer token)' })
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
