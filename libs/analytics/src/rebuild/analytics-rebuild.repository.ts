import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** An order by its key, as `CustomerRepository.orders` takes it. */
export interface OrderKey {
  customerUuid: string;
  orderId: string;
}

/**
 * What the analytics rebuild walks (AnalyticsRebuildService): messages and the customers with
 * order facts, a page at a time in key order, and the one write of its own, a message's shop day.
 * Summaries and credits are written by the repositories that write them on the live path.
 */
@Injectable()
export class AnalyticsRebuildRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Message ids in id order after `after`: one range of the primary key. */
  async messageIdsAfter(after: string | null, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM outbox_messages WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Files these messages under the shop day of their creation in `timeZone`, the day the enqueue
   * gives a new message (OutboxRepository.enqueue), where it differs; the rollup trigger moves
   * each one's counts from its old day to the new one in the same statement. Returns how many
   * moved.
   */
  async rekeyMessages(tx: EntityManager, messageIds: string[], timeZone: string): Promise<number> {
    const [row] = await tx.query<Array<{ n: number }>>(
      `WITH moved AS (
         UPDATE outbox_messages SET created_day = (created_at AT TIME ZONE $2)::date
          WHERE id = ANY ($1::uuid[]) AND created_day IS DISTINCT FROM (created_at AT TIME ZONE $2)::date
         RETURNING 1)
       SELECT count(*)::int AS n FROM moved`,
      [messageIds, timeZone],
    );
    return row!.n;
  }

  /**
   * Customers with an order fact or an attribution decision, in id order after `after`. Both
   * tables lead with the customer, so each side is one range of its primary key; a decision whose
   * order is gone (the shop-wide order id migration removed duplicates) is found too, so that it
   * can be withdrawn.
   */
  async customersAfter(after: string | null, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ customer_uuid: string }>>(
      `SELECT customer_uuid FROM (
         (SELECT DISTINCT customer_uuid FROM customer_orders
           WHERE ($1::uuid IS NULL OR customer_uuid > $1) ORDER BY customer_uuid LIMIT $2)
         UNION
         (SELECT DISTINCT customer_uuid FROM order_attributions
           WHERE ($1::uuid IS NULL OR customer_uuid > $1) ORDER BY customer_uuid LIMIT $2)) c
        ORDER BY customer_uuid LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => r.customer_uuid);
  }

  /** Every order of these customers (cancelled ones too), in the order they were placed. */
  async orderKeysOf(tx: EntityManager, customerUuids: string[]): Promise<OrderKey[]> {
    const rows = await tx.query<Array<{ customer_uuid: string; order_id: string }>>(
      `SELECT customer_uuid, order_id FROM customer_orders
        WHERE customer_uuid = ANY ($1::uuid[]) ORDER BY placed_at, customer_uuid, order_id`,
      [customerUuids],
    );
    return rows.map((r) => ({ customerUuid: r.customer_uuid, orderId: r.order_id }));
  }
}
