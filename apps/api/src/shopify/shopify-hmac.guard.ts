import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AuthErrorCode, AuthException, clientAddress, FailedAuthLimiter, rateLimited } from '@kizuna/auth';
import { KizunaConfig } from '@kizuna/config';
import { verifyShopifyHmac } from '@kizuna/events';
import { json, type Request, type Response } from 'express';
import { runMiddleware } from '../http/run-middleware.util';

/**
 * Admits a Shopify webhook only with a valid X-Shopify-Hmac-Sha256 over the raw body. The HMAC
 * needs the body's bytes, so this guard reads them itself (up to BODY_LIMIT_BYTES), checks the
 * signature in the parser's `verify` hook, and only then lets the parser turn them into JSON:
 * an unsigned body is hashed, never parsed. Bad signatures count as failed authentications of
 * the client address, like unknown API keys.
 */
@Injectable()
export class ShopifyHmacGuard implements CanActivate {
  private readonly parseSigned: (req: Request, res: Response, header: string, secret: string) => Promise<boolean>;

  constructor(
    private readonly config: KizunaConfig,
    private readonly failures: FailedAuthLimiter,
  ) {
    const limit = config.http.bodyLimitBytes;
    this.parseSigned = async (req, res, header, secret) => {
      let verified: boolean | undefined;
      const parser = json({
        limit,
        // Shopify always sends JSON; whatever the content type says, the bytes are checked.
        type: () => true,
        verify: (_req, _res, raw) => {
          verified = verifyShopifyHmac(raw, header, secret);
          if (!verified) {
            throw new Error('signature mismatch'); // stops the parser before JSON.parse
          }
        },
      });
      try {
        await runMiddleware(parser, req, res);
      } catch (error) {
        if (verified !== false) {
          throw error; // too large, or malformed JSON under a valid signature: the client's 4xx
        }
      }
      return verified === true;
    };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const secret = this.config.ingest.shopifyWebhookSecret;
    if (!secret) {
      throw new AuthException(
        AuthErrorCode.SignatureNotConfigured,
        'Shopify webhooks are not enabled: set SHOPIFY_WEBHOOK_SECRET',
      );
    }
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const address = clientAddress(request);
    const blockedFor = this.failures.retryAfterSeconds(address);
    if (blockedFor > 0) {
      throw rateLimited(response, 'authentication-failures', blockedFor);
    }
    const header = request.headers['x-shopify-hmac-sha256'];
    if (typeof header !== 'string' || header.trim() === '') {
      throw invalidSignature(); // nothing read, nothing to count
    }
    if (!(await this.parseSigned(request, response, header, secret))) {
      const refusedFor = this.failures.recordFailure(address);
      if (refusedFor > 0) {
        throw rateLimited(response, 'authentication-failures', refusedFor);
      }
      throw invalidSignature();
    }
    return true;
  }
}

const invalidSignature = (): AuthException =>
  new AuthException(AuthErrorCode.InvalidSignature, 'X-Shopify-Hmac-Sha256 is missing or does not match the body');
