import { z } from 'zod';

/**
 * The native event format (POST /v1/events). The Segment and Shopify adapters map their payloads
 * to this same shape, so every event passes one set of rules before it is stored.
 */

export const MAX_BATCH_SIZE = 1000;

/** Shop ids are often numeric; they are stored as text. */
const idString = z.union([z.string(), z.number().int()]).transform(String).pipe(z.string().trim().min(1).max(255));

/**
 * Amounts: up to a trillion in any currency. Order facts are numeric(20, 4), and a customer's
 * revenue sums them; a larger amount is a bug or an attack, refused here rather than failing
 * when the worker applies the event.
 */
export const MAX_AMOUNT = 1e12;
const money = z.number().finite().nonnegative().max(MAX_AMOUNT);
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as USD or JPY');

export const lineItemSchema = z.looseObject({
  id: idString,
  name: z.string().min(1).max(500),
  price: money,
  quantity: z.number().int().positive(),
  url: z.url().optional(),
  imageUrl: z.url().optional(),
});

const cartProperties = z.looseObject({
  cartId: idString,
  items: z.array(lineItemSchema).max(500),
  total: money.optional(),
  currency: currency.optional(),
  checkoutUrl: z.url().optional(),
});

const orderProperties = z.looseObject({
  orderId: idString,
  total: money,
  currency,
  items: z.array(lineItemSchema).max(500).default([]),
  cartId: idString.optional(),
});

const refundProperties = z.looseObject({
  orderId: idString,
  /** The amount refunded; absent means the whole order. */
  total: money.optional(),
  currency: currency.optional(),
});

const orderReference = z.looseObject({ orderId: idString });

/** The longest NPS comment kept: a reason, not an essay. */
export const MAX_NPS_COMMENT = 2000;

/**
 * An NPS answer, from Kizuna's answer page or posted by a shop that surveys with another tool
 * (docs/analytics.md, "NPS"): both count the same.
 */
const npsProperties = z.looseObject({
  score: z.number().int('must be a whole number from 0 to 10').min(0).max(10),
  comment: z.string().trim().max(MAX_NPS_COMMENT).optional(),
  journeyId: z.string().max(255).optional(),
  instanceKey: z.string().max(255).optional(),
});

const productProperties = z.looseObject({
  productId: idString,
  name: z.string().max(500).optional(),
  price: money.optional(),
  url: z.url().optional(),
});

/**
 * Properties that known event names must carry. Other names take any JSON object. A Map: event
 * names are the sender's strings, and `constructor` or `__proto__` must not find Object.prototype.
 */
export const KNOWN_EVENT_PROPERTIES: ReadonlyMap<string, z.ZodType<Record<string, unknown>>> = new Map<
  string,
  z.ZodType<Record<string, unknown>>
>([
  ['cart.updated', cartProperties],
  ['checkout.started', cartProperties],
  ['order.placed', orderProperties],
  ['order.paid', orderReference],
  ['order.cancelled', orderReference],
  ['order.refunded', refundProperties],
  ['product.viewed', productProperties],
  ['nps.responded', npsProperties],
]);

/** Profile fields an event may set. Anything else under `traits` becomes a profile attribute. */
export const traitsSchema = z.looseObject({
  email: z.email().max(320).optional(),
  timezone: z
    .string()
    .refine((tz) => isValidTimeZone(tz), 'must be an IANA time zone such as Asia/Tokyo')
    .optional(),
  locale: z
    .string()
    .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'must be a BCP-47 locale such as ja or en-US')
    .optional(),
  /** Marketing email consent as the shop recorded it (sign-up checkbox, account settings). */
  emailConsent: z.enum(['subscribed', 'unsubscribed']).optional(),
});

export const nativeEventSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[\w.:\- ]+$/, 'may contain letters, digits, spaces and . _ : - only'),
    customerId: idString.optional(),
    email: z.email().max(320).optional(),
    messageId: z.string().trim().min(1).max(255).optional(),
    timestamp: z.iso
      .datetime({ offset: true, message: 'must be an ISO-8601 date-time with a time zone, e.g. 2026-11-21T09:30:00Z' })
      .optional(),
    properties: z.record(z.string(), z.unknown()).default({}),
    traits: traitsSchema.optional(),
  })
  .strict()
  .superRefine((event, ctx) => {
    if (event.customerId === undefined && event.email === undefined && event.traits?.email === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['customerId'],
        message: 'customerId or email is required to identify the customer',
      });
    }
    const propertiesSchema = KNOWN_EVENT_PROPERTIES.get(event.name);
    if (propertiesSchema) {
      const parsed = propertiesSchema.safeParse(event.properties);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          ctx.addIssue({ ...issue, path: ['properties', ...issue.path] });
        }
      } else {
        event.properties = parsed.data;
      }
    }
  });

export type NativeEventInput = z.input<typeof nativeEventSchema>;
export type NativeEvent = z.output<typeof nativeEventSchema>;

export const nativeBatchSchema = z
  .object({
    events: z.array(z.unknown()).min(1, 'must hold at least one event'),
  })
  .strict();

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
