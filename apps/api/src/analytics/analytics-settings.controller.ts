import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  analyticsSettingsChangeSchema,
  AnalyticsSettingsRepository,
  storedAnalyticsSettingsSchema,
  type StoredAnalyticsSettings,
} from '@kizuna/analytics';
import { RequireRoles, Role } from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';

const settingsView = storedAnalyticsSettingsSchema.extend({
  /** From the environment (SHOP_TIMEZONE, SHOP_CURRENCY): shown, not changed here. */
  timeZone: z.string(),
  currency: z.string(),
});

/** The shop settings every analytics figure depends on (docs/analytics.md, "Settings"). */
@ApiTags('analytics')
@ApiBearerAuth()
@Controller('v1/analytics/settings')
@RequireRoles(Role.Marketer, Role.Ops)
export class AnalyticsSettingsController {
  constructor(
    private readonly settings: AnalyticsSettingsRepository,
    private readonly config: KizunaConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The analytics settings in force (attribution, machine activity, lift, churn window)' })
  @ApiOkResponse({ schema: openApiSchema(settingsView) })
  async get() {
    return this.view(await this.settings.stored());
  }

  @Put()
  @RequireRoles(Role.Admin)
  @ApiOperation({
    summary: 'Change some settings (admin); they apply to facts recorded from now on (docs/analytics.md, "Settings")',
  })
  @ApiBody({ schema: openApiSchema(analyticsSettingsChangeSchema) })
  @ApiOkResponse({ schema: openApiSchema(settingsView) })
  async change(@Body() body: unknown) {
    return this.view(await this.settings.change(parseOrThrow(analyticsSettingsChangeSchema, body)));
  }

  private view(stored: StoredAnalyticsSettings): z.infer<typeof settingsView> {
    return { ...stored, timeZone: this.config.shop.timeZone, currency: this.config.shop.currency };
  }
}
