import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@kizuna/common';
import type { KizunaConfig } from '@kizuna/config';
import { EventIngestService } from '@kizuna/events';
import { SegmentEvaluationJobs } from '@kizuna/segments';
import { NpsSurvey } from '@kizuna/templates';
import { ReferenceInstaller } from './reference-installer.service';
import { ShopDemoRepository, type DemoRunCounts, type DemoSummary } from './shop-demo.repository';

/**
 * The demo: a small tea shop lives through a few simulated months while the real engine runs.
 * The reference content is installed with every duration scaled to the demo's day length, and
 * the shop's events are sent as their simulated moment comes (with the real timestamp), so the
 * engine, its timers and the segments' due times all run on the real clock, only faster
 * journeys. Customers answer some NPS requests the way a click on the email's link does.
 *
 * The sending policy is kept on the demo's clock too (`sendingPolicyEnv`): caps shrink with the
 * day, and quiet hours are off, since a simulated day has no real night. On the real clock, a run
 * in the evening held every marketing email until the morning (issue #10).
 *
 * Each run starts from an empty database (`ShopDemoRepository.reset`), so its summary counts that
 * run alone.
 */
export interface ShopDemoOptions {
  customers: number;
  /** Simulated days the shop trades. */
  days: number;
  /** Simulated days afterwards with no new orders (dormant customers cross their 45/90 days). */
  quietDays: number;
  /** How long one simulated day lasts, in real milliseconds. */
  dayMs: number;
  seed: number;
  /** Called once per simulated day. */
  onDay?: (day: number, totalDays: number) => void;
}

export const DEFAULT_DEMO: ShopDemoOptions = { customers: 300, days: 150, quietDays: 100, dayMs: 250, seed: 42 };

interface Product {
  id: string;
  name: string;
  price: number;
}

const PRODUCTS: Product[] = [
  { id: 'sencha-100', name: 'Sencha 100g', price: 18 },
  { id: 'gyokuro-50', name: 'Gyokuro 50g', price: 32 },
  { id: 'hojicha-100', name: 'Hojicha 100g', price: 14 },
  { id: 'matcha-30', name: 'Ceremonial matcha 30g', price: 28 },
  { id: 'genmaicha-200', name: 'Genmaicha 200g', price: 12 },
  { id: 'kyusu', name: 'Tokoname kyusu teapot', price: 85 },
  { id: 'chawan', name: 'Matcha bowl', price: 48 },
  { id: 'chasen', name: 'Bamboo whisk', price: 22 },
  { id: 'yunomi', name: 'Yunomi cup', price: 19 },
  { id: 'tin', name: 'Tea caddy', price: 26 },
];
const NAMES_EN = ['Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Mia', 'Lucas', 'Chloe', 'Ethan', 'Grace'];
const NAMES_JA = ['愛子', '健', '由美', '翔太', '美咲', '大輔', '陽菜', '蓮', '結衣', '悠斗'];

interface DemoCustomer {
  id: string;
  email: string;
  locale: string;
  firstName: string;
  /** Chance per simulated day of starting a checkout. */
  appetite: number;
}

interface Planned {
  at: number;
  name: string;
  customer: DemoCustomer;
  properties: Record<string, unknown>;
}

@Injectable()
export class ShopDemo {
  private readonly logger = new Logger(ShopDemo.name);

  constructor(
    private readonly installer: ReferenceInstaller,
    private readonly ingest: EventIngestService,
    private readonly nps: NpsSurvey,
    private readonly repository: ShopDemoRepository,
    private readonly segmentJobs: SegmentEvaluationJobs,
    private readonly clock: Clock,
  ) {}

  /** The durationScale that makes a simulated day last `dayMs`. */
  static scaleFor(dayMs: number): number {
    return dayMs / 86_400_000;
  }

  /**
   * Environment overrides that put the sending policy on the demo's clock: each frequency cap's
   * window scaled like every journey duration (1/PT16H with 250 ms days: 1 per 167 ms), no quiet
   * hours. Apply them before loading the configuration the demo runs with.
   */
  static sendingPolicyEnv(config: KizunaConfig, dayMs: number): { FREQUENCY_CAP_RULES: string; QUIET_HOURS: string } {
    const scale = ShopDemo.scaleFor(dayMs);
    const caps = config.sendingPolicy.frequencyCaps.map(
      (cap) => `${cap.limit}/PT${Math.max(0.001, (cap.windowMs * scale) / 1000).toFixed(3)}S`,
    );
    return { FREQUENCY_CAP_RULES: caps.join(','), QUIET_HOURS: '' };
  }

  async run(options: ShopDemoOptions): Promise<DemoSummary> {
    const random = mulberry32(options.seed);
    await this.repository.reset();
    await this.installer.install({ durationScale: ShopDemo.scaleFor(options.dayMs) });
    // A new segment's first evaluation changes memberships silently (no segment.entered). Left to
    // the workers' job, it overlapped the trading and, on a loaded machine, ended after the first
    // customers had crossed into dormant-90d, so the win-back journey never started. On the empty
    // database it costs nothing here.
    await this.segmentJobs.evaluateNewSegments();
    const customers = makeCustomers(options.customers, random);
    const start = Date.now();
    // Ids unique to this run, so no idempotency key or order id of an earlier run can match.
    const runId = start.toString(36);
    const dayOf = (at: number) => (at - start) / options.dayMs;
    const queue: Planned[] = [];
    const sent = { checkouts: 0, orders: 0 };
    const answered = new Set<string>();
    let seq = 0;
    const totalDays = options.days + options.quietDays;
    for (let day = 0; day < totalDays; day++) {
      if (day < options.days) {
        for (const customer of customers) {
          if (random() < customer.appetite) {
            queue.push(
              ...planCheckout(
                customer,
                start + (day + random()) * options.dayMs,
                options.dayMs,
                random,
                `${runId}-${++seq}`,
              ),
            );
          }
        }
        queue.sort((a, b) => a.at - b.at);
      }
      const dayEnd = start + (day + 1) * options.dayMs;
      // Send what is due, as its moment comes, until the simulated day ends.
      while (Date.now() < dayEnd) {
        const due = queue.filter((p) => p.at <= Date.now());
        if (due.length > 0) {
          queue.splice(0, due.length);
          await this.send(due, start, sent);
        }
        await sleep(Math.min(25, Math.max(0, dayEnd - Date.now())));
      }
      await this.answerReviews(answered, random);
      options.onDay?.(day + 1, totalDays);
      this.logger.debug({ msg: 'demo day', day: Math.floor(dayOf(Date.now())) });
    }
    await this.send(queue.splice(0), start, sent);
    // Let the workers apply the last events and deliver what is due before counting.
    const deadline = Date.now() + 30_000;
    while ((await this.repository.pendingWork()) > 0 && Date.now() < deadline) {
      await sleep(100);
    }
    return { ...(await this.repository.summary()), sent };
  }

  /** `run` tells this demo run's events from an earlier run's on the same database. */
  private async send(events: Planned[], run: number, sent: DemoRunCounts): Promise<void> {
    sent.checkouts += events.filter((e) => e.name === 'checkout.started').length;
    sent.orders += events.filter((e) => e.name === 'order.placed').length;
    for (let i = 0; i < events.length; i += 500) {
      await this.ingest.ingest(
        'api',
        events.slice(i, i + 500).map((e, j) => ({
          path: `demo[${i + j}]`,
          input: {
            name: e.name,
            customerId: e.customer.id,
            email: e.customer.email,
            messageId: `demo:${run}:${e.name}:${String(e.properties.orderId ?? e.properties.cartId)}`,
            timestamp: this.clock.now().toISOString(),
            traits: { locale: e.customer.locale, firstName: e.customer.firstName },
            properties: e.properties,
          },
        })),
      );
    }
  }

  /** Some customers answer the review email: most happily, some not. */
  private async answerReviews(answered: Set<string>, random: () => number): Promise<void> {
    for (const review of await this.repository.reviewRequestsSent(answered)) {
      answered.add(review.messageId);
      if (random() < 0.6) {
        const r = random();
        const score =
          r < 0.2 ? Math.floor(random() * 7) : r < 0.45 ? 7 + Math.floor(random() * 2) : 9 + Math.round(random());
        await this.nps.record({
          customerId: review.customerId,
          email: null,
          journeyId: review.journeyId,
          instanceKey: review.instanceKey,
          score,
        });
      }
    }
  }
}

function makeCustomers(count: number, random: () => number): DemoCustomer[] {
  return Array.from({ length: count }, (_, i) => {
    const ja = random() < 0.5;
    const names = ja ? NAMES_JA : NAMES_EN;
    // Most customers buy rarely; a few are regulars (the VIPs of tomorrow).
    const appetite = random() < 0.15 ? 0.04 + random() * 0.06 : 0.003 + random() * 0.015;
    return {
      id: `demo-${String(i + 1).padStart(4, '0')}`,
      email: `customer${i + 1}@demo.kizuna.example`,
      locale: ja ? 'ja-JP' : 'en-US',
      firstName: names[Math.floor(random() * names.length)]!,
      appetite,
    };
  });
}

/** A checkout, and (often) its order some simulated hours later, and (rarely) a refund. */
function planCheckout(customer: DemoCustomer, at: number, dayMs: number, random: () => number, seq: string): Planned[] {
  const lines = 1 + Math.floor(random() * 3);
  // Distinct products, one line each.
  const picked = new Set<Product>();
  while (picked.size < lines) {
    picked.add(PRODUCTS[Math.floor(random() * PRODUCTS.length)]!);
  }
  const items = [...picked].map((product) => ({
    id: product.id,
    name: product.name,
    price: product.price,
    quantity: 1 + Math.floor(random() * 2),
  }));
  const total = Math.round(items.reduce((sum, item) => sum + item.price * item.quantity, 0) * 100) / 100;
  const cartId = `cart-${seq}`;
  const cart = { cartId, currency: 'USD', total, items, checkoutUrl: `https://tea.example/cart/${cartId}` };
  const planned: Planned[] = [{ at, name: 'checkout.started', customer, properties: cart }];
  if (random() < 0.6) {
    const orderAt = at + random() * 0.25 * dayMs;
    const order = { orderId: `order-${seq}`, cartId, currency: 'USD', total, items };
    planned.push({ at: orderAt, name: 'order.placed', customer, properties: order });
    if (random() < 0.04) {
      planned.push({
        at: orderAt + 2 * dayMs,
        name: 'order.refunded',
        customer,
        properties: { orderId: order.orderId, total, currency: 'USD' },
      });
    }
  }
  return planned;
}

/** A small seeded PRNG, so every demo run tells the same story. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
