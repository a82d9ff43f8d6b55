/**
 * The one workload every system in the baselines benchmark runs: N abandoned checkouts, each
 * stored and given a reminder D seconds after the event's time; when due, the reminder is
 * rendered from the same Handlebars text for everyone and sent over SMTP to the shared sink.
 */

export const CARTS = Number(process.env.BENCH_CARTS ?? 10_000);
export const DELAY_SECONDS = Number(process.env.BENCH_DELAY_SECONDS ?? 20);
/** Worker processes per system. */
export const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
/** Events per hand-over (one HTTP batch for Kizuna, one transaction / addBulk for the baselines). */
export const CHUNK = 500;
/** Hand-overs in flight at once, for every system (the ingest benchmark's best batch setting). */
export const PRODUCERS = 8;
/**
 * Reminders a worker has in flight at once, for every system: the best setting bench:delivery
 * found for Kizuna (DELIVERY_CONCURRENCY=50), and BullMQ's documented example concurrency.
 */
export const SEND_BATCH = 50;
/**
 * SMTP connections per worker process: one per reminder in flight, as Kizuna's pool opens at
 * DELIVERY_CONCURRENCY=50; the baselines' nodemailer pools get as many (maxConnections).
 */
export const SMTP_CONNECTIONS = SEND_BATCH;
/** Connections per process to PostgreSQL, for every system. */
export const DB_POOL = 8;

export const MAIL_FROM = { name: 'Kizuna Bench Shop', address: 'shop@bench.kizuna.test' };

export interface CartItem {
  id: string;
  name: string;
  price: number;
  quantity: number;
}

/** What a reminder needs: the customer's address and the cart, as the checkout.started event carried it. */
export interface Cart {
  n: number;
  customerId: string;
  email: string;
  cartId: string;
  items: CartItem[];
  total: number;
  currency: string;
}

export const recipient = (run: string, n: number): string => `c-${run}-${n}@bench.kizuna.test`;

/** The cart number back from a recipient address, or undefined for an address not of this run. */
export function cartNumber(run: string, address: string): number | undefined {
  const m = /^c-([^-@]+)-(\d+)@bench\.kizuna\.test$/.exec(address);
  return m && m[1] === run ? Number(m[2]) : undefined;
}

export function makeCarts(run: string, count: number): Cart[] {
  return Array.from({ length: count }, (_, n) => {
    const items = [
      { id: 'sku-1', name: 'Tea cup', price: 29.9, quantity: 1 + (n % 3) },
      { id: 'sku-2', name: 'Tea pot', price: 45, quantity: 1 },
    ];
    return {
      n,
      customerId: `c-${run}-${n}`,
      email: recipient(run, n),
      cartId: `${run}-cart-${n}`,
      items,
      total: Math.round(items.reduce((sum, i) => sum + i.price * i.quantity, 0) * 100) / 100,
      currency: 'USD',
    };
  });
}

/**
 * The reminder, written once against the data Kizuna gives a journey's send step (`customer`,
 * `trigger.properties`); the baselines render it from the same shape. No Kizuna-only helpers.
 */
export const REMINDER_TEMPLATE = {
  subject: 'You left {{trigger.properties.items.length}} items in your cart',
  html:
    '<p>Hello {{customer.email}},</p><ul>{{#each trigger.properties.items}}<li>{{quantity}} × {{name}}: {{price}}</li>{{/each}}</ul>' +
    '<p>Total: {{trigger.properties.total}} {{trigger.properties.currency}}</p>',
  text:
    'Hello {{customer.email}},\n{{#each trigger.properties.items}}{{quantity}} × {{name}}: {{price}}\n{{/each}}' +
    'Total: {{trigger.properties.total}} {{trigger.properties.currency}}\n',
};

/** nodemailer's pooled SMTP options, exactly as Kizuna's SmtpMailTransport sets them. */
export const smtpPoolOptions = (url: string) => ({
  url,
  pool: true,
  maxConnections: SMTP_CONNECTIONS,
  maxRequeues: 0,
  connectionTimeout: 30_000,
  greetingTimeout: 30_000,
  socketTimeout: 60_000,
});
