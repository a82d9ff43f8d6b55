import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { creditFor, type AttributionSettings, type MessageTouch } from '../attribution.util';
import type { EngagementThresholds } from '../engagement.util';
import { classifyHits, hitsOfMessages } from './message-engagement.repository';

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

interface StoredAttribution {
  customer_uuid: string;
  order_id: string;
  message_id: string;
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
/** An order a batch of events touched, as it stands after them; `placed`: one of them placed it. */
export interface AppliedOrder {
  customerUuid: string;
  order: OrderState;
  placed: boolean;
}

interface Candidate {
  /** Which of the orders being decided (its index) the message is a candidate for. */
  ord: number;
  id: string;
  sent_at: Date;
  journey_id: string | null;
  step_id: string | null;
  template_key: string | null;
  split_path: string | null;
}

@Injectable()
export class OrderAttributionRepository {
  /**
   * The credit of every order a batch of events touched, in a fixed number of statements whatever
   * their number: an order placed and not yet decided is decided (a duplicate `order.placed`
   * changes nothing), then every decided one's credit is brought to the order as it stands.
   */
  async ordersApplied(tx: EntityManager, applied: AppliedOrder[], context: AttributionContext): Promise<void> {
    if (applied.length === 0) {
      return;
    }
    const decided = new Set(
      (
        await tx.query<Array<{ key: string }>>(
          `SELECT a.customer_uuid || ':' || a.order_id AS key
             FROM unnest($1::uuid[], $2::text[]) AS k(customer_uuid, order_id)
             JOIN order_attributions a ON a.customer_uuid = k.customer_uuid AND a.order_id = k.order_id`,
          [applied.map((a) => a.customerUuid), applied.map((a) => a.order.orderId)],
        )
      ).map((r) => r.key),
    );
    await this.decide(
      tx,
      applied.filter((a) => a.placed && !decided.has(`${a.customerUuid}:${a.order.orderId}`)),
      context,
    );
    await this.bringUpToDate(tx, applied, context);
  }

  /**
   * The decided orders of these customers: `${customerUuid}:${orderId}` → the message credited
   * (null: decided, nothing credited).
   */
  async decisionsOf(tx: EntityManager, customerUuids: string[]): Promise<Map<string, string | null>> {
    const rows = await tx.query<Array<{ key: string; message_id: string | null }>>(
      `SELECT customer_uuid || ':' || order_id AS key, message_id FROM order_attributions
        WHERE customer_uuid = ANY ($1::uuid[])`,
      [customerUuids],
    );
    return new Map(rows.map((r) => [r.key, r.message_id]));
  }

  /**
   * Undoes every decision of these customers (the analytics rebuild, which then decides their
   * orders again with `ordersApplied`): their messages' credits go back to none and their
   * `order_attributions` rows are deleted. A message is only ever credited with its own
   * customer's orders (`decide` looks at that customer's messages), so the credit on the
   * customers' messages is exactly what their decisions added, in whichever currency column it
   * went to under the SHOP_CURRENCY of the time; setting it to none reverses it without having to
   * know that. The caller holds the customers' locks: no batch applies their orders meanwhile.
   */
  async withdraw(tx: EntityManager, customerUuids: string[]): Promise<void> {
    if (customerUuids.length === 0) {
      return;
    }
    await tx.query(
      `UPDATE outbox_messages SET credited_orders = 0, credited_revenue = 0, credited_other = '{}'::jsonb
        WHERE customer_uuid = ANY ($1::uuid[])
          AND (credited_orders <> 0 OR credited_revenue <> 0 OR credited_other <> '{}'::jsonb)`,
      [customerUuids],
    );
    await tx.query(`DELETE FROM order_attributions WHERE customer_uuid = ANY ($1::uuid[])`, [customerUuids]);
  }

  /** Decides and records the credit of orders not decided yet (no credit is a decision too). */
  private async decide(tx: EntityManager, orders: AppliedOrder[], context: AttributionContext): Promise<void> {
    if (orders.length === 0) {
      return;
    }
    const windowMs = context.attribution.windowMs;
    const candidates = await tx.query<Candidate[]>(
      `SELECT k.ord::int AS ord, o.id, o.sent_at, o.journey_id, o.step_id, o.template_key, o.split_path
         FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS k(customer_uuid, from_at, placed_at, ord)
         JOIN outbox_messages o
           ON o.customer_uuid = k.customer_uuid AND o.channel = 'email' AND o.status = 'sent' AND o.sent_at <= k.placed_at
          AND (o.sent_at >= k.from_at
               OR o.id IN (SELECT e.message_id FROM message_engagements e
                            WHERE e.customer_uuid = k.customer_uuid AND e.at BETWEEN k.from_at AND k.placed_at
                              AND e.kind IN ('open', 'click')))`,
      [
        orders.map((o) => o.customerUuid),
        orders.map((o) => new Date(o.order.placedAt.getTime() - windowMs)),
        orders.map((o) => o.order.placedAt),
      ],
    );
    const hitsOf = await hitsOfMessages(
      tx,
      candidates.map((c) => ({ customerUuid: orders[c.ord - 1]!.customerUuid, messageId: c.id })),
    );
    const candidatesOf = new Map<number, Candidate[]>();
    for (const candidate of candidates) {
      candidatesOf.set(candidate.ord, [...(candidatesOf.get(candidate.ord) ?? []), candidate]);
    }
    const rows = orders.map(({ customerUuid, order }, i) => {
      const mine = candidatesOf.get(i + 1) ?? [];
      const touches: MessageTouch[] = mine.map((c) => {
        const verdict = classifyHits(c.sent_at, hitsOf.get(c.id) ?? [], context.engagement);
        return {
          messageId: c.id,
          sentAt: c.sent_at.getTime(),
          humanOpens: verdict.humanOpens,
          humanClicks: verdict.humanClicks,
          heldOut: false,
        };
      });
      const credit = creditFor(order.placedAt.getTime(), touches, context.attribution);
      const message = credit ? mine.find((c) => c.id === credit.messageId) : undefined;
      return { customerUuid, order, credit, message };
    });
    await tx.query(
      `INSERT INTO order_attributions (customer_uuid, order_id, message_id, journey_id, step_id, template_key,
                                       split_path, touch, touched_at, currency, decided_at)
       SELECT * , now() FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[],
                                    $7::text[], $8::text[], $9::timestamptz[], $10::text[])`,
      [
        rows.map((r) => r.customerUuid),
        rows.map((r) => r.order.orderId),
        rows.map((r) => r.message?.id ?? null),
        rows.map((r) => r.message?.journey_id ?? null),
        rows.map((r) => r.message?.step_id ?? null),
        rows.map((r) => r.message?.template_key ?? null),
        rows.map((r) => r.message?.split_path ?? null),
        rows.map((r) => r.credit?.by ?? null),
        rows.map((r) => (r.credit ? new Date(r.credit.at) : null)),
        rows.map((r) => r.order.currency),
      ],
    );
  }

  /**
   * Brings the credit of each attributed order to the order as it stands: one order and its net
   * revenue (total − refunded), none once cancelled. A refund lowers the credited message's
   * revenue by what it took off the order.
   */
  private async bringUpToDate(tx: EntityManager, applied: AppliedOrder[], context: AttributionContext): Promise<void> {
    const stored = await tx.query<StoredAttribution[]>(
      `SELECT a.customer_uuid, a.order_id, a.message_id, a.currency, a.credited_orders, a.revenue
         FROM unnest($1::uuid[], $2::text[]) AS k(customer_uuid, order_id)
         JOIN order_attributions a ON a.customer_uuid = k.customer_uuid AND a.order_id = k.order_id
        WHERE a.message_id IS NOT NULL
        ORDER BY a.customer_uuid, a.order_id
          FOR UPDATE OF a`,
      [applied.map((a) => a.customerUuid), applied.map((a) => a.order.orderId)],
    );
    const orderOf = new Map(applied.map((a) => [`${a.customerUuid}:${a.order.orderId}`, a.order]));
    for (const credit of stored) {
      const order = orderOf.get(`${credit.customer_uuid}:${credit.order_id}`)!;
      const orders = order.cancelled ? 0 : 1;
      const revenue = order.cancelled ? 0 : Math.max(0, order.total - order.refundedTotal);
      const deltaOrders = orders - credit.credited_orders;
      const deltaRevenue = revenue - Number(credit.revenue);
      if (deltaOrders === 0 && deltaRevenue === 0) {
        continue;
      }
      await tx.query(
        `UPDATE order_attributions SET credited_orders = $3, revenue = $4 WHERE customer_uuid = $1 AND order_id = $2`,
        [credit.customer_uuid, credit.order_id, orders, revenue],
      );
      if (credit.currency === context.shopCurrency) {
        await tx.query(
          `UPDATE outbox_messages SET credited_orders = credited_orders + $2, credited_revenue = credited_revenue + $3
            WHERE id = $1`,
          [credit.message_id, deltaOrders, deltaRevenue],
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
          [credit.message_id, credit.currency, deltaOrders, deltaRevenue],
        );
      }
    }
  }
}
