import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { isDatabaseUnreachable } from '@kizuna/database';
import {
  DeliveryRepository,
  type AttemptOutcome,
  type AttemptStart,
  type ClaimedMessage,
  type LeasedMessage,
  type OpenedAttempt,
  type StoredContent,
} from '../delivery.repository';
import { emailsDelivered, possiblyDuplicated } from '../delivery.metrics';
import { GroupCommit } from '../group-commit';
import { LeaseKeeper } from '../lease-keeper';
import { MailTransport, type OutgoingMail } from './mail-transport';
import { MessageLinks } from '../../engagement/message-links';
import { MessageRenderError, MessageRenderer } from './message-renderer';
import { checkRecipient, singleLine } from './recipient.util';
import { SendingPolicy } from '../../policy/sending-policy';
import { SuppressionRepository, type SuppressionReason } from '../../policy/suppression.repository';
import { addOpenPixel, rewriteLinks } from '../../engagement/tracking-html.util';

/**
 * Delivers claimed outbox email: checks at send time (the kill switch; the suppression list,
 * read once per claimed batch like the consent: `suppressed`; marketing consent: `skipped`; the
 * sending policy for marketing: `deferred` or `skipped`, see SendingPolicy), then render, send,
 * record. Every outcome belongs to its message: a template or address problem fails that message
 * with a stored reason and the batch goes on. Opening an attempt (with the content) and recording
 * the reply are one statement each, shared by the messages in flight at that moment (GroupCommit);
 * templates and suppressions are read once per batch.
 *
 * The lease is per message (decision 0013): a LeaseKeeper renews the batch's unfinished rows
 * while they wait for a slot, opening an attempt renews it for the conversation, and every write
 * names the claim that holds the lease, so a worker that lost a message to another one neither
 * sends it nor overwrites the other's record.
 *
 * SMTP replies decide what happens next (RFC 5321): 2xx sent; 4xx and connection errors
 * deferred with exponential backoff and jitter until DELIVERY_GIVE_UP_SECONDS after the first
 * attempt; 5xx failed for good (a 5xx refusing the recipient also suppresses the address as a
 * hard bounce).
 */
@Injectable()
export class EmailDeliveryService {
  private readonly logger = new Logger(EmailDeliveryService.name);
  private readonly fromDomain: string;
  /** Attempts are opened, and replies recorded, a group of concurrent messages per statement. */
  private readonly opening: GroupCommit<LeasedMessage & { content: StoredContent | undefined }, AttemptStart>;
  private readonly recording: GroupCommit<LeasedMessage & { attempt: number; result: AttemptOutcome }, boolean>;

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly suppressions: SuppressionRepository,
    private readonly renderer: MessageRenderer,
    private readonly transport: MailTransport,
    private readonly links: MessageLinks,
    private readonly config: KizunaConfig,
    private readonly clock: Clock,
    private readonly policy: SendingPolicy,
  ) {
    this.fromDomain = config.mail.from.address.split('@')[1]!;
    this.opening = new GroupCommit((messages) => repository.startAttempts(messages, config.delivery.leaseSeconds));
    this.recording = new GroupCommit((attempts) => repository.recordAttempts(attempts));
  }

  /** Claims and delivers one batch; returns how many messages it claimed. */
  async processBatch(): Promise<number> {
    const { batchSize, concurrency, leaseSeconds } = this.config.delivery;
    const claimed = await this.repository.claim(batchSize, leaseSeconds);
    if (claimed.length === 0) {
      return 0;
    }
    // Looked up once for the batch rather than per message: the suppression entries of its
    // recipients (read, like their consent, as the batch is claimed) and its templates.
    const batch: Batch = {
      suppressed: await this.suppressions.blockingAny(
        claimed.flatMap((m) => {
          const checked = checkRecipient(recipientOf(m));
          return checked.ok ? [checked.address] : [];
        }),
      ),
      bounced: new Set(),
      renderer: this.renderer.forBatch(),
      lease: new LeaseKeeper(this.repository, claimed, leaseSeconds, this.logger),
    };
    // One customer's messages go one after the other, in claim order (priority first), so the
    // sending policy sees the higher-priority message sent before it decides on the next.
    const groups = new Map<string, ClaimedMessage[]>();
    for (const message of claimed) {
      groups.set(message.customerUuid, [...(groups.get(message.customerUuid) ?? []), message]);
    }
    const byCustomer = [...groups.values()];
    let next = 0;
    let unreachable: Error | undefined;
    const worker = async () => {
      while (next < byCustomer.length) {
        for (const message of byCustomer[next++]!) {
          try {
            if (batch.lease.holds(message.id)) {
              await this.deliver(message, batch);
            } else {
              this.leaseLost(message, 'before it was sent');
            }
          } catch (error) {
            // Only the database can fail here; the lease brings the message back later.
            if (isDatabaseUnreachable(error)) {
              unreachable = error as Error; // one report for the batch, by the caller, not one per message
            } else {
              this.logger.error({ msg: 'delivery bookkeeping failed', messageId: message.id, err: String(error) });
            }
          } finally {
            batch.lease.release(message.id);
          }
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, byCustomer.length) }, worker));
    } finally {
      await batch.lease.stop();
    }
    if (unreachable !== undefined) {
      throw unreachable;
    }
    return claimed.length;
  }

  private async deliver(message: ClaimedMessage, batch: Batch): Promise<void> {
    if (message.interruptedAttempt !== undefined) {
      possiblyDuplicated.inc();
      this.logger.warn({
        msg: 'possibly sent: a worker stopped between handing this message to the SMTP server and recording the reply; sending it again',
        messageId: message.id,
        attempt: message.interruptedAttempt,
      });
    }
    const address = recipientOf(message);
    if (!address) {
      return this.end(message, 'skipped', 'the customer has no email address');
    }
    const recipient = checkRecipient(address);
    if (!recipient.ok) {
      return this.end(message, 'failed', `invalid recipient address: ${recipient.reason}`);
    }
    const suppression = batch.bounced.has(recipient.address)
      ? 'hard_bounce'
      : batch.suppressed(recipient.address, message.category);
    if (suppression) {
      return this.end(message, 'suppressed', `the address is on the suppression list (${suppression})`);
    }
    // Policy (not the suppression list): the profile's marketing consent.
    if (message.category === 'marketing' && message.customer.consent === 'unsubscribed') {
      return this.end(message, 'skipped', 'no marketing consent: the customer unsubscribed');
    }
    // Frequency caps and quiet hours (marketing only), decided now with the customer locked.
    if (message.category === 'marketing' && this.policy.active) {
      const decision = await this.repository.applySendingPolicy(
        message,
        this.policy.lookbackMs,
        (recent, higherPriorityDue, now) =>
          this.policy.decide({
            category: message.category,
            whenCapped: message.whenCapped,
            timeZone: message.customer.timezone,
            recentMarketing: recent,
            higherPriorityDue,
            now,
          }),
      );
      if (decision === undefined) {
        return this.leaseLost(message, 'before the sending policy decided');
      }
      if (decision.action !== 'send') {
        const status = decision.action === 'defer' ? 'deferred' : 'skipped';
        emailsDelivered.inc({ outcome: status });
        this.logger.log({
          msg: `message ${status} by the sending policy`,
          messageId: message.id,
          reason: decision.reason,
        });
        return;
      }
    }
    // Signed once: the same link goes into the body and the List-Unsubscribe header.
    const unsubscribeUrl = this.links.unsubscribe(message.id);
    let mail: OutgoingMail;
    let stored: { locale: string; templateVersion: number } | undefined;
    if (message.content) {
      mail = this.compose(message, recipient.address, message.content, unsubscribeUrl);
    } else {
      try {
        const rendered = await batch.renderer.render(message.templateKey, message.customer, message.payload, {
          unsubscribeUrl,
        });
        const html = addOpenPixel(
          rewriteLinks(rendered.html, (url) => (this.links.isOwn(url) ? undefined : this.links.click(message.id, url))),
          this.links.openPixel(message.id),
        );
        mail = this.compose(
          message,
          recipient.address,
          {
            subject: rendered.subject,
            html,
            text: rendered.text,
            messageId: `<${message.id}@${this.fromDomain}>`,
          },
          unsubscribeUrl,
        );
        stored = { locale: rendered.locale, templateVersion: rendered.templateVersion };
      } catch (error) {
        if (error instanceof MessageRenderError) {
          return this.end(message, 'failed', `template failed to render: ${error.message}`);
        }
        throw error;
      }
    }
    // Newly rendered content is stored with this first attempt; a retry sends what is stored.
    const start = await this.opening.submit({
      id: message.id,
      leaseOwner: message.leaseOwner,
      content: stored && {
        ...stored,
        recipient: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: mail.messageId,
      },
    });
    if (start === 'paused') {
      return; // the kill switch was thrown after this batch was claimed: given back to the queue
    }
    if (start === 'lost') {
      return this.leaseLost(message, 'before its attempt opened; not sent from here');
    }
    const { outcome, hardBounce } = await this.send(mail, start);
    const recorded = await this.recording.submit({
      id: message.id,
      leaseOwner: message.leaseOwner,
      attempt: start.attempt,
      result: outcome,
    });
    if (recorded) {
      emailsDelivered.inc({ outcome: outcome.outcome });
    } else {
      // Only if this worker stalled longer than the lease mid-attempt (it outlasts the longest SMTP
      // exchange): the other worker closed this attempt as unknown, and that record stands.
      this.leaseLost(message, `during attempt ${start.attempt}; its reply was not recorded: ${outcome.response}`);
    }
    if (hardBounce) {
      await this.suppressions.add(mail.to, 'hard_bounce', 'smtp', outcome.response);
      batch.bounced.add(mail.to);
    }
  }

  private compose(
    message: ClaimedMessage,
    to: string,
    content: { subject: string; html: string; text: string; messageId: string },
    unsubscribeUrl: string,
  ): OutgoingMail {
    const headers: Record<string, string> = {};
    if (message.category === 'marketing') {
      // RFC 8058 one-click unsubscribe; RFC 2369 allows a mailto alternative.
      // The mailto subject carries the same signed token, so whoever processes that mailbox can
      // verify a request the same way (LinkTokenSigner.verify('unsubscribe', ...)).
      const mailto = this.config.mail.unsubscribeMailto;
      const token = unsubscribeUrl.slice(unsubscribeUrl.lastIndexOf('/') + 1);
      headers['List-Unsubscribe'] = singleLine(
        `<${unsubscribeUrl}>${mailto ? `, <mailto:${mailto}?subject=unsubscribe%20${token}>` : ''}`,
      );
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    }
    return {
      from: this.config.mail.from,
      to,
      messageId: content.messageId,
      subject: singleLine(content.subject),
      html: content.html,
      text: content.text,
      headers,
    };
  }

  private async send(
    mail: OutgoingMail,
    { attempt, firstAttemptAt }: OpenedAttempt,
  ): Promise<{ outcome: AttemptOutcome; hardBounce: boolean }> {
    try {
      const receipt = await this.transport.send(mail);
      return { outcome: { outcome: 'sent', response: receipt.response }, hardBounce: false };
    } catch (error) {
      const smtp = smtpErrorOf(error);
      const { code, response } = smtp;
      if (code !== null && code >= 500) {
        return {
          outcome: { outcome: 'failed', code, response, reason: `rejected by the server: ${response}` },
          hardBounce: isRecipientRefusal(smtp),
        };
      }
      const { retryBaseMs, retryMaxMs } = this.config.delivery;
      const retryAt = new Date(this.clock.now().getTime() + retryDelayMs(attempt, retryBaseMs, retryMaxMs));
      // Counted from the first attempt: time held by caps, quiet hours or the kill switch before
      // it is not time spent failing.
      const giveUpAt = firstAttemptAt.getTime() + this.config.delivery.giveUpAfterSeconds * 1000;
      if (retryAt.getTime() > giveUpAt) {
        const reason = `gave up after ${this.config.delivery.giveUpAfterSeconds} s of temporary failures; last: ${response}`;
        return { outcome: { outcome: 'failed', code, response, reason }, hardBounce: false };
      }
      return { outcome: { outcome: 'deferred', code, response, retryAt }, hardBounce: false };
    }
  }

  private async end(message: ClaimedMessage, status: 'suppressed' | 'skipped' | 'failed', reason: string) {
    if (!(await this.repository.finish(message, status, reason))) {
      return this.leaseLost(message, `before it could be marked ${status}`);
    }
    emailsDelivered.inc({ outcome: status });
    this.logger.log({ msg: `message ${status}`, messageId: message.id, reason });
  }

  /** Another worker took the message over (this one held it past its lease): it is theirs now. */
  private leaseLost(message: ClaimedMessage, when: string): void {
    this.logger.warn({ msg: `lease lost to another worker ${when}`, messageId: message.id });
  }
}

/** What delivering one claimed batch shares between its messages. */
interface Batch {
  /** The suppression list as the batch was claimed. */
  suppressed: (address: string, category: ClaimedMessage['category']) => SuppressionReason | undefined;
  /** Addresses that hard-bounced since (stopping the rest of the batch's mail to them). */
  bounced: Set<string>;
  renderer: MessageRenderer;
  /** Keeps the batch's leases while it waits for delivery slots. */
  lease: LeaseKeeper;
}

/** Where a message goes: the address stored with an earlier attempt, else the profile's. */
function recipientOf(message: ClaimedMessage): string | null {
  return message.content?.recipient ?? message.customer.email;
}

/**
 * The wait before retry `attempt + 1`: exponential from the base, capped, with "equal jitter"
 * (half fixed, half random) so messages deferred together do not come back together.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random()): number {
  const delay = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return delay / 2 + random * (delay / 2);
}

interface SmtpError {
  code: number | null;
  response: string;
  command: string | undefined;
}

/** nodemailer errors carry `responseCode` for SMTP replies; connection problems have none. */
export function smtpErrorOf(error: unknown): SmtpError {
  const e = (error ?? {}) as {
    responseCode?: unknown;
    response?: unknown;
    message?: unknown;
    command?: unknown;
    code?: unknown;
  };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const response =
    typeof e.response === 'string' && e.response !== ''
      ? e.response
      : `${typeof e.code === 'string' ? `${e.code}: ` : ''}${typeof e.message === 'string' ? e.message : String(error)}`;
  return { code, response: singleLine(response), command: typeof e.command === 'string' ? e.command : undefined };
}

/** A permanent refusal of the recipient itself (at RCPT TO, or 5.1.x: no such user/domain), not of the content. */
function isRecipientRefusal(error: SmtpError): boolean {
  return error.command === 'RCPT TO' || /\b5\.1\.\d+\b/.test(error.response);
}
