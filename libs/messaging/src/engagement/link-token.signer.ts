import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { signingSecret } from '../signing-secret';

export type LinkPurpose = 'unsubscribe' | 'open' | 'click' | 'nps';

/**
 * Signs and verifies the tokens in unsubscribe, open-pixel and click links:
 * `base64url(JSON payload).base64url(HMAC-SHA256(secret, purpose.payload))`. The purpose is
 * signed too, so an open token is no unsubscribe token; verification is constant-time.
 *
 * The secret is TOKEN_SIGNING_SECRET (required in production). Elsewhere, when unset, one is
 * generated once into a file under ./var and reused, so links survive restarts and an api and a
 * worker started separately from one checkout agree.
 */
@Injectable()
export class LinkTokenSigner {
  private readonly logger = new Logger(LinkTokenSigner.name);
  private readonly secret: Buffer;

  constructor(config: KizunaConfig) {
    this.secret = signingSecret(config.tokens, 'TOKEN_SIGNING_SECRET', 'links', this.logger);
  }

  sign(purpose: LinkPurpose, payload: Record<string, string>): string {
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${body}.${this.mac(purpose, body).toString('base64url')}`;
  }

  /** The payload, or undefined when the token is malformed or its signature is not ours. */
  verify(purpose: LinkPurpose, token: string): Record<string, string> | undefined {
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined || !/^[\w-]+$/.test(body) || !/^[\w-]+$/.test(signature)) {
      return undefined;
    }
    // Compared as text, not as decoded bytes: a MAC's last base64url character carries two unused
    // bits, so four spellings decode to the same bytes, and a changed link must never still pass.
    const given = Buffer.from(signature, 'utf8');
    const expected = Buffer.from(this.mac(purpose, body).toString('base64url'), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return undefined;
    }
    try {
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        return undefined;
      }
      const entries = Object.entries(payload as Record<string, unknown>);
      return entries.every(([, v]) => typeof v === 'string')
        ? (Object.fromEntries(entries) as Record<string, string>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(purpose: LinkPurpose, body: string): Buffer {
    return createHmac('sha256', this.secret).update(`${purpose}.${body}`).digest();
  }
}
