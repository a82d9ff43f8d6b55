import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@kizuna/database';
import { DeliveryRepository, type ClaimedMessage } from '../delivery/delivery.repository';
import type { MessageCategory } from '../outbox/outbox-message';
import { SendingPolicy, type PolicyDecision } from './sending-policy';
import { SuppressionRepository, type SuppressionReason } from './suppression.repository';

/** Why a message must not go out at all: it ends with this status and reason, no attempt made. */
export interface Refusal {
  status: 'suppressed' | 'skipped';
  reason: string;
}

const SEND: PolicyDecision = { action: 'send' };

/**
 * The sending policy at send time, for email a worker has claimed: the suppression list and the
 * profile's marketing consent (refusals: `suppressed`, `skipped`), then, for marketing email,
 * frequency caps and quiet hours (SendingPolicy: send, defer or skip). The decisions are made
 * here; DeliveryRepository offers the reads they are made on and the fenced writes that record
 * them (decision 0012).
 */
@Injectable()
export class SendingPolicyService {
  constructor(
    private readonly rules: SendingPolicy,
    private readonly suppressions: SuppressionRepository,
    private readonly delivery: DeliveryRepository,
    private readonly uow: UnitOfWork,
  ) {}

  /**
   * The suppression list for one claimed batch, read once for all its recipients (the consent
   * was read as the batch was claimed), and kept up to date with the batch's own hard bounces.
   */
  async forBatch(recipients: string[]): Promise<BatchScreen> {
    return new BatchScreen(await this.suppressions.blockingAny(recipients));
  }

  /**
   * Suppression list first (an address that does not work, or an operator's entry, stops even
   * transactional mail), then consent: a customer who unsubscribed gets no marketing email.
   */
  refusal(
    screen: BatchScreen,
    address: string,
    message: Pick<ClaimedMessage, 'category' | 'customer'>,
  ): Refusal | undefined {
    const suppression = screen.blocking(address, message.category);
    if (suppression) {
      return { status: 'suppressed', reason: `the address is on the suppression list (${suppression})` };
    }
    // Policy (not the suppression list): the profile's marketing consent.
    if (message.category === 'marketing' && message.customer.consent === 'unsubscribed') {
      return { status: 'skipped', reason: 'no marketing consent: the customer unsubscribed' };
    }
    return undefined;
  }

  /**
   * Frequency caps and quiet hours (marketing only), decided now with the customer locked: the
   * facts are read and the decision recorded in one short transaction (no SMTP traffic in it),
   * so two workers never both pass a cap. A deferred or skipped message is finished with it.
   * Undefined when the lease is no longer this claim's: nothing was decided or written.
   */
  async decide(message: ClaimedMessage): Promise<PolicyDecision | undefined> {
    if (message.category !== 'marketing' || !this.rules.active) {
      return SEND;
    }
    return this.uow.run(async (tx) => {
      const facts = await this.delivery.policyFacts(tx, message, this.rules.lookbackMs);
      if (facts === undefined) {
        return undefined;
      }
      const decision = this.rules.decide({
        category: message.category,
        whenCapped: message.whenCapped,
        timeZone: message.customer.timezone,
        recentMarketing: facts.recentMarketing,
        higherPriorityDue: facts.higherPriorityDue,
        now: facts.now,
      });
      await this.delivery.recordPolicyDecision(tx, facts, decision);
      return decision;
    });
  }

  /** A permanent refusal of the recipient: suppressed for good, and for the rest of the batch. */
  async hardBounced(screen: BatchScreen, address: string, response: string): Promise<void> {
    await this.suppressions.add(address, 'hard_bounce', 'smtp', response);
    screen.bounced(address);
  }
}

/** The suppression list as one delivery batch sees it. */
export class BatchScreen {
  /** Addresses that hard-bounced since the batch was claimed (the rest of its mail to them stops). */
  private readonly bounces = new Set<string>();

  constructor(private readonly listed: (address: string, category: MessageCategory) => SuppressionReason | undefined) {}

  blocking(address: string, category: MessageCategory): SuppressionReason | undefined {
    return this.bounces.has(address) ? 'hard_bounce' : this.listed(address, category);
  }

  bounced(address: string): void {
    this.bounces.add(address);
  }
}
