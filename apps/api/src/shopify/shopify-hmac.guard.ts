import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AuthErrorCode, AuthException } from '@kizuna/auth';
import { KizunaConfig } from '@kizuna/config';
import { verifyShopifyHmac } from '@kizuna/events';
import type { Request } from 'express';

/** Admits a Shopify webhook only with a valid X-Shopify-Hmac-Sha256 over the raw body. */
@Injectable()
export class ShopifyHmacGuard implements CanActivate {
  constructor(private readonly config: KizunaConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const secret = this.config.ingest.shopifyWebhookSecret;
    if (!secret) {
      throw new AuthException(
        AuthErrorCode.SignatureNotConfigured,
        'Shopify webhooks are not enabled: set SHOPIFY_WEBHOOK_SECRET',
      );
    }
    const request = context.switchToHttp().getRequest<Request & { rawBody?: Buffer }>();
    const header = request.headers['x-shopify-hmac-sha256'];
    if (
      !request.rawBody ||
      !verifyShopifyHmac(request.rawBody, typeof header === 'string' ? header : undefined, secret)
    ) {
      throw new AuthException(
        AuthErrorCode.InvalidSignature,
        'X-Shopify-Hmac-Sha256 is missing or does not match the body',
      );
    }
    return true;
  }
}
