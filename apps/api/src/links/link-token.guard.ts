import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthErrorCode, AuthException } from '@kizuna/auth';
import { LinkTokenSigner, type LinkPurpose } from '@kizuna/messaging';
import { NpsSurvey } from '@kizuna/templates';
import type { Request } from 'express';

export const LINK_PURPOSE = 'kizuna:link-purpose';

export type LinkRequest = Request & { link?: Record<string, string> };

/**
 * Admits a link route only with a token we signed for that purpose (unsubscribe, open, click, nps),
 * before the handler does anything; the verified payload is handed on as `request.link`.
 */
@Injectable()
export class LinkTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly signer: LinkTokenSigner,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const purpose = this.reflector.get<LinkPurpose>(LINK_PURPOSE, context.getHandler());
    const request = context.switchToHttp().getRequest<LinkRequest>();
    const token = request.params.token;
    const payload = typeof token === 'string' ? this.signer.verify(purpose, token) : undefined;
    const complete =
      purpose === 'nps'
        ? payload !== undefined && NpsSurvey.answerOf(payload) !== undefined
        : !!payload?.m && (purpose !== 'click' || !!payload.u);
    if (!complete) {
      throw new AuthException(AuthErrorCode.InvalidSignature, 'This link is not valid');
    }
    request.link = payload;
    return true;
  }
}
