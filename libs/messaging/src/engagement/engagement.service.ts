import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EventIngestService } from '@kizuna/events';
import { SubscriptionRepository, type MessageTarget } from './subscription.repository';

export interface PreferencePage {
  /** The address, partly masked: the page is reachable by anyone holding the link. */
  maskedEmail: string;
  unsubscribed: boolean;
}

/**
 * What the links in a message do once their token has been verified: opens and clicks become
 * events (`email.opened`, `email.clicked`, source `system`) for journeys and metrics; unsubscribe
 * changes consent at once and becomes `email.unsubscribed`.
 *
 * Event idempotency keys make the first open of a message, and the first click of each link, the
 * recorded ones (within the dedup window): repeated pixel loads are not new facts.
 */
@Injectable()
export class EngagementService {
  private readonly logger = new Logger(EngagementService.name);

  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly ingest: EventIngestService,
  ) {}

  async opened(messageId: string): Promise<void> {
    const target = await this.subscriptions.target(messageId);
    if (target) {
      await this.record(target, 'email.opened', `email.opened:${messageId}`, {});
    }
  }

  async clicked(messageId: string, url: string): Promise<void> {
    const target = await this.subscriptions.target(messageId);
    if (target) {
      const link = createHash('sha256').update(url).digest('hex').slice(0, 16);
      await this.record(target, 'email.clicked', `email.clicked:${messageId}:${link}`, { url });
    }
  }

  async preferences(messageId: string): Promise<PreferencePage | undefined> {
    const target = await this.subscriptions.target(messageId);
    return target
      ? { maskedEmail: mask(target.recipient ?? target.email ?? ''), unsubscribed: target.unsubscribed }
      : undefined;
  }

  /** Returns false when the message no longer exists. */
  async unsubscribe(messageId: string, source: 'one-click' | 'preference-page'): Promise<boolean> {
    const target = await this.subscriptions.target(messageId);
    if (!target) {
      return false;
    }
    if (await this.subscriptions.unsubscribe(target, `unsubscribe-link:${source}`)) {
      await this.record(target, 'email.unsubscribed', `email.unsubscribed:${messageId}`, { via: source });
    }
    return true;
  }

  async resubscribe(messageId: string): Promise<boolean> {
    const target = await this.subscriptions.target(messageId);
    if (!target) {
      return false;
    }
    await this.subscriptions.resubscribe(target, 'unsubscribe-link:preference-page');
    return true;
  }

  private async record(
    target: MessageTarget,
    name: string,
    key: string,
    properties: Record<string, unknown>,
  ): Promise<void> {
    const identity =
      target.customerId !== null
        ? { customerId: target.customerId }
        : target.email
          ? { email: target.email }
          : undefined;
    if (!identity) {
      return;
    }
    try {
      await this.ingest.ingest('system', [
        {
          path: name,
          input: {
            name,
            ...identity,
            messageId: key,
            properties: {
              ...properties,
              messageId: target.messageId,
              ...(target.templateKey ? { templateKey: target.templateKey } : {}),
              ...(target.journeyId ? { journeyId: target.journeyId, stepId: target.stepId } : {}),
            },
          },
        },
      ]);
    } catch (error) {
      // A customer's click must never fail because the event could not be stored.
      this.logger.error({
        msg: 'could not record engagement event',
        name,
        messageId: target.messageId,
        err: String(error),
      });
    }
  }
}

function mask(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 2)}${'*'.repeat(Math.max(1, local.length - 2))}@${domain}`;
}
