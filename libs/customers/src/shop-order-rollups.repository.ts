import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { contribution, difference, type Contribution, type CountedOrder, type RollupShape } from './shop-rollup.util';

/** The customers' counted orders before a batch changed them, by customer uuid. */
export type OrderSnapshot = Map<string, CountedOrder[]>;

/** Coverage kinds: buyers (≥ 1 order in the window) and repeat buyers (≥ 2). */
export type CoverageKind = 'buyer' | 'repeat';

export interface CurrencyTotals {
  currency: string;
  orders: number;
  /** Net of refunds, in that currency. */
  revenue: number;
}

export interface CohortCell {
  /** `YYYY-MM`. */
  cohort: string;
  month: string;
  customers: number;
  /** Shop-currency net revenue of the cohort's orders that month. */
  revenue: number;
}

const COVERAGE_TABLE: Record<CoverageKind, string> = { buyer: 'buyer_coverage', repeat: 'repeat_coverage' };

/** The slot of a customer's rollup rows: the uuid's first hex digit (16 slots). */
const slotOf = (customerUuid: string): number => parseInt(customerUuid[0]!, 16);

/** Money in ten-thousandths (CountedOrder.net) as the numeric column's text. */
const money = (units: number): string => (units / 10_000).toFixed(4);

/**
 * The shop's order rollups (docs/analytics.md "How it is computed", decision 0034): orders and
 * revenue per shop day and currency (`order_daily`), buyer and repeat-buyer coverage per window
 * length (`buyer_coverage`, `repeat_coverage`: difference arrays, so "buyers in the W days ending
 * D" is one sum), and cohorts (`cohort_monthly`). Written in the inbox transaction that changes the
 * order facts: the batch's customers' counted orders are read before and after, and the rollups
 * move by the difference of what each side contributes (shop-rollup.util), one upsert per table
 * with keys sorted, so two batches cannot deadlock. `shop_rollups` records the time zone,
 * currency and window lengths the rollups were built in; `rebuild` builds them from the facts.
 * Like the facts, owned by the customers lib (ARCHITECTURE.md, "Who owns the customer").
 */
@Injectable()
export class ShopOrderRollups {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The counted orders of these customers as they stand in this transaction. */
  async snapshot(tx: EntityManager, customerUuids: string[]): Promise<OrderSnapshot> {
    const snapshot: OrderSnapshot = new Map(customerUuids.map((uuid) => [uuid, []]));
    if (customerUuids.length === 0) {
      return snapshot;
    }
    const rows = await tx.query<Array<{ customer_uuid: string; placed_at: Date; currency: string; net: string }>>(
      `SELECT customer_uuid, placed_at, currency, (total - refunded_total)::text AS net FROM customer_orders
        WHERE customer_uuid = ANY($1::uuid[]) AND cancelled_at IS NULL`,
      [customerUuids],
    );
    for (const row of rows) {
      snapshot.get(row.customer_uuid)!.push({
        placedAt: row.placed_at.getTime(),
        currency: row.currency,
        net: Math.round(Number(row.net) * 10_000),
      });
    }
    return snapshot;
  }

  /**
   * After a batch wrote order facts for the customers in `before`: each order's previous counted
   * order, and the rollups moved by (after − before). Nothing to move while the rollups are not
   * built yet: building them reads the facts, this batch's included once it commits.
   */
  async settle(tx: EntityManager, before: OrderSnapshot): Promise<void> {
    const uuids = [...before.keys()].sort();
    if (uuids.length === 0) {
      return;
    }
    await tx.query(
      `UPDATE customer_orders o SET previous_placed_at = p.previous
         FROM (SELECT customer_uuid, order_id,
                      lag(placed_at) OVER (PARTITION BY customer_uuid ORDER BY placed_at, order_id) AS previous
                 FROM customer_orders WHERE customer_uuid = ANY($1::uuid[]) AND cancelled_at IS NULL) p
        WHERE o.customer_uuid = p.customer_uuid AND o.order_id = p.order_id
          AND o.previous_placed_at IS DISTINCT FROM p.previous`,
      [uuids],
    );
    // Shared: batches settle side by side; a rebuild (FOR UPDATE) waits for them and they for it.
    const shape = await this.shape(tx, 'FOR SHARE');
    if (!shape) {
      return;
    }
    const after = await this.snapshot(tx, uuids);
    const deltas = new SlottedDeltas();
    for (const uuid of uuids) {
      deltas.add(
        slotOf(uuid),
        difference(contribution(after.get(uuid)!, shape), contribution(before.get(uuid)!, shape)),
      );
    }
    await deltas.write(tx);
  }

  /** How the rollups are built now (time zone, currency, windows), or undefined before the first build. */
  async shape(tx?: EntityManager, lock?: 'FOR SHARE' | 'FOR UPDATE'): Promise<RollupShape | undefined> {
    const [row] = await (tx ?? this.dataSource).query<
      Array<{ time_zone: string | null; currency: string | null; buyer_windows: number[]; repeat_windows: number[] }>
    >(`SELECT time_zone, currency, buyer_windows, repeat_windows FROM shop_rollups ${lock ?? ''}`);
    return row?.time_zone && row.currency
      ? {
          timeZone: row.time_zone,
          currency: row.currency,
          buyerWindows: row.buyer_windows,
          repeatWindows: row.repeat_windows,
        }
      : undefined;
  }

  /**
   * Makes the rollups answer for `wanted` (docs/analytics.md, "Reading, rebuilding, scaling"): a
   * new time zone or currency rebuilds everything from the facts; missing window lengths are
   * added (coverage only); windows already kept stay kept. Holds the rollups' lock, so inbox
   * batches wait for it. Reads every counted order once: minutes at millions of orders, once per
   * change of the shop's calendar or of `kpi.churnDays`.
   */
  async rebuild(tx: EntityManager, wanted: RollupShape): Promise<void> {
    const current = await this.shape(tx, 'FOR UPDATE');
    const full = !current || current.timeZone !== wanted.timeZone || current.currency !== wanted.currency;
    const missing = (kept: readonly number[] | undefined, want: readonly number[]) =>
      [...new Set(want)].filter((w) => full || !kept?.includes(w));
    const shape: RollupShape = {
      timeZone: wanted.timeZone,
      currency: wanted.currency,
      buyerWindows: missing(current?.buyerWindows, wanted.buyerWindows),
      repeatWindows: missing(current?.repeatWindows, wanted.repeatWindows),
    };
    if (!full && shape.buyerWindows.length === 0 && shape.repeatWindows.length === 0) {
      return;
    }
    if (full) {
      await tx.query(`TRUNCATE order_daily, buyer_coverage, repeat_coverage, cohort_monthly`);
    }
    const deltas = new SlottedDeltas();
    for (let after: string | null = null; ;) {
      const rows: Array<{ customer_uuid: string; orders: Array<[string, string, string]> }> = await tx.query<
        Array<{ customer_uuid: string; orders: Array<[string, string, string]> }>
      >(
        `SELECT o.customer_uuid,
                jsonb_agg(jsonb_build_array(o.placed_at, o.currency, (o.total - o.refunded_total)::text)) AS orders
           FROM (SELECT DISTINCT customer_uuid FROM customer_orders
                  WHERE cancelled_at IS NULL AND ($1::uuid IS NULL OR customer_uuid > $1)
                  ORDER BY customer_uuid LIMIT 5000) page
           JOIN customer_orders o ON o.customer_uuid = page.customer_uuid AND o.cancelled_at IS NULL
          GROUP BY o.customer_uuid ORDER BY o.customer_uuid`,
        [after],
      );
      if (rows.length === 0) {
        break;
      }
      for (const row of rows) {
        const orders = row.orders.map(([placedAt, currency, net]) => ({
          placedAt: Date.parse(placedAt),
          currency,
          net: Math.round(Number(net) * 10_000),
        }));
        const part = contribution(orders, shape);
        deltas.add(slotOf(row.customer_uuid), full ? part : { ...part, daily: new Map(), cohort: new Map() });
      }
      after = rows[rows.length - 1]!.customer_uuid;
    }
    await deltas.write(tx);
    const union = (kept: readonly number[] | undefined, added: readonly number[]) =>
      [...new Set([...(full ? [] : (kept ?? [])), ...added])].sort((a, b) => a - b);
    await tx.query(
      `UPDATE shop_rollups SET time_zone = $1, currency = $2, buyer_windows = $3, repeat_windows = $4, built_at = now()`,
      [
        wanted.timeZone,
        wanted.currency,
        union(current?.buyerWindows, shape.buyerWindows),
        union(current?.repeatWindows, shape.repeatWindows),
      ],
    );
  }

  /** Orders and net revenue per currency placed on the shop days `from`–`to` (both included). */
  async orderTotals(from: string, to: string): Promise<CurrencyTotals[]> {
    // ≤ days × currencies × 16 slots rows of order_daily's primary key range.
    const rows = await this.dataSource.query<Array<{ currency: string; orders: number; revenue: string }>>(
      `SELECT currency, sum(orders)::int AS orders, sum(revenue)::text AS revenue FROM order_daily
        WHERE day BETWEEN $1::date AND $2::date GROUP BY currency HAVING sum(orders) <> 0 ORDER BY currency`,
      [from, to],
    );
    return rows.map((r) => ({ currency: r.currency, orders: r.orders, revenue: Number(r.revenue) }));
  }

  /**
   * Customers with a counted order in [start, end): the period's orders whose previous order is
   * before the period, each customer's first in it. Reads the period's entries of the
   * `customer_orders_placed` index alone (placed_at, previous_placed_at): bounded by the
   * period's orders, not by history.
   */
  async buyersBetween(start: Date, end: Date): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ buyers: number }>>(
      `SELECT count(*)::int AS buyers FROM customer_orders
        WHERE cancelled_at IS NULL AND placed_at >= $1 AND placed_at < $2
          AND (previous_placed_at IS NULL OR previous_placed_at < $1)`,
      [start, end],
    );
    return row!.buyers;
  }

  /**
   * Coverage as of each (window, day): the customers with ≥ 1 (buyer) or ≥ 2 (repeat) counted
   * orders in the `window` shop days ending with `day`. Each is one sum over the window's rows
   * up to the day: at most (days of history × 16 slots) index entries.
   */
  async coverage(kind: CoverageKind, asked: Array<{ window: number; day: string }>): Promise<number[]> {
    const rows = await this.dataSource.query<Array<{ n: number; covered: number }>>(
      `SELECT q.n, (SELECT COALESCE(sum(c.delta), 0)::int FROM ${COVERAGE_TABLE[kind]} c
                     WHERE c.window_days = q.w AND c.day <= q.d) AS covered
         FROM unnest($1::int[], $2::date[]) WITH ORDINALITY AS q(w, d, n) ORDER BY q.n`,
      [asked.map((a) => a.window), asked.map((a) => a.day)],
    );
    return rows.map((r) => r.covered);
  }

  /** Cohort cells of the cohorts `from`–`to` (`YYYY-MM`), every later month: ≤ cohorts × months × 16 rows. */
  async cohortCells(from: string, to: string): Promise<CohortCell[]> {
    const rows = await this.dataSource.query<
      Array<{ cohort: string; month: string; customers: number; revenue: string }>
    >(
      `SELECT to_char(cohort_month, 'YYYY-MM') AS cohort, to_char(month, 'YYYY-MM') AS month,
              sum(customers)::int AS customers, sum(revenue)::text AS revenue
         FROM cohort_monthly WHERE cohort_month BETWEEN $1::date AND $2::date
        GROUP BY cohort_month, month HAVING sum(customers) <> 0 ORDER BY cohort_month, month`,
      [`${from}-01`, `${to}-01`],
    );
    return rows.map((r) => ({ cohort: r.cohort, month: r.month, customers: r.customers, revenue: Number(r.revenue) }));
  }
}

/** Rollup deltas of many customers, summed per row key (slot included), written in key order. */
class SlottedDeltas {
  private readonly daily = new Map<string, { orders: number; revenue: number }>();
  private readonly buyers = new Map<string, number>();
  private readonly repeat = new Map<string, number>();
  private readonly cohort = new Map<string, { customers: number; revenue: number }>();

  add(slot: number, c: Contribution): void {
    const sum = <T extends Record<string, number>>(into: Map<string, T>, from: Map<string, T>) => {
      for (const [key, value] of from) {
        const k = `${key}|${slot}`;
        const seen = into.get(k);
        into.set(
          k,
          seen ? (Object.fromEntries(Object.entries(value).map(([f, v]) => [f, v + seen[f]!])) as T) : { ...value },
        );
      }
    };
    const count = (into: Map<string, number>, from: Map<string, number>) => {
      for (const [key, value] of from) {
        into.set(`${key}|${slot}`, (into.get(`${key}|${slot}`) ?? 0) + value);
      }
    };
    sum(this.daily, c.daily);
    count(this.buyers, c.buyers);
    count(this.repeat, c.repeat);
    sum(this.cohort, c.cohort);
  }

  async write(tx: EntityManager): Promise<void> {
    // Keys split into their columns, sorted: any fixed order of the rows avoids deadlocks.
    const sorted = <T>(map: Map<string, T>) =>
      [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]): [string[], T] => [k.split('|'), v]);
    const daily = sorted(this.daily);
    if (daily.length > 0) {
      await tx.query(
        `INSERT INTO order_daily (day, currency, slot, orders, revenue)
         SELECT * FROM unnest($1::date[], $2::text[], $3::smallint[], $4::int[], $5::numeric[])
         ON CONFLICT (day, currency, slot) DO UPDATE
           SET orders = order_daily.orders + excluded.orders, revenue = order_daily.revenue + excluded.revenue`,
        [
          daily.map(([k]) => k[0]),
          daily.map(([k]) => k[1]),
          daily.map(([k]) => Number(k[2])),
          daily.map(([, v]) => v.orders),
          daily.map(([, v]) => money(v.revenue)),
        ],
      );
    }
    for (const [kind, map] of [
      ['buyer', this.buyers],
      ['repeat', this.repeat],
    ] as const) {
      const rows = sorted(map);
      if (rows.length > 0) {
        const table = COVERAGE_TABLE[kind];
        await tx.query(
          `INSERT INTO ${table} (window_days, day, slot, delta)
           SELECT * FROM unnest($1::int[], $2::date[], $3::smallint[], $4::int[])
           ON CONFLICT (window_days, day, slot) DO UPDATE SET delta = ${table}.delta + excluded.delta`,
          [
            rows.map(([k]) => Number(k[0])),
            rows.map(([k]) => k[1]),
            rows.map(([k]) => Number(k[2])),
            rows.map(([, v]) => v),
          ],
        );
      }
    }
    const cohort = sorted(this.cohort);
    if (cohort.length > 0) {
      await tx.query(
        `INSERT INTO cohort_monthly (cohort_month, month, slot, customers, revenue)
         SELECT * FROM unnest($1::date[], $2::date[], $3::smallint[], $4::int[], $5::numeric[])
         ON CONFLICT (cohort_month, month, slot) DO UPDATE
           SET customers = cohort_monthly.customers + excluded.customers,
               revenue = cohort_monthly.revenue + excluded.revenue`,
        [
          cohort.map(([k]) => k[0]),
          cohort.map(([k]) => k[1]),
          cohort.map(([k]) => Number(k[2])),
          cohort.map(([, v]) => v.customers),
          cohort.map(([, v]) => money(v.revenue)),
        ],
      );
    }
  }
}
