import { Controller, Get, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { PublicRoute } from '@kizuna/auth';
import type { Response } from 'express';
import { DatabaseHealthIndicator } from './database.health';
import { MigrationsHealthIndicator } from './migrations.health';

@ApiTags('operations')
@Controller('health')
@PublicRoute('liveness and readiness probes; reveal nothing but up/down')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: DatabaseHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process serves HTTP' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary:
      'Readiness: database reachable and migrations applied; else 503 with what is not, e.g. { error: { database: { status: "down", message: "database unreachable" } } }',
  })
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.db.check('database'), () => this.migrations.check('migrations')]);
    } catch (error) {
      // Terminus reports "not ready" as an exception carrying the result; the error filter would
      // turn that into a bare 503. A probe (and an operator) needs the result: which check is down.
      if (error instanceof ServiceUnavailableException) {
        response.status(HttpStatus.SERVICE_UNAVAILABLE);
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
  }
}
