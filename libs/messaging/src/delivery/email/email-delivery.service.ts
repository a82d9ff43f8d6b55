import { Injectable, Logger } from '@nestjs/common';
import { Clock, singleLine } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { MessageLinks } from '../../engagement/message-links';
import { addOpenPixel, rewriteLinks } from '../../engagement/tracking-html.util';
import { SendingPolicyService, type BatchScreen } from '../../policy/sending-policy.service';
import {
  DeliveryRepository,
  type AttemptOutcome,
  type AttemptStart,
  type ClaimedMessage,
  type LeasedMessage,
  type OpenedAttempt,
  type StoredContent,
} from '../delivery.repository';
import { deliverInLanes } from '../delivery-lanes';
import { emailsDelivered, possiblyDuplicated } from '../delivery.metrics';
import { GroupCommit } from '../group-commit';
import { afterTemporaryFailure } from '../retry-schedule';
import { MailTransport, type OutgoingMail } from './mail-transport';
import { MessageRenderError, MessageRenderer } from './message-renderer';
import { checkRecipient } from './recipient.util';

/**
 * Delivers claimed outbox email: checks at send time (the kill switch; the sending policy,
 * SendingPolicyService: the suppression list, read once per claimed batch like the consent:
 * `suppressed`; marketing consent: `skipped`; caps and quiet hours for marketing: `deferred` or
 * `skipped`), then render, send, record. Every outcome belongs to its message: a template or address problem fails that message
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
    private readonly policy: SendingPolicyService,
    private readonly renderer: MessageRenderer,
    private readonly transport: MailTransport,
    private readonly links: MessageLinks,
    private readonly config: KizunaConfig,
    private readonly clock: Clock,
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
      screen: await this.policy.forBatch(
        claimed.flatMap((m) => {
          const checked = checkRecipient(recipientOf(m));
          return checked.ok ? [checked.address] : [];
        }),
      ),
      renderer: this.renderer.forBatch(),
    };
    // One customer's messages go one after the other, in claim order (priority first), so the
    // sending policy sees the higher-priority message sent before it decides on the next.
    await deliverInLanes(this.repository, {
      claimed,
      oneAfterAnother: (message) => message.customerUuid,
      concurrency,
      leaseSeconds,
      deliver: (message) => this.deliver(message, batch),
      leaseLost: (message) => this.leaseLost(message, 'before it was sent'),
      failure: 'delivery bookkeeping failed',
      logger: this.logger,
    });
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
    const refusal = this.policy.refusal(batch.screen, recipient.address, message);
    if (refusal) {
      return this.end(message, refusal.status, refusal.reason);
    }
    // Frequency caps and quiet hours (marketing only), decided now with the customer locked.
    const decision = await this.policy.decide(message);
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
      await this.policy.hardBounced(batch.screen, mail.to, outcome.response);
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
    opened: OpenedAttempt,
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
      return {
        outcome: afterTemporaryFailure(this.clock.now(), opened, { code, response }, this.config.delivery),
        hardBounce: false,
      };
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
  /** The suppression list as the batch was claimed, and its hard bounces since. */
  screen: BatchScreen;
  renderer: MessageRenderer;
}

/** Where a message goes: the address stored with an earlier attempt, else the profile's. */
function recipientOf(message: ClaimedMessage): string | null {
  return message.content?.recipient ?? message.customer.email;
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
