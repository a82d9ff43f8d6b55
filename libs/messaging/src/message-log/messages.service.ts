import { Injectable } from '@nestjs/common';
import {
  decodePageCursor,
  drainInChunks,
  encodePageCursor,
  errorMessage,
  singleLine,
  type PagePosition,
} from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { CustomerRepository } from '@kizuna/customers';
import { MailTransport } from '../delivery/email/mail-transport';
import {
  MessageLogRepository,
  type LoggedMessage,
  type MessageDetail,
  type MessageFilter,
  type MessageSummary,
  type AttemptBucket,
  type DeferReason,
  type QueueState,
  type SendingState,
  type UnknownAttemptCounts,
} from './message-log.repository';
import type { RenderedMessage } from '../delivery/email/message-renderer';
import { MessagingErrorCode, MessagingException } from '../messaging.exception';
import { checkRecipient } from '../delivery/email/recipient.util';
import {
  SUPPRESSION_CURSOR_AFTER,
  SuppressionRepository,
  type Suppression,
  type SuppressionReason,
} from '../policy/suppression.repository';

export interface MessagePage {
  messages: MessageSummary[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface SuppressionPage {
  suppressions: Suppression[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** The sending screen's figures (docs/analytics.md, "Sending health"), read in one go. */
export interface SendingHealth {
  unknownAttempts: UnknownAttemptCounts;
  queue: QueueState;
  deferredByReason: Record<DeferReason, number>;
  attempts: { bucket: 'hour' | 'day'; buckets: AttemptBucket[] };
}

/** Periods up to this long are shown by the hour, longer ones by the day. */
const HOURLY_UP_TO_MS = 7 * 86_400_000;

/** How many messages one page of an export reads. */
const EXPORT_PAGE = 1000;

/** Operations on the message log: browse, inspect, retry, and the sending kill switch. */
@Injectable()
export class MessagesService {
  constructor(
    private readonly log: MessageLogRepository,
    private readonly customers: CustomerRepository,
    private readonly suppressions: SuppressionRepository,
    private readonly transport: MailTransport,
    private readonly config: KizunaConfig,
  ) {}

  async list(
    { customerId, ...filter }: Omit<MessageFilter, 'before' | 'customerUuid'> & { customerId?: string },
    before: string | undefined,
  ): Promise<MessagePage> {
    const position = before === undefined ? undefined : decodeCursor(before);
    let customerUuid: string | undefined;
    if (customerId !== undefined) {
      const customer = await this.customers.findByCustomerId(customerId);
      if (!customer) {
        return { messages: [], nextCursor: null };
      }
      customerUuid = customer.id;
    }
    const page = await this.log.list({ ...filter, customerUuid, before: position });
    return { messages: await this.named(page.messages), nextCursor: page.next ? encodePageCursor(page.next) : null };
  }

  /**
   * Every message the filter matches, newest first, a page at a time (keyset, so memory and each
   * query stay bounded however many there are): for the CSV export.
   */
  async *export({
    customerId,
    ...filter
  }: Omit<MessageFilter, 'before' | 'customerUuid' | 'limit'> & { customerId?: string }): AsyncGenerator<
    MessageSummary[]
  > {
    let customerUuid: string | undefined;
    if (customerId !== undefined) {
      const customer = await this.customers.findByCustomerId(customerId);
      if (!customer) {
        return;
      }
      customerUuid = customer.id;
    }
    let before: PagePosition | undefined;
    do {
      const page = await this.log.list({ ...filter, customerUuid, limit: EXPORT_PAGE, before });
      yield await this.named(page.messages);
      before = page.next;
    } while (before);
  }

  async detail(id: string): Promise<MessageDetail> {
    const message = await this.log.detail(id);
    if (!message) {
      throw new MessagingException(MessagingErrorCode.MessageNotFound, `No message with id ${id}`);
    }
    return (await this.named([message]))[0]!;
  }

  /** The log's messages with their customer's shop id in place of the profile's uuid. */
  private async named<T extends MessageSummary>(
    messages: Array<LoggedMessage<T>>,
  ): Promise<Array<Omit<LoggedMessage<T>, 'customerUuid'> & Pick<MessageSummary, 'customerId'>>> {
    const contacts = await this.customers.contactsOf(
      undefined,
      messages.map((m) => m.customerUuid),
    );
    return messages.map(({ customerUuid, ...message }) => ({
      ...message,
      customerId: contacts.get(customerUuid)?.customerId ?? null,
    }));
  }

  async retry(id: string): Promise<MessageDetail> {
    if (!(await this.log.retry(id))) {
      const message = await this.detail(id);
      throw new MessagingException(
        MessagingErrorCode.MessageNotRetryable,
        `Only failed messages can be retried; this one is ${message.status}`,
      );
    }
    return this.detail(id);
  }

  /** Housekeeping: rendered content past MESSAGE_CONTENT_RETENTION_DAYS. */
  pruneContent(): Promise<number> {
    return drainInChunks(() => this.log.pruneContent(this.config.delivery.contentRetentionDays));
  }

  /** Queue, deferrals, and attempts over [from, to) by the hour (by the day past 7 days). */
  async health(from: Date, to: Date, now: Date): Promise<SendingHealth> {
    const bucket = to.getTime() - from.getTime() <= HOURLY_UP_TO_MS ? 'hour' : 'day';
    const [unknownAttempts, queue, deferredByReason, buckets] = await Promise.all([
      this.log.unknownAttempts(from, to),
      this.log.queue(now),
      this.log.deferredByReason(),
      this.log.attemptsOverTime(from, to, bucket),
    ]);
    return { unknownAttempts, queue, deferredByReason, attempts: { bucket, buckets } };
  }

  sendingState(): Promise<SendingState> {
    return this.log.sendingState();
  }

  setSending(paused: boolean, reason: string | null, changedBy: string): Promise<SendingState> {
    return this.log.setSending(paused, reason, changedBy);
  }

  async listSuppressions(
    email: string | undefined,
    limit: number,
    before: string | undefined,
  ): Promise<SuppressionPage> {
    let position: PagePosition | undefined;
    if (before !== undefined) {
      position = decodePageCursor(before, SUPPRESSION_CURSOR_AFTER);
      if (!position) {
        throw new MessagingException(
          MessagingErrorCode.InvalidCursor,
          'The "before" cursor is not one this API returned',
        );
      }
    }
    const page = await this.suppressions.list(email, limit, position);
    return { suppressions: page.entries, nextCursor: page.next ? encodePageCursor(page.next) : null };
  }

  /** An operator's entry: `manual` stops all mail to the address, `complaint` marketing only. */
  async suppress(email: string, reason: SuppressionReason, note: string | null, by: string): Promise<Suppression> {
    const recipient = checkRecipient(email);
    if (!recipient.ok) {
      throw new MessagingException(
        MessagingErrorCode.InvalidRecipient,
        `"email" is not a single email address: ${recipient.reason}`,
      );
    }
    await this.suppressions.add(recipient.address, reason, `api:${by}`, note);
    const [entry] = (await this.suppressions.list(recipient.address, 10)).entries.filter((s) => s.reason === reason);
    return entry!;
  }

  async unsuppress(email: string, reason: SuppressionReason | undefined): Promise<{ removed: number }> {
    const removed = await this.suppressions.remove(email, reason);
    if (removed === 0) {
      throw new MessagingException(
        MessagingErrorCode.SuppressionNotFound,
        `"${email}" is not suppressed${reason ? ` for ${reason}` : ''}`,
      );
    }
    return { removed };
  }

  /**
   * Sends rendered content to one address straight away (template test-send): no outbox row, no
   * consent or suppression check, since the sender typed the address; the kill switch still holds.
   */
  async sendTest(to: string, rendered: RenderedMessage): Promise<{ to: string; response: string }> {
    const recipient = checkRecipient(to);
    if (!recipient.ok) {
      throw new MessagingException(
        MessagingErrorCode.InvalidRecipient,
        `"to" is not a single email address: ${recipient.reason}`,
      );
    }
    if ((await this.log.sendingState()).paused) {
      throw new MessagingException(MessagingErrorCode.SendingPaused, 'Sending is paused; resume it to send a test');
    }
    try {
      const receipt = await this.transport.send({
        from: this.config.mail.from,
        to: recipient.address,
        messageId: `<test-${Date.now()}-${Math.random().toString(36).slice(2)}@${this.config.mail.from.address.split('@')[1]}>`,
        subject: singleLine(`[Test] ${rendered.subject}`),
        html: rendered.html,
        text: rendered.text,
        headers: {},
      });
      return { to: recipient.address, response: receipt.response };
    } catch (error) {
      throw new MessagingException(
        MessagingErrorCode.SendFailed,
        `The mail server refused the test message: ${errorMessage(error)}`,
      );
    }
  }
}

const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function decodeCursor(cursor: string): PagePosition {
  const position = decodePageCursor(cursor, MESSAGE_ID);
  if (!position) {
    throw new MessagingException(MessagingErrorCode.InvalidCursor, 'The "before" cursor is not one this API returned');
  }
  return position;
}
