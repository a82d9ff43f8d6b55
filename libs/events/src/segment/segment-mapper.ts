import { toValidationIssues } from '@kizuna/common';
import { z } from 'zod';
import type { EventCandidate } from '../event-ingest.service';

/**
 * Maps Segment HTTP Tracking API messages (as sent by analytics-node, analytics.js, RudderStack)
 * to native event candidates. E-commerce spec v2 events become the native vocabulary; other
 * track events keep their name. Messages that cannot be tied to a customer (anonymousId only)
 * and message types Kizuna does not use (page, screen, group, alias) are acknowledged and
 * skipped, as Segment's own API would accept them.
 */

const messageSchema = z.looseObject({
  type: z.enum(['track', 'identify', 'page', 'screen', 'group', 'alias'], {
    message: 'must be one of track, identify, page, screen, group, alias',
  }),
  messageId: z.string().min(1).max(255).optional(),
  userId: z.union([z.string(), z.number()]).nullish(),
  anonymousId: z.union([z.string(), z.number()]).nullish(),
  event: z.string().optional(),
  timestamp: z.string().optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  traits: z.record(z.string(), z.unknown()).optional(),
  context: z
    .looseObject({
      traits: z.record(z.string(), z.unknown()).optional(),
      locale: z.string().optional(),
      timezone: z.string().optional(),
    })
    .optional(),
});

export type SegmentMessage = z.infer<typeof messageSchema>;

export const segmentMessageSchema = messageSchema;

export const segmentBatchSchema = z.looseObject({
  batch: z.array(z.unknown()).min(1, 'must hold at least one message'),
});

export interface SkippedMessage {
  index: number;
  messageId: string | undefined;
  reason: string;
}

export interface SegmentMapping {
  candidates: EventCandidate[];
  skipped: SkippedMessage[];
}

/** E-commerce spec v2 event names mapped to the native vocabulary (a Map: names are the sender's). */
const ECOMMERCE_EVENTS: ReadonlyMap<string, string> = new Map([
  ['Checkout Started', 'checkout.started'],
  ['Cart Viewed', 'cart.updated'],
  ['Product Added', 'cart.item_added'],
  ['Product Removed', 'cart.item_removed'],
  ['Order Completed', 'order.placed'],
  ['Order Updated', 'order.updated'],
  ['Order Refunded', 'order.refunded'],
  ['Order Cancelled', 'order.cancelled'],
  ['Product Viewed', 'product.viewed'],
]);

export function mapSegmentMessages(messages: unknown[], pathOf: (index: number) => string): SegmentMapping {
  const candidates: EventCandidate[] = [];
  const skipped: SkippedMessage[] = [];
  messages.forEach((raw, index) => {
    const path = pathOf(index);
    const parsed = messageSchema.safeParse(raw);
    if (!parsed.success) {
      candidates.push({ input: raw, path, issues: toValidationIssues(parsed.error, path) });
      return;
    }
    const message = parsed.data;
    if (message.type !== 'track' && message.type !== 'identify') {
      skipped.push({
        index,
        messageId: message.messageId,
        reason: `"${message.type}" messages are not used by Kizuna`,
      });
      return;
    }
    const traits = { ...(message.context?.traits ?? {}), ...(message.traits ?? {}) };
    const customerId = message.userId === null || message.userId === undefined ? undefined : String(message.userId);
    const email = pickString(traits.email) ?? pickString(message.properties?.email);
    if (customerId === undefined && email === undefined) {
      skipped.push({
        index,
        messageId: message.messageId,
        reason: 'no userId or email: an anonymous visitor cannot be messaged',
      });
      return;
    }
    const profile = profileTraits(traits, message.context);
    candidates.push({
      path,
      input: {
        name:
          message.type === 'identify'
            ? 'customer.identified'
            : (ECOMMERCE_EVENTS.get(message.event ?? '') ?? message.event ?? ''),
        ...(customerId !== undefined ? { customerId } : {}),
        ...(email !== undefined ? { email } : {}),
        ...(message.messageId !== undefined ? { messageId: message.messageId } : {}),
        ...(message.timestamp !== undefined ? { timestamp: message.timestamp } : {}),
        properties: message.type === 'track' ? mapProperties(message.event ?? '', message.properties ?? {}) : {},
        ...(Object.keys(profile).length > 0 ? { traits: profile } : {}),
      },
    });
  });
  return { candidates, skipped };
}

function profileTraits(traits: Record<string, unknown>, context: SegmentMessage['context']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(traits)) {
    out[camel(key)] = value;
  }
  if (context?.timezone && out.timezone === undefined) {
    out.timezone = context.timezone;
  }
  if (context?.locale && out.locale === undefined) {
    out.locale = context.locale;
  }
  return out;
}

/** Spec v2 snake_case properties to the native camelCase shape; unknown ones are kept as sent. */
function mapProperties(event: string, props: Record<string, unknown>): Record<string, unknown> {
  const mapped: Record<string, unknown> = { ...props };
  const products = Array.isArray(props.products) ? props.products.map(mapProduct) : undefined;
  const cartId = props.cart_id ?? props.checkout_id ?? props.order_id;
  switch (ECOMMERCE_EVENTS.get(event)) {
    case 'checkout.started':
    case 'cart.updated':
      assign(mapped, {
        cartId,
        items: products ?? [],
        total: props.total ?? props.value ?? props.revenue,
        currency: props.currency,
        checkoutUrl: props.checkout_url ?? props.url,
      });
      break;
    case 'cart.item_added':
    case 'cart.item_removed':
      assign(mapped, { cartId: props.cart_id, items: [mapProduct(props)] });
      break;
    case 'order.placed':
    case 'order.updated':
      assign(mapped, {
        orderId: props.order_id,
        // Same fallback as Checkout Started, so an order finds the cart it came from.
        cartId,
        total: props.total ?? props.revenue ?? props.value,
        currency: props.currency,
        items: products ?? [],
      });
      break;
    case 'order.refunded':
      assign(mapped, { orderId: props.order_id, total: props.total ?? props.value, currency: props.currency });
      break;
    case 'order.cancelled':
      assign(mapped, { orderId: props.order_id });
      break;
    case 'product.viewed':
      assign(mapped, {
        productId: props.product_id ?? props.sku,
        name: props.name,
        price: props.price,
        url: props.url,
      });
      break;
    default:
      break;
  }
  return mapped;
}

function mapProduct(raw: unknown): Record<string, unknown> {
  const p = (raw ?? {}) as Record<string, unknown>;
  const item: Record<string, unknown> = {};
  assign(item, {
    id: p.product_id ?? p.sku ?? p.id,
    name: p.name,
    price: p.price,
    quantity: p.quantity ?? 1,
    url: p.url,
    imageUrl: p.image_url,
  });
  return item;
}

function assign(target: Record<string, unknown>, values: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null) {
      target[key] = value;
    }
  }
}

function pickString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
