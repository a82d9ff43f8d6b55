/**
 * Analytics API latency at shop scale (issue 12):
 *
 *   npm run bench:analytics   (BENCH_CUSTOMERS=200000 BENCH_REQUESTS=50 BENCH_ENDPOINT_SECONDS=90
 *                              BENCH_DATABASE_URL=postgres://... to change; BENCH_PRINT_SAMPLES=1 prints a
 *                              response of each endpoint, BENCH_KEEP_DATABASE=1 keeps the database)
 *
 * 1. A fresh database; one api process (no worker: nothing is applied while measuring). Five
 *    templates and three journeys are published through the API: a post-purchase journey with a
 *    10% holdout and a goal (order.placed within 14 days), a cart journey whose first step is an
 *    A/B split (two paths, goal within 7 days), and a welcome journey.
 * 2. The shop's history is written straight into the tables with set-based SQL (INSERT ... SELECT
 *    FROM generate_series, BENCH_CUSTOMERS customers per run, 50,000 per transaction), in the
 *    shapes the engine writes them: customers with their order stats, 10 processed inbox events
 *    per customer (sign-up, views, a checkout, 0-3 orders, for one in five an NPS answer), the
 *    orders as facts (customer_orders with previous_placed_at, order_owners, order_refunds),
 *    nps_answers, one journey instance per customer with its history, entry (journey_entries) and
 *    email (outbox_messages, summary columns set: their statement triggers keep message_daily and
 *    message_currency_daily). Facts spread over the last 730 days, shop time zone Asia/Tokyo.
 *    entry_daily is then computed from journey_entries in one INSERT ... SELECT ... GROUP BY, as
 *    JourneyEntryRepository writes it; the shop's order rollups build themselves on the first
 *    report (timed apart). VACUUM ANALYZE after loading, where autovacuum would have (it is off on
 *    this server).
 * 3. Each endpoint with realistic parameters: 3 warm-up requests, then BENCH_REQUESTS sequential
 *    requests (fewer if one endpoint would take more than BENCH_ENDPOINT_SECONDS), p50/p95/max.
 * The results go to docs/PERFORMANCE.md (section "analytics").
 */
import http from 'node:http';
import os from 'node:os';
import { Client } from 'pg';
import { api } from './lib/http-load';
import { createBenchDatabase, startKizuna, type RunningKizuna } from './lib/kizuna-process';
import { count } from './lib/pg-count';
import { environment, writeSection } from './lib/report';
import { ms, summarise, type LatencySummary } from './lib/stats';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 50);
const WARM_UP = 3;
/** An endpoint slower than this over its requests stops early (at least 10 samples): the run must end. */
const ENDPOINT_SECONDS = Number(process.env.BENCH_ENDPOINT_SECONDS ?? 90);
const CHUNK = 50_000;
const TARGET_MS = 200;
const TIME_ZONE = 'Asia/Tokyo';
const DAYS = 730;
const ADMIN_KEY = 'bench-admin-key-analytics-0123456789';
const API_PORT = 40_000 + Math.floor(Math.random() * 9000);

const n = (x: number): string => Math.round(x).toLocaleString('en');
const seconds = (t0: number): number => (performance.now() - t0) / 1000;

/** The shop day (YYYY-MM-DD) `back` days before today in the shop's time zone. */
function shopDay(back: number): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date());
  return new Date(Date.parse(`${today}T00:00:00Z`) - back * 86_400_000).toISOString().slice(0, 10);
}

interface Journeys {
  postPurchase: string;
  cart: string;
  welcome: string;
}

/** Templates and three journeys through the admin API, as a marketer publishes them. */
async function publishJourneys(baseUrl: string): Promise<Journeys> {
  for (const key of ['bench-thanks', 'bench-review', 'bench-cart-a', 'bench-cart-b', 'bench-welcome']) {
    await api(baseUrl, ADMIN_KEY, 'POST', '/v1/templates', {
      key,
      defaultLocale: 'en',
      variants: { en: { subject: `Bench ${key}`, html: '<p>Hello {{customer.email}}</p>' } },
    });
  }
  const publish = async (definition: unknown): Promise<string> => {
    const created = await api<{ id: string }>(baseUrl, ADMIN_KEY, 'POST', '/v1/journeys', definition);
    await api(baseUrl, ADMIN_KEY, 'POST', `/v1/journeys/${created.id}/publish`, {});
    return created.id;
  };
  const postPurchase = await publish({
    name: 'Bench post-purchase',
    entry: { event: 'order.placed' },
    holdout: 0.1,
    goal: { event: 'order.placed', within: 'P14D' },
    steps: [
      { id: 'thanks', type: 'send', template: 'bench-thanks', category: 'marketing', next: 'wait' },
      { id: 'wait', type: 'wait', duration: 'P3D', next: 'ask-review' },
      { id: 'ask-review', type: 'send', template: 'bench-review', category: 'marketing' },
    ],
  });
  const cart = await publish({
    name: 'Bench cart A/B',
    entry: { event: 'checkout.started', key: 'cartId' },
    exit: [{ event: 'order.placed', sameKey: 'cartId' }],
    goal: { event: 'order.placed', within: 'P7D' },
    steps: [
      {
        id: 'ab',
        type: 'split',
        paths: [
          { name: 'A', weight: 1, next: 'remind-a' },
          { name: 'B', weight: 1, next: 'wait-b' },
        ],
      },
      { id: 'remind-a', type: 'send', template: 'bench-cart-a', category: 'marketing' },
      { id: 'wait-b', type: 'wait', duration: 'PT4H', next: 'remind-b' },
      { id: 'remind-b', type: 'send', template: 'bench-cart-b', category: 'marketing' },
    ],
  });
  const welcome = await publish({
    name: 'Bench welcome',
    entry: { event: 'signed.up' },
    steps: [{ id: 'welcome', type: 'send', template: 'bench-welcome', category: 'marketing' }],
  });
  return { postPurchase, cart, welcome };
}

/**
 * SQL helpers for the generator: a deterministic draw in [0, 1) per (customer number, purpose),
 * so every table derives the same customer's facts from the same numbers.
 */
const HELPERS = `
  CREATE FUNCTION pg_temp.r(n bigint, k int) RETURNS float8 LANGUAGE sql IMMUTABLE
    AS $$ SELECT (hashint8(n * 128 + k) & 2147483647)::float8 / 2147483648.0 $$;
  CREATE FUNCTION pg_temp.u(tag text, n bigint, k int) RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT md5(tag || ':' || n || ':' || k)::uuid $$`;

/**
 * One chunk of customers [lo, hi): everything they have, as the engine would have written it.
 * $1 lo, $2 hi, $3 now, $4 time zone, $5 post-purchase id, $6 cart id, $7 welcome id.
 * Customer n arrives at a random instant of the 730 days; its events fall between then and now.
 * Slot k of its 10 events: 1 signed.up (at arrival), 2-5 product.viewed, 6 checkout.started,
 * 7 an order for 70% of customers, 8 a second order for 45% of those, 9 a third for half of
 * those (else page views), 10 nps.responded for 20% of customers.
 */
async function writeChunk(client: Client, lo: number, hi: number, now: Date, j: Journeys): Promise<void> {
  const params = [lo, hi, now, TIME_ZONE, j.postPurchase, j.cart, j.welcome];
  // Each statement's time, printed per chunk: where the load time goes.
  const times: string[] = [];
  const db = {
    query: async (sql: string, values?: unknown[]): Promise<void> => {
      const t0 = performance.now();
      await client.query(sql, values);
      const label = /^\s*WITH e AS/.test(sql)
        ? 'INSERT INTO events (+ nps_answers)'
        : /^\s*((?:INSERT INTO|UPDATE|CREATE TEMP TABLE) \w+)/.exec(sql)?.[1];
      if (label) {
        times.push(`${label} ${seconds(t0).toFixed(1)}`);
      }
    },
  };
  await db.query('BEGIN');
  try {
    await db.query('SET LOCAL synchronous_commit = off');
    // The chunk's customers and their orders, kept for this transaction.
    await db.query(
      `CREATE TEMP TABLE chunk_customers ON COMMIT DROP AS
       SELECT g AS n, pg_temp.u('c', g, 0) AS uuid, 'c-' || g AS customer_id, 'c-' || g || '@example.com' AS email,
              $3::timestamptz - pg_temp.r(g, 0) * interval '${DAYS} days' AS arrival,
              pg_temp.r(g, 7) < 0.7 AS buyer
         FROM generate_series($1::bigint, $2::bigint - 1) g`,
      params.slice(0, 3),
    );
    await db.query(
      `CREATE TEMP TABLE chunk_orders ON COMMIT DROP AS
       SELECT c.n, k, c.uuid, 'o-' || c.n || '-' || k AS order_id, o.placed_at, o.jpy,
              (500 + floor(pg_temp.r(c.n, k + 30) * 49500))::numeric / CASE WHEN o.jpy THEN 1 ELSE 100 END AS total,
              pg_temp.r(c.n, k + 40) AS refund_draw, pg_temp.r(c.n, k + 50) < 0.005 AS cancel_draw
         FROM chunk_customers c
         CROSS JOIN generate_series(7, 9) k
         CROSS JOIN LATERAL (SELECT c.arrival + pg_temp.r(c.n, k) * ($1::timestamptz - c.arrival) AS placed_at,
                                    pg_temp.r(c.n, k + 20) < 0.02 AS jpy) o
        WHERE c.buyer AND (k = 7 OR (pg_temp.r(c.n, 8) < 0.45 AND (k = 8 OR pg_temp.r(c.n, 9) < 0.5)))`,
      params.slice(2, 3),
    );
    await db.query(`
      ALTER TABLE chunk_orders ADD COLUMN refunded numeric, ADD COLUMN cancelled_at timestamptz;
      UPDATE chunk_orders SET
        refunded = CASE WHEN refund_draw < 0.02 THEN total WHEN refund_draw < 0.05 THEN round(total * refund_draw::numeric * 10, CASE WHEN jpy THEN 0 ELSE 2 END) ELSE 0 END,
        cancelled_at = CASE WHEN refund_draw >= 0.05 AND cancel_draw THEN placed_at + interval '1 minute' END;
      ANALYZE chunk_customers;
      ANALYZE chunk_orders`);

    await db.query(
      `INSERT INTO customers (id, customer_id, email, email_normalized, attributes, email_consent, email_consent_source,
                              email_consent_at, orders_count, revenue, first_order_at, last_order_at, created_at, updated_at)
       SELECT c.uuid, c.customer_id, c.email, c.email, jsonb_build_object('plan', CASE WHEN c.n % 3 = 0 THEN 'gold' ELSE 'basic' END),
              'subscribed', 'api', c.arrival,
              COALESCE(s.orders_count, 0), COALESCE(s.revenue, 0), s.first_order_at, s.last_order_at, c.arrival,
              COALESCE(s.last_order_at, c.arrival)
         FROM chunk_customers c
         LEFT JOIN (SELECT uuid, count(*) FILTER (WHERE cancelled_at IS NULL)::int AS orders_count,
                           COALESCE(sum(total - refunded) FILTER (WHERE cancelled_at IS NULL AND NOT jpy), 0) AS revenue,
                           min(placed_at) FILTER (WHERE cancelled_at IS NULL) AS first_order_at,
                           max(placed_at) FILTER (WHERE cancelled_at IS NULL) AS last_order_at
                      FROM chunk_orders GROUP BY uuid) s ON s.uuid = c.uuid`,
    );
    await db.query(
      `INSERT INTO customer_orders (customer_uuid, order_id, total, currency, placed_at, refunded_total, cancelled_at, previous_placed_at)
       SELECT uuid, order_id, total, CASE WHEN jpy THEN 'JPY' ELSE 'USD' END, placed_at, refunded, cancelled_at,
              CASE WHEN cancelled_at IS NULL
                   THEN lag(placed_at) OVER (PARTITION BY uuid, cancelled_at IS NULL ORDER BY placed_at, order_id) END
         FROM chunk_orders`,
    );
    await db.query(`INSERT INTO order_owners (order_id, customer_uuid) SELECT order_id, uuid FROM chunk_orders`);
    await db.query(
      `INSERT INTO order_refunds (customer_uuid, order_id, event_id, amount, currency, refunded_at)
       SELECT uuid, order_id, pg_temp.u('e', n, k + 10), refunded, CASE WHEN jpy THEN 'JPY' ELSE 'USD' END,
              LEAST(placed_at + interval '3 days', $1::timestamptz)
         FROM chunk_orders WHERE refunded > 0`,
      [now],
    );

    // The inbox, every event processed; NPS answers from the rows as stored (their seq).
    await db.query(
      `WITH e AS (
         SELECT c.n, s.k, c.uuid, c.customer_id, c.email, o.order_id, o.total, o.jpy,
                CASE WHEN s.k = 1 THEN 'signed.up'
                     WHEN s.k <= 5 THEN 'product.viewed'
                     WHEN s.k = 6 THEN 'checkout.started'
                     WHEN o.order_id IS NOT NULL THEN 'order.placed'
                     WHEN s.k = 10 AND pg_temp.r(c.n, 10) < 0.2 THEN 'nps.responded'
                     ELSE 'page.viewed' END AS name,
                CASE WHEN s.k = 1 THEN c.arrival
                     WHEN o.order_id IS NOT NULL THEN o.placed_at
                     ELSE c.arrival + pg_temp.r(c.n, s.k) * ($1::timestamptz - c.arrival) END AS at
           FROM chunk_customers c
           CROSS JOIN generate_series(1, 10) AS s(k)
           LEFT JOIN chunk_orders o ON o.n = c.n AND o.k = s.k),
       inserted AS (
         INSERT INTO events (id, source, message_id, name, customer_key, customer_id, email, occurred_at, received_at,
                             properties, customer_uuid, processed_at)
         SELECT pg_temp.u('e', n, k), 'api', 'm-' || n || '-' || k, name, 'id:' || customer_id, customer_id, email, at,
                at + interval '1 second',
                CASE name
                  WHEN 'order.placed' THEN jsonb_build_object('orderId', order_id, 'total', total,
                                                              'currency', CASE WHEN jpy THEN 'JPY' ELSE 'USD' END)
                  WHEN 'checkout.started' THEN jsonb_build_object('cartId', 'cart-' || n, 'total', 59.8, 'currency', 'USD',
                    'items', jsonb_build_array(jsonb_build_object('id', 'sku-1', 'name', 'Tea cup', 'price', 29.9, 'quantity', 2)))
                  WHEN 'product.viewed' THEN jsonb_build_object('productId', 'sku-' || (hashint8(n * 16 + k) & 255))
                  WHEN 'page.viewed' THEN jsonb_build_object('path', '/collections/tea')
                  WHEN 'nps.responded' THEN jsonb_build_object('score', LEAST(10, floor(sqrt(pg_temp.r(n, 60)) * 11))::int) ||
                    CASE WHEN pg_temp.r(n, 61) < 0.3 THEN jsonb_build_object('comment', 'Bench comment ' || n) ELSE '{}' END
                  ELSE '{}'::jsonb END,
                uuid, at + interval '2 seconds'
           FROM e
         RETURNING seq, id, name, customer_uuid, occurred_at, properties, source)
       INSERT INTO nps_answers (customer_uuid, answered_at, event_id, event_seq, score, comment, source)
       SELECT customer_uuid, occurred_at, id, seq, (properties->>'score')::smallint, properties->>'comment', source
         FROM inserted WHERE name = 'nps.responded'`,
      [now],
    );

    // One journey instance per customer: the cart journey for 60% (entered at the checkout), the
    // post-purchase journey for buyers among the rest (at their first order), the welcome journey
    // for the others (at sign-up).
    await db.query(
      `CREATE TEMP TABLE chunk_instances ON COMMIT DROP AS
       SELECT c.n, c.uuid, pg_temp.u('i', c.n, 0) AS id, x.journey_id, x.kind, x.entered_at,
              x.kind = 'post' AND pg_temp.r(c.n, 70) < 0.1 AS holdout,
              CASE WHEN x.kind = 'cart' THEN CASE WHEN pg_temp.r(c.n, 71) < 0.5 THEN 'A' ELSE 'B' END END AS path,
              CASE x.kind WHEN 'post' THEN interval '14 days' WHEN 'cart' THEN interval '7 days' END AS goal_within
         FROM chunk_customers c
         LEFT JOIN chunk_orders o ON o.n = c.n AND o.k = 7
         CROSS JOIN LATERAL (
           SELECT CASE WHEN c.n % 5 < 3 THEN 'cart' WHEN c.buyer THEN 'post' ELSE 'welcome' END AS kind) w
         CROSS JOIN LATERAL (
           SELECT w.kind,
                  CASE w.kind WHEN 'cart' THEN $2::uuid WHEN 'post' THEN $3::uuid ELSE $4::uuid END AS journey_id,
                  CASE w.kind
                    WHEN 'cart' THEN c.arrival + pg_temp.r(c.n, 6) * ($1::timestamptz - c.arrival)
                    WHEN 'post' THEN o.placed_at
                    ELSE c.arrival END AS entered_at) x`,
      [now, j.cart, j.postPurchase, j.welcome],
    );
    // Where each instance is now: the post-purchase journey waits 3 days, path B 4 hours; the rest
    // has completed. Goals: 12% of treated entrants within the window, 10% of the held out.
    await db.query(
      `ALTER TABLE chunk_instances ADD COLUMN active boolean, ADD COLUMN current_step text, ADD COLUMN goal_at timestamptz,
                                   ADD COLUMN ended_at timestamptz`,
    );
    await db.query(
      `UPDATE chunk_instances SET
         active = (kind = 'post' AND entered_at > $1::timestamptz - interval '3 days')
               OR (kind = 'cart' AND path = 'B' AND entered_at > $1::timestamptz - interval '4 hours'),
         goal_at = CASE WHEN goal_within IS NOT NULL AND pg_temp.r(n, 72) < CASE WHEN holdout THEN 0.10 ELSE 0.12 END
                          AND entered_at + pg_temp.r(n, 73) * goal_within < $1::timestamptz
                        THEN entered_at + pg_temp.r(n, 73) * goal_within END`,
      [now],
    );
    await db.query(
      `UPDATE chunk_instances SET
         current_step = CASE WHEN active THEN CASE kind WHEN 'post' THEN 'wait' ELSE 'wait-b' END END,
         ended_at = CASE WHEN NOT active THEN LEAST($1::timestamptz, entered_at + CASE
                      WHEN kind = 'post' THEN interval '3 days 1 minute' WHEN path = 'B' THEN interval '4 hours 1 minute'
                      ELSE interval '1 minute' END) END`,
      [now],
    );
    await db.query(
      `INSERT INTO journey_instances (customer_uuid, id, journey_id, version, instance_key, entry_count, status, current_step,
                                      snapshot, entered_at, exited_at, exit_reason, holdout, last_message_at,
                                      goal_reached_at, updated_at)
       SELECT uuid, id, journey_id, 1, CASE WHEN kind = 'cart' THEN 'cart-' || n ELSE '' END, 1,
              CASE WHEN active THEN 'active' ELSE 'completed' END, current_step,
              jsonb_build_object('status', CASE WHEN active THEN 'active' ELSE 'done' END, 'value', current_step,
                                 'context', jsonb_build_object('customerUuid', uuid, 'entryCount', 1)),
              entered_at, ended_at,
              CASE WHEN NOT active THEN 'completed' END, holdout,
              CASE WHEN NOT holdout THEN entered_at + interval '1 minute' END, goal_at, entered_at + interval '1 minute'
         FROM chunk_instances`,
    );
    // The history the counts read: entered (held-out), split, the steps visited, goal, exited.
    await db.query(
      `INSERT INTO journey_instance_history (customer_uuid, instance_id, journey_id, version, entry_count, kind, step_id,
                                             reason, at)
       SELECT i.uuid, i.id, i.journey_id, 1, 1, h.kind, h.step_id, h.reason, h.at
         FROM chunk_instances i
         CROSS JOIN LATERAL (VALUES
           ('entered', NULL, CASE i.kind WHEN 'post' THEN 'order.placed' WHEN 'cart' THEN 'checkout.started'
                                         ELSE 'signed.up' END, i.entered_at, true),
           ('held-out', NULL, NULL, i.entered_at, i.holdout),
           ('split', 'ab', i.path, i.entered_at, i.kind = 'cart'),
           ('step', CASE i.kind WHEN 'post' THEN 'thanks' WHEN 'cart' THEN 'ab' ELSE 'welcome' END, NULL, i.entered_at, true),
           ('step', 'wait', NULL, i.entered_at, i.kind = 'post'),
           ('step', 'ask-review', NULL, i.entered_at + interval '3 days', i.kind = 'post' AND NOT i.active),
           ('step', 'remind-a', NULL, i.entered_at, i.path = 'A'),
           ('step', 'wait-b', NULL, i.entered_at, i.path = 'B'),
           ('step', 'remind-b', NULL, i.entered_at + interval '4 hours', i.path = 'B' AND NOT i.active),
           ('goal', NULL, 'order.placed', i.goal_at, i.goal_at IS NOT NULL),
           ('exited', NULL, 'completed', i.ended_at, NOT i.active)
         ) AS h(kind, step_id, reason, at, present)
        WHERE h.present`,
    );
    // Entries as facts (JourneyEntryRepository.record): the revenue of a converted entry is drawn.
    await db.query(
      `INSERT INTO journey_entries (customer_uuid, instance_id, entry_count, journey_id, held_out, entered_at, entered_day,
                                    window_ends_at, slot, first_entry, splits, goal_at, converted, revenue)
       SELECT uuid, id, 1, journey_id, holdout, entered_at, (entered_at AT TIME ZONE $1)::date, entered_at + goal_within,
              get_byte(uuid_send(uuid), 15) % 16, true,
              CASE WHEN path IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('ab', path) END, goal_at,
              COALESCE(goal_at BETWEEN entered_at AND entered_at + goal_within, false),
              CASE WHEN goal_at IS NOT NULL THEN round((5 + pg_temp.r(n, 74) * 295)::numeric, 2) ELSE 0 END
         FROM chunk_instances`,
      [TIME_ZONE],
    );
    // Email sent by the journeys (none for the held out), with their engagement and credit summaries.
    await db.query(
      `INSERT INTO outbox_messages (effect_key, customer_uuid, channel, category, template_key, journey_id, journey_version,
                                    instance_id, step_id, status, status_reason, not_before, attempts, created_at, updated_at,
                                    split_path, created_day, opened, clicked, unsubscribed, complained, credited_orders,
                                    credited_revenue, credited_other)
       SELECT i.id || ':' || m.step_id || ':1', i.uuid, 'email', 'marketing', m.template_key, i.journey_id, 1, i.id,
              m.step_id, s.status, CASE WHEN s.status = 'suppressed' THEN 'unsubscribed' END, m.at,
              CASE WHEN s.status = 'skipped' THEN 0 ELSE 1 END, m.at, m.at + interval '5 seconds',
              CASE WHEN i.path IS NOT NULL THEN 'ab:' || i.path END, (m.at AT TIME ZONE $1)::date,
              CASE WHEN s.status <> 'sent' THEN 'none' WHEN d.open < 0.30 THEN 'human' WHEN d.open < 0.38 THEN 'machine'
                   ELSE 'none' END,
              CASE WHEN s.status <> 'sent' THEN 'none' WHEN d.open < 0.05 THEN 'human' WHEN d.open > 0.99 THEN 'machine'
                   ELSE 'none' END,
              s.status = 'sent' AND d.unsub < 0.002, s.status = 'sent' AND d.unsub > 0.9998,
              CASE WHEN s.status = 'sent' AND d.credit < 0.03 THEN 1 ELSE 0 END,
              CASE WHEN s.status = 'sent' AND d.credit < 0.03 THEN round((5 + d.credit * 9000)::numeric, 2) ELSE 0 END,
              CASE WHEN s.status = 'sent' AND d.credit > 0.999 THEN '{"JPY": {"orders": 1, "revenue": 3000}}'::jsonb
                   ELSE '{}'::jsonb END
         FROM chunk_instances i
         CROSS JOIN LATERAL (VALUES
           ('thanks', 'bench-thanks', i.entered_at + interval '1 minute', i.kind = 'post'),
           ('ask-review', 'bench-review', i.entered_at + interval '3 days', i.kind = 'post' AND NOT i.active),
           ('remind-a', 'bench-cart-a', i.entered_at + interval '1 minute', i.path = 'A'),
           ('remind-b', 'bench-cart-b', i.entered_at + interval '4 hours', i.path = 'B' AND NOT i.active),
           ('welcome', 'bench-welcome', i.entered_at + interval '1 minute', i.kind = 'welcome')
         ) AS m(step_id, template_key, at, present)
         CROSS JOIN LATERAL (SELECT pg_temp.r(i.n, 80 + length(m.step_id)) AS status_draw,
                                    pg_temp.r(i.n, 90 + length(m.step_id)) AS open,
                                    pg_temp.r(i.n, 100 + length(m.step_id)) AS unsub,
                                    pg_temp.r(i.n, 110 + length(m.step_id)) AS credit) d
         CROSS JOIN LATERAL (SELECT CASE WHEN d.status_draw < 0.01 THEN 'failed' WHEN d.status_draw < 0.03 THEN 'suppressed'
                                         WHEN d.status_draw < 0.04 THEN 'skipped' ELSE 'sent' END AS status) s
        WHERE m.present AND NOT i.holdout`,
      [TIME_ZONE],
    );
    await db.query('COMMIT');
    console.log(`    ${times.join(', ')}`);
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
}

/** entry_daily from the entries, exactly as JourneyEntryRepository.record adds a new entry's contribution. */
const ENTRY_DAILY = `
  INSERT INTO entry_daily AS d (journey_id, split_step, split_path, held_out, day, slot, entrants, first_entrants,
                                converted, revenue, revenue_squares)
  SELECT c.journey_id, p.split_step, p.split_path, c.held_out, c.entered_day, c.slot, count(*),
         sum(c.first_entry::int), sum(c.converted::int), sum(c.revenue), sum(c.revenue * c.revenue)
    FROM journey_entries c
   CROSS JOIN LATERAL (SELECT '' AS split_step, '' AS split_path
                       UNION ALL SELECT key, value FROM jsonb_each_text(c.splits)) p
   GROUP BY c.journey_id, p.split_step, p.split_path, c.held_out, c.entered_day, c.slot
   ORDER BY c.journey_id, p.split_step, p.split_path, c.held_out, c.entered_day, c.slot`;

/** A GET with the admin key; its status, body and time. */
function get(agent: http.Agent, port: number, path: string): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'GET', agent, headers: { authorization: `Bearer ${ADMIN_KEY}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - t0,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

interface EndpointResult {
  label: string;
  path: string;
  summary: LatencySummary;
  sample: string;
}

async function measure(agent: http.Agent, port: number, label: string, path: string): Promise<EndpointResult> {
  let sample = '';
  for (let i = 0; i < WARM_UP; i++) {
    const r = await get(agent, port, path);
    if (r.status !== 200) {
      throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 500)}`);
    }
    sample = r.body;
  }
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    const r = await get(agent, port, path);
    if (r.status !== 200) {
      throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 500)}`);
    }
    samples.push(r.ms);
    if (samples.length >= 10 && seconds(started) > ENDPOINT_SECONDS) {
      break;
    }
  }
  const summary = summarise(samples);
  console.log(
    `${label.padEnd(60)} p50 ${ms(summary.p50).padStart(10)} p95 ${ms(summary.p95).padStart(10)} max ${ms(summary.max).padStart(10)} (${summary.count})`,
  );
  return { label, path, summary, sample };
}

async function main(): Promise<void> {
  const database = await createBenchDatabase('kizuna_bench_analytics');
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    ADMIN_API_KEY: ADMIN_KEY,
    SHOP_TIMEZONE: TIME_ZONE,
    SHOP_CURRENCY: 'USD',
    DATABASE_POOL_SIZE: '8',
  };
  const db = new Client({ connectionString: database.url });
  let apiProc: RunningKizuna | undefined;
  try {
    apiProc = await startKizuna('api', env, API_PORT);
    await db.connect();
    const journeys = await publishJourneys(apiProc.baseUrl);
    await api(apiProc.baseUrl, ADMIN_KEY, 'POST', '/v1/sending/pause', {});

    // Generation.
    const load0 = performance.now();
    const now = (await db.query<{ now: Date }>('SELECT now()')).rows[0]!.now;
    await db.query(HELPERS);
    for (let lo = 1; lo <= CUSTOMERS; lo += CHUNK) {
      const hi = Math.min(CUSTOMERS + 1, lo + CHUNK);
      await writeChunk(db, lo, hi, now, journeys);
      console.log(`  customers ${n(hi - 1)} / ${n(CUSTOMERS)} written (${seconds(load0).toFixed(0)} s)`);
    }
    const generateSeconds = seconds(load0);
    let t = performance.now();
    await db.query(ENTRY_DAILY);
    const entryDailySeconds = seconds(t);
    t = performance.now();
    await db.query('VACUUM ANALYZE');
    const analyzeSeconds = seconds(t);
    const loadSeconds = seconds(load0);
    console.log(`loaded in ${loadSeconds.toFixed(0)} s`);

    const sizes: Array<[string, number]> = [];
    for (const table of [
      'customers',
      'events',
      'customer_orders',
      'order_refunds',
      'journey_instances',
      'journey_instance_history',
      'journey_history_counts',
      'journey_entries',
      'entry_daily',
      'outbox_messages',
      'message_daily',
      'message_currency_daily',
      'nps_answers',
    ]) {
      sizes.push([table, await count(db, `SELECT count(*) AS n FROM ${table}`)]);
    }
    const bytes = await count(db, 'SELECT pg_database_size(current_database()) AS n');
    const size = (table: string): number => sizes.find(([t]) => t === table)?.[1] ?? NaN;

    // The shop's order rollups build on the first report that reads them.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const port = API_PORT;
    const today = shopDay(0);
    const kpis365 = `/v1/analytics/kpis?asOf=${today}&from=${shopDay(364)}&to=${today}`;
    const first = await get(agent, port, kpis365);
    if (first.status !== 200) {
      throw new Error(`first KPI report: ${first.status} ${first.body.slice(0, 500)}`);
    }
    const firstCohorts = await get(agent, port, '/v1/analytics/cohorts');
    const built = await db.query<{ time_zone: string | null; built_at: Date | null }>(
      'SELECT time_zone, built_at FROM shop_rollups',
    );
    console.log(
      `first KPI report ${ms(first.ms)}, first cohorts ${ms(firstCohorts.ms)}; rollups built: ${JSON.stringify(built.rows[0])}`,
    );

    const d30 = `from=${shopDay(29)}&to=${today}`;
    const d90 = `from=${shopDay(89)}&to=${today}`;
    const d365 = `from=${shopDay(364)}&to=${today}`;
    const endpoints: Array<[string, string]> = [];
    for (const groupBy of ['shop', 'journey', 'step', 'template', 'path']) {
      endpoints.push([`messages groupBy=${groupBy}, 30 days`, `/v1/analytics/messages?groupBy=${groupBy}&${d30}`]);
      endpoints.push([`messages groupBy=${groupBy}, 365 days`, `/v1/analytics/messages?groupBy=${groupBy}&${d365}`]);
    }
    endpoints.push([`messages groupBy=shop, interval=day, 30 days`, `/v1/analytics/messages?interval=day&${d30}`]);
    endpoints.push([
      `messages groupBy=step, interval=day, one journey, 30 days`,
      `/v1/analytics/messages?groupBy=step&interval=day&journeyId=${journeys.cart}&${d30}`,
    ]);
    endpoints.push([`journeys (summaries), 30 days`, `/v1/analytics/journeys?${d30}`]);
    endpoints.push([`journeys (summaries), 365 days`, `/v1/analytics/journeys?${d365}`]);
    for (const days of [30, 90]) {
      const period = days === 30 ? d30 : d90;
      endpoints.push([
        `journeys/:id/lift, ${days} days`,
        `/v1/analytics/journeys/${journeys.postPurchase}/lift?${period}`,
      ]);
      endpoints.push([`journeys/:id/splits, ${days} days`, `/v1/analytics/journeys/${journeys.cart}/splits?${period}`]);
    }
    endpoints.push([`kpis as of today, 30 days`, `/v1/analytics/kpis?asOf=${today}&${d30}`]);
    endpoints.push([`kpis as of today, 365 days`, kpis365]);
    endpoints.push([`cohorts, 12 months`, `/v1/analytics/cohorts`]);
    endpoints.push([`nps, 30 days`, `/v1/analytics/nps?${d30}`]);
    endpoints.push([`nps, 365 days`, `/v1/analytics/nps?${d365}`]);
    endpoints.push([`nps/comments group=detractor, 30 days`, `/v1/analytics/nps/comments?group=detractor&${d30}`]);
    endpoints.push([`nps/comments group=promoter, 365 days`, `/v1/analytics/nps/comments?group=promoter&${d365}`]);
    endpoints.push([`GET /v1/journeys (list with counts)`, `/v1/journeys`]);
    endpoints.push([`GET /v1/journeys/:id/counts (cart A/B)`, `/v1/journeys/${journeys.cart}/counts`]);
    endpoints.push([`GET /v1/journeys/:id/counts (post-purchase)`, `/v1/journeys/${journeys.postPurchase}/counts`]);

    const loadBefore = os.loadavg();
    const results: EndpointResult[] = [];
    for (const [label, path] of endpoints) {
      results.push(await measure(agent, port, label, path));
    }
    const loadAfter = os.loadavg();
    agent.destroy();
    if (process.env.BENCH_PRINT_SAMPLES === '1') {
      for (const r of results) {
        console.log(`\n${r.path}\n${r.sample.slice(0, 1500)}`);
      }
    }

    const over = results.filter((r) => r.summary.p95 > TARGET_MS);
    const scaleNote = process.env.BENCH_SCALE_NOTE ? `\n\n${process.env.BENCH_SCALE_NOTE}` : '';
    const section = `## Analytics API latency (\`bench:analytics\`)

${await environment(database.url)}
- Load average (1 min) ${loadBefore[0]!.toFixed(1)} before the requests, ${loadAfter[0]!.toFixed(1)} after (2 cores shared with the api, PostgreSQL and this process)
- Command: \`BENCH_CUSTOMERS=${CUSTOMERS} npm run bench:analytics\` (BENCH_REQUESTS=${REQUESTS}); shop time zone ${TIME_ZONE}, currency USD, one api process, no worker${scaleNote}

**Data** (counted in the database after loading; ${n(CUSTOMERS)} customers, facts over the ${DAYS} days before the run): ${sizes.map(([t, c]) => `${t} ${n(c)}`).join(', ')}; database ${(bytes / 2 ** 30).toFixed(2)} GiB. Three journeys published through the API before generating (post-purchase with a 10% holdout and a 14-day goal, a cart journey with an A/B split and a 7-day goal, a welcome journey); one instance per customer. Written with set-based SQL in ${n(Math.ceil(CUSTOMERS / CHUNK))} transactions of up to ${n(CHUNK)} customers, in the engine's shapes (message_daily, message_currency_daily and journey_history_counts by their triggers, entry_daily by one INSERT ... SELECT ... GROUP BY as JourneyEntryRepository writes it). Not generated: message_engagements and order_attributions (raw hits and attribution decisions, which no report measured here reads: the messages' summary columns and the rollups carry them), idempotency keys. Goal reached and entry revenue are drawn per entry (about 12% of treated and 10% of held-out entrants), not derived from the generated orders.

| load step | seconds |
| --- | ---: |
| generate every table (${n(Math.ceil(CUSTOMERS / CHUNK))} chunks) | ${generateSeconds.toFixed(1)} |
| entry_daily from journey_entries | ${entryDailySeconds.toFixed(1)} |
| VACUUM ANALYZE | ${analyzeSeconds.toFixed(1)} |
| total | ${loadSeconds.toFixed(1)} |
| first report after load (rollup build): GET /v1/analytics/kpis, 365 days | ${(first.ms / 1000).toFixed(2)} |
| next GET /v1/analytics/cohorts (first call) | ${(firstCohorts.ms / 1000).toFixed(2)} |

**Latency**, sequential requests on one keep-alive connection after ${WARM_UP} warm-up requests (target p95 ≤ ${TARGET_MS} ms):

| endpoint | requests | p50 | p95 | max | p95 ≤ ${TARGET_MS} ms |
| --- | ---: | ---: | ---: | ---: | --- |
${results.map((r) => `| ${r.label} | ${r.summary.count} | ${ms(r.summary.p50)} | ${ms(r.summary.p95)} | ${ms(r.summary.max)} | ${r.summary.p95 <= TARGET_MS ? 'yes' : '**no**'} |`).join('\n')}

**Over target** (p95 > ${TARGET_MS} ms): ${over.length === 0 ? 'none.' : over.map((r) => `${r.label} (${ms(r.summary.p95)})`).join('; ')}

**Where the time goes.** The message, journey-summary, lift, splits and cohort reports read rollups (message_daily, entry_daily, cohort_monthly, order_daily and the coverage tables), so their time follows the number of days and groups, not of customers. So do the journey counts: \`GET /v1/journeys/:id/counts\` and the list's \`entered\` sum \`journey_history_counts\` (${n(size('journey_history_counts'))} rows, kept by a trigger on the history, decision 0038) instead of counting ${n(size('journey_instance_history'))} history rows; the instances now at each step still come from the active instances. These read the facts, and grow with the shop:

- \`kpis\` over a period as long as a kept coverage window (365, 730, the churn window and twice it) reads the buyers from the coverage rollup; any other period counts its buyers from the customer_orders_placed index: every counted order of the period (${n(size('customer_orders'))} orders over the two years here), so 90 days reads three times what 30 days reads.
- \`nps\` takes each customer's latest answer per month of the period and, from those, over the period (DISTINCT ON over the period's rows of nps_answers, ${n(size('nps_answers'))} in all): one read of the period's answers.
- The first report after a bulk load builds the shop's order rollups from every order (decision 0034); after that the inbox moves them with each order.
`;
    writeSection('analytics', section);
    console.log(section);
  } finally {
    await apiProc?.stop();
    await db.end().catch(() => undefined);
    if (process.env.BENCH_KEEP_DATABASE !== '1') {
      await database.drop();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
