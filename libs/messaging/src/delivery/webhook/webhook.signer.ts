import { createHmac } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { signingSecret } from '../../signing-secret';

export const SIGNATURE_HEADER = 'X-Kizuna-Signature';

/**
 * Signs webhook bodies: `X-Kizuna-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`, the
 * scheme GitHub and Shopify use, so receivers have code for it. The receiver computes the HMAC
 * over the bytes it received (before parsing) and compares in constant time.
 *
 * The secret is WEBHOOK_SIGNING_SECRET (required in production); elsewhere, when unset, one is
 * generated once into ./var and reused, as for link tokens. It is a secret of its own, not
 * TOKEN_SIGNING_SECRET: it is shared with every receiver, the link secret with no one.
 */
@Injectable()
export class WebhookSigner {
  private readonly logger = new Logger(WebhookSigner.name);
  private readonly secret: Buffer;

  constructor(config: KizunaConfig) {
    this.secret = signingSecret(config.webhooks, 'WEBHOOK_SIGNING_SECRET', 'webhooks', this.logger);
  }

  /** The header value for this exact body. */
  signature(rawBody: string): string {
    return `sha256=${createHmac('sha256', this.secret).update(rawBody, 'utf8').digest('hex')}`;
  }
}
