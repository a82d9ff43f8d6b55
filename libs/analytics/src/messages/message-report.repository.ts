import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ratio, type Ratio } from '../ratio.util';
import type { ShopDay } from '../shop-calendar.util';

export type MessageGrouping = 'shop' | 'journey' | 'step' | 'template' | 'path';

export interface MessageReportQuery {
  /** Shop days of message creation, both included. */
  from: ShopDay;
  to: ShopDay;
  groupBy: MessageGrouping;
  /** One row per shop day too. */
  byDay: boolean;
  journeyId?: string;
}

export interface OtherCurrency {
  currency: string;
  orders: number;
  revenue: number;
}

/** One row of the message report (docs/analytics.md, "Message engagement" and "Attribution"). */
export interface MessageFigures {
  journeyId?: string | null;
  stepId?: string | null;
  templateKey?: string | null;
  splitPath?: string | null;
  day?: ShopDay;
  created: number;
  sent: number;
  failed: number;
  suppressed: number;
  skipped: number;
  deferred: number;
  uniqueOpens: number;
  uniqueClicks: number;
  unsubscribes: number;
  complaints: number;
  machineOpens: number;
  scannerClicks: number;
  openRate: Ratio;
  clickRate: Ratio;
  clickToOpen: Ratio;
  unsubscribeRate: Ratio;
  complaintRate: Ratio;
  conversions: number;
  convertedMessages: number;
  conversionRate: Ratio;
  attributedRevenue: number;
  revenuePerRecipient: Ratio;
  otherCurrencies: OtherCurrency[];
}

/** Per split path: the engagement of the messages sent after it (the A/B report's paths). */
export interface SplitPathMessageTotals {
  sent: number;
  uniqueClicks: number;
}

/** Per journey: what the journeys list shows beside entries. */
export interface JourneyMessageTotals {
  sent: number;
  conversions: number;
  convertedMessages: number;
  attributedRevenue: number;
}

const GROUP_COLUMNS: Record<MessageGrouping, string[]> = {
  shop: [],
  journey: ['journey_id'],
  step: ['journey_id', 'step_id'],
  template: ['template_key'],
  path: ['journey_id', 'step_id', 'split_path'],
};

interface DailySums {
  journey_id?: string | null;
  step_id?: string | null;
  template_key?: string | null;
  split_path?: string | null;
  day?: string;
  created: number;
  sent: number;
  failed: number;
  suppressed: number;
  skipped: number;
  deferred: number;
  human_opened: number;
  machine_opened: number;
  human_clicked: number;
  scanner_clicked: number;
  unsubscribed: number;
  complained: number;
  converted_messages: number;
  credited_orders: number;
  credited_revenue: string;
}

const SUMS = `sum(created)::int AS created, sum(sent)::int AS sent, sum(failed)::int AS failed,
  sum(suppressed)::int AS suppressed, sum(skipped)::int AS skipped, sum(deferred)::int AS deferred,
  sum(human_opened)::int AS human_opened, sum(machine_opened)::int AS machine_opened,
  sum(human_clicked)::int AS human_clicked, sum(scanner_clicked)::int AS scanner_clicked,
  sum(unsubscribed)::int AS unsubscribed, sum(complained)::int AS complained,
  sum(converted_messages)::int AS converted_messages, sum(credited_orders)::int AS credited_orders,
  sum(credited_revenue)::text AS credited_revenue`;

/** Money as reported: at most 4 decimals, as stored (numeric(20,4)). */
const money = (value: string | number): number => Math.round(Number(value) * 1e4) / 1e4;

/**
 * The message report, read from the `message_daily` rollup only: sums over the shop days of the
 * range and the 16 slots, grouped as asked. A 30-day report reads at most 30 × 16 rows per
 * (journey, step, template, path) key, through `message_daily_day_idx` (or the journey's index
 * when one journey is asked), never a message row.
 */
@Injectable()
export class MessageReportRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async report(query: MessageReportQuery): Promise<MessageFigures[]> {
    const groups = [...GROUP_COLUMNS[query.groupBy], ...(query.byDay ? ['day'] : [])];
    const select = groups.map((g) => (g === 'day' ? `to_char(day, 'YYYY-MM-DD') AS day` : g));
    const where = `day BETWEEN $1::date AND $2::date${query.journeyId ? ' AND journey_id = $3' : ''}`;
    const params: unknown[] = [query.from, query.to, ...(query.journeyId ? [query.journeyId] : [])];
    const groupBy = groups.length > 0 ? `GROUP BY ${groups.join(', ')}` : '';
    // Groups sort as text, nulls (messages outside journeys, before any split) last.
    const orderBy = groups.length > 0 ? `ORDER BY ${groups.map((g) => `${g} NULLS LAST`).join(', ')}` : '';
    const rows = await this.dataSource.query<DailySums[]>(
      `SELECT ${[...select, SUMS].join(', ')} FROM message_daily WHERE ${where} ${groupBy} ${orderBy}`,
      params,
    );
    const others = await this.dataSource.query<
      Array<Record<string, string | null> & { currency: string; orders: number; revenue: string }>
    >(
      `SELECT ${[...select, 'currency', 'sum(orders)::int AS orders', 'sum(revenue)::text AS revenue'].join(', ')}
         FROM message_currency_daily WHERE ${where}
        GROUP BY ${[...groups, 'currency'].join(', ')}
       HAVING sum(orders) <> 0 OR sum(revenue) <> 0
        ORDER BY currency`,
      params,
    );
    const keyOf = (r: object) => JSON.stringify(groups.map((g) => (r as Record<string, unknown>)[g] ?? null));
    const otherByKey = new Map<string, OtherCurrency[]>();
    for (const o of others) {
      const list = otherByKey.get(keyOf(o)) ?? [];
      list.push({ currency: o.currency, orders: o.orders, revenue: money(o.revenue) });
      otherByKey.set(keyOf(o), list);
    }
    if (rows.length === 0 && groups.length === 0) {
      // The shop-wide figure exists even for a range without messages: all zero, rates without value.
      rows.push(emptySums());
    }
    return rows.map((r) => ({
      ...(groups.includes('journey_id') ? { journeyId: r.journey_id ?? null } : {}),
      ...(groups.includes('step_id') ? { stepId: r.step_id ?? null } : {}),
      ...(groups.includes('template_key') ? { templateKey: r.template_key ?? null } : {}),
      ...(groups.includes('split_path') ? { splitPath: r.split_path ?? null } : {}),
      ...(query.byDay ? { day: r.day } : {}),
      ...figures(r, otherByKey.get(keyOf(r)) ?? []),
    }));
  }

  /**
   * Sent and unique (human) clicks per split path (`<split>:<path name>`, the engine's) of one
   * journey, over messages created on shop days `from`–`to` (null: unbounded). A message counts
   * for the last split before its step. One read through `message_daily_journey_day_idx`: the
   * journey's days × 16 slots × its (step, template, path) keys, never a message row.
   */
  async splitPathTotals(
    journeyId: string,
    from: ShopDay | null,
    to: ShopDay | null,
  ): Promise<Map<string, SplitPathMessageTotals>> {
    const rows = await this.dataSource.query<Array<{ split_path: string; sent: number; human_clicked: number }>>(
      `SELECT split_path, sum(sent)::int AS sent, sum(human_clicked)::int AS human_clicked
         FROM message_daily
        WHERE journey_id = $1 AND split_path IS NOT NULL
          AND ($2::date IS NULL OR day >= $2::date) AND ($3::date IS NULL OR day <= $3::date)
        GROUP BY split_path`,
      [journeyId, from, to],
    );
    return new Map(rows.map((r) => [r.split_path, { sent: r.sent, uniqueClicks: r.human_clicked }]));
  }

  /** Sent, conversions and attributed revenue per journey over the range: one grouped read. */
  async journeyTotals(from: ShopDay, to: ShopDay): Promise<Map<string, JourneyMessageTotals>> {
    const rows = await this.dataSource.query<
      Array<{
        journey_id: string;
        sent: number;
        credited_orders: number;
        converted_messages: number;
        credited_revenue: string;
      }>
    >(
      `SELECT journey_id, sum(sent)::int AS sent, sum(credited_orders)::int AS credited_orders,
              sum(converted_messages)::int AS converted_messages, sum(credited_revenue)::text AS credited_revenue
         FROM message_daily WHERE day BETWEEN $1::date AND $2::date AND journey_id IS NOT NULL
        GROUP BY journey_id`,
      [from, to],
    );
    return new Map(
      rows.map((r) => [
        r.journey_id,
        {
          sent: r.sent,
          conversions: r.credited_orders,
          convertedMessages: r.converted_messages,
          attributedRevenue: money(r.credited_revenue),
        },
      ]),
    );
  }
}

function emptySums(): DailySums {
  return {
    created: 0,
    sent: 0,
    failed: 0,
    suppressed: 0,
    skipped: 0,
    deferred: 0,
    human_opened: 0,
    machine_opened: 0,
    human_clicked: 0,
    scanner_clicked: 0,
    unsubscribed: 0,
    complained: 0,
    converted_messages: 0,
    credited_orders: 0,
    credited_revenue: '0',
  };
}

/** The figures of one group, every rate over sent (docs/analytics.md). */
function figures(
  r: DailySums,
  otherCurrencies: OtherCurrency[],
): Omit<MessageFigures, 'journeyId' | 'stepId' | 'templateKey' | 'splitPath' | 'day'> {
  const revenue = money(r.credited_revenue);
  return {
    created: r.created,
    sent: r.sent,
    failed: r.failed,
    suppressed: r.suppressed,
    skipped: r.skipped,
    deferred: r.deferred,
    uniqueOpens: r.human_opened,
    uniqueClicks: r.human_clicked,
    unsubscribes: r.unsubscribed,
    complaints: r.complained,
    machineOpens: r.machine_opened,
    scannerClicks: r.scanner_clicked,
    openRate: ratio(r.human_opened, r.sent),
    clickRate: ratio(r.human_clicked, r.sent),
    clickToOpen: ratio(r.human_clicked, r.human_opened),
    unsubscribeRate: ratio(r.unsubscribed, r.sent),
    complaintRate: ratio(r.complained, r.sent),
    conversions: r.credited_orders,
    convertedMessages: r.converted_messages,
    conversionRate: ratio(r.converted_messages, r.sent),
    attributedRevenue: revenue,
    revenuePerRecipient: ratio(revenue, r.sent),
    otherCurrencies,
  };
}
