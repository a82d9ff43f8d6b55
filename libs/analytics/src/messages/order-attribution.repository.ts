import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { creditFor, type AttributionSettings, type Credit, type MessageTouch } from '../attribution.util';
import type { EngagementThresholds } from '../engagement.util';
import { classifyHits } from './message-engagement.repository';

/** An order as its customer's facts have it now (CustomerRepository owns them). */
export interface OrderState {
  orderId: string;
  placedAt: Date;
  total: number;
  refundedTotal: number;
  currency: string;
  cancelled: boolean;
}

/** What an order's credit is measured in: the shop's currency, or another one reported apart. */
export interface AttributionContext {
  attribution: AttributionSettings;
  engagement: EngagementThresholds;
  shopCurrency: string;
}

interface Candidate {
  id: string;
  sent_at: Date;
  journey_id: string | null;
  step_id: string | null;
  template_key: string | null;
  split_path: string | null;
}

interface StoredAttribution {
  message_id: string | null;
  currency: string;
  credited_orders: number;
  revenue: string;
}

/**
 * Last-touch attribution (docs/analytics.md, "Attribution"), decided once per order when the order
 * is first applied, in the transaction that applies it, and kept in `order_attributions` (a row
 * with no message: decided, nothing credited). The credit is written on the message (credited
 * orders and revenue: shop currency, other currencies apart), whose trigger moves
 * `message_daily`. Refunds and cancellations re-measure the credit from the order as it stands.
 *
 * Candidates are the customer's sent email messages with a touch in [placedAt − window,
 * placedAt]: sent then, or hit then (a message sent earlier and clicked within the window). A
 * held-out instance produces no message at all (the engine drops its effects), so nothing of a
 * held-out customer can be credited.
 */
@Injectable()
export class OrderAttributionRepository {
  /** Decides the credit of a newly applied order; an order already decided (a duplicate) changes nothing. */
  async orderPlaced(
    tx: EntityManager,
    customerUuid: string,
    order: OrderState,
    context: AttributionContext,
  ): Promise<Credit | null> {
    const [decided] = await tx.query<unknown[]>(
      `SELECT 1 FROM order_attributions WHERE customer_uuid = $1 AND order_id = $2`,
      [customerUuid, order.orderId],
    );
    if (decided) {
      return null;
    }
    const windowMs = context.attribution.windowMs;
    const from = new Date(order.placedAt.getTime() - windowMs);
    const candidates = await tx.query<Candidate[]>(
      `SELECT o.id, o.sent_at, o.journey_id, o.step_id, o.template_key, o.split_path
         FROM outbox_messages o
        WHERE o.customer_uuid = $1 AND o.channel = 'email' AND o.status = 'sent' AND o.sent_at <= $3
          AND (o.sent_at >= $2
               OR o.id IN (SELECT e.message_id FROM message_engagements e
                            WHERE e.customer_uuid = $1 AND e.at BETWEEN $2 AND $3 AND e.kind IN ('open', 'click')))`,
      [customerUuid, from, order.placedAt],
    );
    const hits =
      candidates.length === 0
        ? []
        : await tx.query<
            Array<{
              message_id: string;
              kind: 'open' | 'click';
              at: Date;
              link: string | null;
              user_agent: string | null;
            }>
          >(
            `SELECT message_id, kind, at, link, user_agent FROM message_engagements
              WHERE customer_uuid = $1 AND message_id = ANY ($2::uuid[]) ORDER BY message_id, seq`,
            [customerUuid, candidates.map((c) => c.id)],
          );
    const touches: MessageTouch[] = candidates.map((c) => {
      const verdict = classifyHits(
        c.sent_at,
        hits.filter((h) => h.message_id === c.id),
        context.engagement,
      );
      return {
        messageId: c.id,
        sentAt: c.sent_at.getTime(),
        humanOpens: verdict.humanOpens,
        humanClicks: verdict.humanClicks,
        heldOut: false,
      };
    });
    const credit = creditFor(order.placedAt.getTime(), touches, context.attribution);
    const message = credit ? candidates.find((c) => c.id === credit.messageId)! : undefined;
    await tx.query(
      `INSERT INTO order_attributions (customer_uuid, order_id, message_id, journey_id, step_id, template_key,
                                       split_path, touch, touched_at, currency, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())`,
      [
        customerUuid,
        order.orderId,
        message?.id ?? null,
        message?.journey_id ?? null,
        message?.step_id ?? null,
        message?.template_key ?? null,
        message?.split_path ?? null,
        credit?.by ?? null,
        credit ? new Date(credit.at) : null,
        order.currency,
      ],
    );
    await this.orderChanged(tx, customerUuid, order, context);
    return credit;
  }

  /**
   * Brings the credit of an attributed order to the order as it stands: one order and its net
   * revenue (total − refunded), none once cancelled. A refund lowers the credited message's
   * revenue by what it took off the order.
   */
  async orderChanged(
    tx: EntityManager,
    customerUuid: string,
    order: OrderState,
    context: AttributionContext,
  ): Promise<void> {
    const [stored] = await tx.query<StoredAttribution[]>(
      `SELECT message_id, currency, credited_orders, revenue FROM order_attributions
        WHERE customer_uuid = $1 AND order_id = $2 FOR UPDATE`,
      [customerUuid, order.orderId],
    );
    if (!stored?.message_id) {
      return;
    }
    const orders = order.cancelled ? 0 : 1;
    const revenue = order.cancelled ? 0 : Math.max(0, order.total - order.refundedTotal);
    const deltaOrders = orders - stored.credited_orders;
    const deltaRevenue = revenue - Number(stored.revenue);
    if (deltaOrders === 0 && deltaRevenue === 0) {
      return;
    }
    await tx.query(
      `UPDATE order_attributions SET credited_orders = $3, revenue = $4 WHERE customer_uuid = $1 AND order_id = $2`,
      [customerUuid, order.orderId, orders, revenue],
    );
    if (stored.currency === context.shopCurrency) {
      await tx.query(
        `UPDATE outbox_messages SET credited_orders = credited_orders + $2, credited_revenue = credited_revenue + $3
          WHERE id = $1`,
        [stored.message_id, deltaOrders, deltaRevenue],
      );
    } else {
      // Other currencies are counted as orders and their amounts kept apart, never converted.
      await tx.query(
        `UPDATE outbox_messages
            SET credited_orders = credited_orders + $3,
                credited_other = jsonb_set(credited_other, ARRAY[$2::text], jsonb_build_object(
                  'orders', COALESCE((credited_other->$2->>'orders')::int, 0) + $3,
                  'revenue', COALESCE((credited_other->$2->>'revenue')::numeric, 0) + $4))
          WHERE id = $1`,
        [stored.message_id, stored.currency, deltaOrders, deltaRevenue],
      );
    }
  }
}
