import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { LinkTokenSigner } from './link-token.signer';

/** The public URLs put into a message: unsubscribe, open pixel, click redirects. */
@Injectable()
export class MessageLinks {
  private readonly base: string;

  constructor(
    private readonly tokens: LinkTokenSigner,
    config: KizunaConfig,
  ) {
    this.base = config.http.publicUrl;
  }

  unsubscribe(messageId: string): string {
    return `${this.base}/u/${this.tokens.sign('unsubscribe', { m: messageId })}`;
  }

  openPixel(messageId: string): string {
    return `${this.base}/t/o/${this.tokens.sign('open', { m: messageId })}`;
  }

  /** The link itself is part of the signed token: the redirect can only go where the email pointed. */
  click(messageId: string, url: string): string {
    return `${this.base}/t/c/${this.tokens.sign('click', { m: messageId, u: url })}`;
  }

  /** True for links into Kizuna itself (unsubscribe pages), which are not wrapped for tracking. */
  isOwn(url: string): boolean {
    return url === this.base || url.startsWith(`${this.base}/`);
  }
}
