import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Who a sent message belongs to: what open, click and unsubscribe links act on. */
export interface MessageTarget {
  messageId: string;
  customerUuid: string;
  customerId: string | null;
  /** The profile's email now. */
  email: string | null;
  /** The address the message went to. */
  recipient: string | null;
  templateKey: string | null;
  journeyId: string | null;
  stepId: string | null;
  unsubscribed: boolean;
}

interface TargetRow {
  id: string;
  customer_uuid: string;
  customer_id: string | null;
  email: string | null;
  recipient: string | null;
  template_key: string | null;
  journey_id: string | null;
  step_id: string | null;
  email_consent: string;
}

/**
 * Email consent on the customer profile and the suppression list, as changed from the links in
 * a message. Consent lives on `customers` (the profile); the suppression entry covers the
 * address, whichever profile it turns up on later.
 */
@Injectable()
export class SubscriptionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async target(messageId: string): Promise<MessageTarget | undefined> {
    const [row] = await this.dataSource.query<TargetRow[]>(
      `SELECT o.id, o.customer_uuid, c.customer_id, c.email, o.recipient, o.template_key, o.journey_id, o.step_id,
              c.email_consent
         FROM outbox_messages o JOIN customers c ON c.id = o.customer_uuid
        WHERE o.id = $1`,
      [messageId],
    );
    return row
      ? {
          messageId: row.id,
          customerUuid: row.customer_uuid,
          customerId: row.customer_id,
          email: row.email,
          recipient: row.recipient,
          templateKey: row.template_key,
          journeyId: row.journey_id,
          stepId: row.step_id,
          unsubscribed: row.email_consent === 'unsubscribed',
        }
      : undefined;
  }

  /**
   * Unsubscribes the profile from marketing email, suppresses the address, and stops marketing
   * mail already queued for the customer — all in one transaction. Returns false when nothing
   * changed (already unsubscribed), so a repeated click records no second event.
   */
  async unsubscribe(target: MessageTarget, source: string): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const changed = await tx.query<Array<{ id: string }>>(
        `WITH changed AS (
           UPDATE customers SET email_consent = 'unsubscribed', email_consent_source = $2, email_consent_at = now(),
                  updated_at = now()
            WHERE id = $1 AND email_consent <> 'unsubscribed' RETURNING id)
         SELECT id FROM changed`,
        [target.customerUuid, source],
      );
      for (const address of new Set([target.recipient, target.email].filter((a): a is string => !!a))) {
        await tx.query(
          `INSERT INTO suppressions (email, reason, source) VALUES ($1, 'unsubscribe', $2) ON CONFLICT DO NOTHING`,
          [address.toLowerCase(), source],
        );
      }
      await tx.query(
        `UPDATE outbox_messages SET status = 'suppressed', status_reason = 'the customer unsubscribed from marketing email',
                updated_at = now()
          WHERE customer_uuid = $1 AND channel = 'email' AND category = 'marketing' AND status IN ('queued', 'deferred')`,
        [target.customerUuid],
      );
      return changed.length > 0;
    });
  }

  /** Undoes an unsubscribe from the preference page: consent given, the unsubscribe entry removed. */
  async resubscribe(target: MessageTarget, source: string): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `UPDATE customers SET email_consent = 'subscribed', email_consent_source = $2, email_consent_at = now(),
                updated_at = now()
          WHERE id = $1`,
        [target.customerUuid, source],
      );
      await tx.query(`DELETE FROM suppressions WHERE email = ANY($1::text[]) AND reason = 'unsubscribe'`, [
        [target.recipient, target.email].filter((a): a is string => !!a).map((a) => a.toLowerCase()),
      ]);
    });
  }
}
