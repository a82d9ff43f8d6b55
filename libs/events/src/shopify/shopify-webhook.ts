import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseOrThrow } from '@kizuna/common';
import { z } from 'zod';
import type { EventCandidate } from '../event-ingest.service';
import { EventsErrorCode, EventsException } from '../events.exception';

/**
 * Shopify webhooks (checkouts/create|update, orders/create|paid|cancelled) mapped to native
 * events. Checkouts are keyed by their token, and orders carry `checkout_token`, so an order
 * ends the cart-abandonment journey of exactly the checkout it came from.
 */

export const SHOPIFY_TOPICS = [
  'checkouts/create',
  'checkouts/update',
  'orders/create',
  'orders/paid',
  'orders/cancelled',
] as const;
export type ShopifyTopic = (typeof SHOPIFY_TOPICS)[number];

/** Constant-time check of X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body. */
export function verifyShopifyHmac(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) {
    return false;
  }
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(header, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function isShopifyTopic(topic: string | undefined): topic is ShopifyTopic {
  return (SHOPIFY_TOPICS as readonly string[]).includes(topic ?? '');
}

/**
 * The fields Kizuna reads, checked before they are read: a payload with a valid HMAC can still
 * carry `line_items: 1.5` (a proxy, a test tool, a bug). Anything else Shopify sends is left as
 * it is (Shopify adds fields without notice).
 */
const shopifyId = z.union([z.string(), z.number()]);
const shopifyText = z.string().nullish();
const shopifyLineItemSchema = z.looseObject({
  /** The line's own id (orders) or key (checkouts): all a custom item without a product has. */
  id: shopifyId.nullish(),
  key: shopifyText,
  product_id: shopifyId.nullish(),
  variant_id: shopifyId.nullish(),
  sku: shopifyText,
  title: z.string().optional(),
  name: z.string().optional(),
  price: z.union([z.string(), z.number()]).optional(),
  quantity: z.number().optional(),
});
const shopifyPayloadSchema = z.looseObject({
  id: shopifyId.optional(),
  token: z.string().optional(),
  checkout_token: shopifyText,
  email: shopifyText,
  contact_email: shopifyText,
  customer: z
    .looseObject({
      id: shopifyId.nullish(),
      email: shopifyText,
      first_name: shopifyText,
      last_name: shopifyText,
    })
    .nullish(),
  line_items: z.array(shopifyLineItemSchema).optional(),
  total_price: z.union([z.string(), z.number()]).optional(),
  /** The order's total in the shop's currency and in the buyer's (multi-currency shops). */
  total_price_set: z
    .looseObject({
      shop_money: z.looseObject({ amount: z.union([z.string(), z.number()]), currency_code: z.string() }).nullish(),
      presentment_money: z
        .looseObject({ amount: z.union([z.string(), z.number()]), currency_code: z.string() })
        .nullish(),
    })
    .nullish(),
  currency: z.string().optional(),
  presentment_currency: z.string().optional(),
  abandoned_checkout_url: shopifyText,
  order_status_url: shopifyText,
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  cancelled_at: shopifyText,
  cancel_reason: shopifyText,
  customer_locale: shopifyText,
});

/** The candidate for one webhook, or a reason to acknowledge it without storing anything. */
export function mapShopifyWebhook(
  topic: string | undefined,
  webhookId: string | undefined,
  payload: unknown,
): { candidate: EventCandidate } | { skipped: string } {
  if (!isShopifyTopic(topic)) {
    throw new EventsException(
      EventsErrorCode.UnsupportedWebhookTopic,
      `Unsupported X-Shopify-Topic "${topic ?? ''}"; supported: ${SHOPIFY_TOPICS.join(', ')}`,
    );
  }
  const p = parseOrThrow(shopifyPayloadSchema, payload);
  const customerId = p.customer?.id === undefined || p.customer?.id === null ? undefined : String(p.customer.id);
  const email = p.email || p.contact_email || p.customer?.email || undefined;
  if (customerId === undefined && !email) {
    return { skipped: 'no customer and no email yet: nobody to message' };
  }
  const traits: Record<string, unknown> = {};
  if (p.customer?.first_name) {
    traits.firstName = p.customer.first_name;
  }
  if (p.customer?.last_name) {
    traits.lastName = p.customer.last_name;
  }
  if (p.customer_locale) {
    traits.locale = p.customer_locale;
  }
  const items = (p.line_items ?? []).map((li) => ({
    id: String(li.variant_id ?? li.product_id ?? (li.sku || undefined) ?? li.id ?? li.key ?? ''),
    name: li.title ?? li.name ?? '',
    price: Number(li.price ?? 0),
    quantity: li.quantity ?? 1,
  }));
  // A multi-currency shop's order: `total_price` and `currency` may be the buyer's (presentment)
  // amount; `total_price_set.shop_money` is the settled amount in the shop's currency, which is
  // what revenue is counted in (docs/analytics.md, "Currencies"). The buyer's amount is kept
  // beside it when it differs.
  const shopMoney = p.total_price_set?.shop_money ?? undefined;
  const presentment = p.total_price_set?.presentment_money ?? undefined;
  const total = shopMoney ? Number(shopMoney.amount) : p.total_price === undefined ? undefined : Number(p.total_price);
  const currency = shopMoney ? shopMoney.currency_code : (p.currency ?? p.presentment_currency);
  const presentmentAmount =
    shopMoney && presentment && presentment.currency_code !== shopMoney.currency_code
      ? { presentmentTotal: Number(presentment.amount), presentmentCurrency: presentment.currency_code }
      : {};

  let name: string;
  let properties: Record<string, unknown>;
  switch (topic) {
    case 'checkouts/create':
    case 'checkouts/update':
      name = topic === 'checkouts/create' ? 'checkout.started' : 'cart.updated';
      properties = {
        cartId: p.token,
        items,
        total,
        currency,
        ...(p.abandoned_checkout_url ? { checkoutUrl: p.abandoned_checkout_url } : {}),
      };
      break;
    case 'orders/create':
      name = 'order.placed';
      properties = {
        orderId: p.id === undefined ? undefined : String(p.id),
        total,
        currency,
        ...presentmentAmount,
        items,
        ...(p.checkout_token ? { cartId: p.checkout_token } : {}),
      };
      break;
    case 'orders/paid':
      name = 'order.paid';
      properties = { orderId: p.id === undefined ? undefined : String(p.id), total, currency, ...presentmentAmount };
      break;
    case 'orders/cancelled':
      name = 'order.cancelled';
      properties = { orderId: p.id === undefined ? undefined : String(p.id), reason: p.cancel_reason ?? undefined };
      break;
  }
  const timestamp = topic === 'orders/cancelled' ? (p.cancelled_at ?? p.updated_at) : (p.updated_at ?? p.created_at);
  return {
    candidate: {
      path: '(body)',
      messageId: webhookId,
      input: {
        name,
        ...(customerId !== undefined ? { customerId } : {}),
        ...(email ? { email } : {}),
        ...(timestamp ? { timestamp } : {}),
        properties: JSON.parse(JSON.stringify(properties)) as Record<string, unknown>,
        ...(Object.keys(traits).length > 0 ? { traits } : {}),
      },
    },
  };
}
