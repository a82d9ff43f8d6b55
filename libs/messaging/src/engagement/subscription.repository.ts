import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** A sent message as open, click and unsubscribe links find it. */
export interface LinkedMessage {
  messageId: string;
  customerUuid: string;
  /** The address the message went to. */
  recipient: string | null;
  templateKey: string | null;
  journeyId: string | null;
  stepId: string | null;
}

/** Who a sent message belongs to: what open, click and unsubscribe links act on. */
export interface MessageTarget extends LinkedMessage {
  customerId: string | null;
  /** The profile's email now. */
  email: string | null;
  unsubscribed: boolean;
}

interface TargetRow {
  id: string;
  customer_uuid: string;
  recipient: string | null;
  template_key: string | null;
  journey_id: string | null;
  step_id: string | null;
}

/**
 * The outbox side of the links in a message: which message a link belongs to, and stopping the
 * customer's queued marketing mail on unsubscribe. Consent is the profile's (CustomerRepository)
 * and the suppression entry the suppression list's; EngagementService makes them one change.
 */
@Injectable()
export class SubscriptionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async target(messageId: string): Promise<LinkedMessage | undefined> {
    const [row] = await this.dataSource.query<TargetRow[]>(
      `SELECT o.id, o.customer_uuid, o.recipient, o.template_key, o.journey_id, o.step_id
         FROM outbox_messages o
        WHERE o.id = $1`,
      [messageId],
    );
    return row
      ? {
          messageId: row.id,
          customerUuid: row.customer_uuid,
          recipient: row.recipient,
          templateKey: row.template_key,
          journeyId: row.journey_id,
          stepId: row.step_id,
        }
      : undefined;
  }

  /** Stops the customer's marketing email still waiting to be sent (an unsubscribe). */
  async suppressQueuedMarketing(tx: EntityManager, customerUuid: string): Promise<void> {
    await tx.query(
      `UPDATE outbox_messages SET status = 'suppressed', status_reason = 'the customer unsubscribed from marketing email',
              updated_at = now()
        WHERE customer_uuid = $1 AND channel = 'email' AND category = 'marketing' AND status IN ('queued', 'deferred')`,
      [customerUuid],
    );
  }
}
