import { Body, Controller, Headers, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SignedRoute } from '@kizuna/auth';
import { eventsIngested, parseOrThrow, RequestErrorCode, RequestException } from '@kizuna/common';
import { EventIngestService, mapShopifyWebhook, SHOPIFY_TOPICS } from '@kizuna/events';
import { z } from 'zod';
import { ReplaceInvalidText } from '../http/request-body.decorators';
import { ShopifyHmacGuard } from './shopify-hmac.guard';

@ApiTags('webhooks')
@Controller('v1/webhooks/shopify')
@ReplaceInvalidText()
export class ShopifyWebhookController {
  constructor(private readonly ingest: EventIngestService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @SignedRoute('X-Shopify-Hmac-Sha256 (HMAC-SHA256 of the body with SHOPIFY_WEBHOOK_SECRET)')
  @UseGuards(ShopifyHmacGuard)
  @ApiOperation({ summary: `Shopify webhooks: ${SHOPIFY_TOPICS.join(', ')}` })
  @ApiHeader({ name: 'X-Shopify-Topic', required: true })
  @ApiHeader({ name: 'X-Shopify-Hmac-Sha256', required: true })
  @ApiHeader({ name: 'X-Shopify-Webhook-Id', required: true })
  async receive(
    @Body() body: unknown,
    @Headers('x-shopify-topic') topic: string | undefined,
    @Headers('x-shopify-webhook-id') webhookId: string | undefined,
  ): Promise<{ status: 'accepted' | 'duplicate' | 'skipped'; eventId?: string; reason?: string }> {
    const payload = parseOrThrow(
      z.record(z.string(), z.unknown(), { message: 'the body must be a JSON object' }),
      body,
    );
    if (!webhookId?.trim()) {
      throw new RequestException(RequestErrorCode.ValidationFailed, 'X-Shopify-Webhook-Id header is required');
    }
    const mapped = mapShopifyWebhook(topic, webhookId.trim(), payload);
    if ('skipped' in mapped) {
      eventsIngested.inc({ source: 'shopify', result: 'skipped' });
      return { status: 'skipped', reason: mapped.skipped };
    }
    const [result] = await this.ingest.ingest('shopify', [mapped.candidate]);
    eventsIngested.inc({ source: 'shopify', result: result!.status });
    return { status: result!.status, eventId: result!.eventId };
  }
}
