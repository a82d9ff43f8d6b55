import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { MessageEngagementRepository } from '@kizuna/analytics';
import { Clock } from '@kizuna/common';
import { CustomerRepository, type ConsentChange } from '@kizuna/customers';
import { UnitOfWork } from '@kizuna/database';
import { EventIngestService } from '@kizuna/events';
import { SubscriptionRepository, type MessageTarget } from './subscription.repository';
import { SuppressionRepository } from '../policy/suppression.repository';

export interface PreferencePage {
  /** The address, partly masked: the page is reachable by anyone holding the link. */
  maskedEmail: string;
  unsubscribed: boolean;
}

/**
 * What the links in a message do once their token has been verified: opens and clicks become
 * events (`email.opened`, `email.clicked`, source `system`) for journeys and metrics; unsubscribe
 * changes consent at once and becomes `email.unsubscribed`. Consent goes through the profile's one
 * consent write and the address through the suppression list's, in one transaction with stopping
 * the customer's queued marketing mail.
 *
 * Event idempotency keys make the first open of a message, and the first click of each link, the
 * recorded events (within the dedup window), which is what journeys react to. Analytics keeps
 * every hit with its user agent (MessageEngagementRepository, capped per message) and the
 * message's summary, classified in the same transaction: a proxy's open and a scanner's burst are
 * told from a person's only over all the hits.
 */
@Injectable()
export class EngagementService {
  private readonly logger = new Logger(EngagementService.name);

  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly suppressions: SuppressionRepository,
    private readonly customers: CustomerRepository,
    private readonly uow: UnitOfWork,
    private readonly ingest: EventIngestService,
    private readonly clock: Clock,
    private readonly engagements: MessageEngagementRepository,
  ) {}

  async opened(messageId: string, userAgent: string | null): Promise<void> {
    const target = await this.target(messageId);
    if (target) {
      await this.recordHit(target, 'open', userAgent);
      await this.record(target, 'email.opened', `email.opened:${messageId}`, {});
    }
  }

  async clicked(messageId: string, url: string, userAgent: string | null): Promise<void> {
    const target = await this.target(messageId);
    if (target) {
      await this.recordHit(target, 'click', userAgent, url);
      const link = createHash('sha256').update(url).digest('hex').slice(0, 16);
      await this.record(target, 'email.clicked', `email.clicked:${messageId}:${link}`, { url });
    }
  }

  async preferences(messageId: string): Promise<PreferencePage | undefined> {
    const target = await this.target(messageId);
    return target
      ? { maskedEmail: mask(target.recipient ?? target.email ?? ''), unsubscribed: target.unsubscribed }
      : undefined;
  }

  /**
   * Unsubscribes the profile from marketing email, suppresses the address (the one it went to and
   * the profile's), and stops marketing mail already queued for the customer, all in one
   * transaction. Returns false when the message no longer exists. A repeated click changes no
   * status, so it records no second event.
   */
  async unsubscribe(
    messageId: string,
    source: 'one-click' | 'preference-page',
    userAgent: string | null = null,
  ): Promise<boolean> {
    const target = await this.target(messageId);
    if (!target) {
      return false;
    }
    const consent = this.consent('unsubscribed', `unsubscribe-link:${source}`);
    const changed = await this.uow.run(async (tx) => {
      await this.engagements.record(tx, { messageId, kind: 'unsubscribe', at: consent.at, userAgent });
      const changed = await this.customers.recordEmailConsent(tx, target.customerUuid, consent);
      for (const address of addressesOf(target)) {
        await this.suppressions.add(address, 'unsubscribe', consent.source, null, tx);
      }
      await this.subscriptions.suppressQueuedMarketing(tx, target.customerUuid);
      return changed;
    });
    if (changed) {
      await this.record(target, 'email.unsubscribed', `email.unsubscribed:${messageId}`, { via: source });
    }
    return true;
  }

  /** Undoes an unsubscribe from the preference page: consent given, the unsubscribe entries removed. */
  async resubscribe(messageId: string): Promise<boolean> {
    const target = await this.target(messageId);
    if (!target) {
      return false;
    }
    const consent = this.consent('subscribed', 'unsubscribe-link:preference-page');
    await this.uow.run(async (tx) => {
      await this.customers.recordEmailConsent(tx, target.customerUuid, consent);
      for (const address of addressesOf(target)) {
        await this.suppressions.remove(address, 'unsubscribe', tx);
      }
    });
    return true;
  }

  /**
   * Keeps the hit and reclassifies the message, in one transaction. A person's click must never
   * fail because analytics could not store it: logged, not thrown.
   */
  private async recordHit(
    target: MessageTarget,
    kind: 'open' | 'click',
    userAgent: string | null,
    link?: string,
  ): Promise<void> {
    try {
      await this.uow.run((tx) =>
        this.engagements.record(tx, { messageId: target.messageId, kind, at: this.clock.now(), userAgent, link }),
      );
    } catch (error) {
      this.logger.error({
        msg: 'could not record engagement hit',
        kind,
        messageId: target.messageId,
        err: String(error),
      });
    }
  }

  /** The message a link belongs to, with its customer as the profile is now. */
  private async target(messageId: string): Promise<MessageTarget | undefined> {
    const message = await this.subscriptions.target(messageId);
    if (!message) {
      return undefined;
    }
    const [customer] = await this.customers.findByUuids(undefined, [message.customerUuid]);
    return {
      ...message,
      customerId: customer?.customerId ?? null,
      email: customer?.email ?? null,
      unsubscribed: customer?.emailConsent === 'unsubscribed',
    };
  }

  private consent(status: ConsentChange['status'], source: string): ConsentChange {
    return { status, source, at: this.clock.now() };
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

/** The address the message went to and the profile's, once each. */
function addressesOf(target: MessageTarget): string[] {
  return [...new Set([target.recipient, target.email].filter((a): a is string => !!a).map((a) => a.toLowerCase()))];
}

function mask(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 2)}${'*'.repeat(Math.max(1, local.length - 2))}@${domain}`;
}
