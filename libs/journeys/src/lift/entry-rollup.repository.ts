import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Sums of `entry_daily` rows: entrants, conversions and revenue (Σx, Σx²) of one group. */
export interface EntrySums {
  entrants: number;
  firstEntrants: number;
  converted: number;
  revenue: number;
  revenueSquares: number;
}

/** One group's sums, split into entries whose outcome window has passed (counted) and the rest. */
export interface GroupSums {
  /** '' for the journey as a whole; else a split step id. */
  splitStep: string;
  splitPath: string;
  heldOut: boolean;
  counted: EntrySums;
  inProgress: EntrySums;
}

export const NO_ENTRIES: EntrySums = { entrants: 0, firstEntrants: 0, converted: 0, revenue: 0, revenueSquares: 0 };

interface SumRow {
  split_step: string;
  split_path: string;
  held_out: boolean;
  counted: boolean;
  entrants: number;
  first_entrants: number;
  converted: number;
  revenue: string;
  revenue_squares: string;
}

/**
 * Reads of the `entry_daily` rollup (written by the journey engine's transaction: decisions/0035).
 * Every read is one index range of the primary key (journey, split step, path, group, day, slot):
 * a report over 30 days reads at most 30 days × 16 slots × 2 groups rows per path, whatever the
 * number of entries behind them.
 */
@Injectable()
export class EntryRollupRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Per (split step, path, group): sums over entries of shop days `from`–`to` (null: unbounded),
   * counted when their day is at most `lastCounted` (the whole goal window has passed), in
   * progress otherwise. `splits`: false for the journey as a whole, true for every split path.
   */
  async sums(
    journeyId: string,
    range: { from: string | null; to: string | null; lastCounted: string | null },
    splits: boolean,
  ): Promise<GroupSums[]> {
    const rows = await this.dataSource.query<SumRow[]>(
      `SELECT split_step, split_path, held_out, day <= $4::date IS TRUE AS counted,
              sum(entrants)::int AS entrants, sum(first_entrants)::int AS first_entrants,
              sum(converted)::int AS converted, sum(revenue)::text AS revenue,
              sum(revenue_squares)::text AS revenue_squares
         FROM entry_daily
        WHERE journey_id = $1 AND ${splits ? `split_step <> ''` : `split_step = '' AND split_path = ''`}
          AND ($2::date IS NULL OR day >= $2::date) AND ($3::date IS NULL OR day <= $3::date)
        GROUP BY 1, 2, 3, 4`,
      [journeyId, range.from, range.to, range.lastCounted],
    );
    const groups = new Map<string, GroupSums>();
    for (const r of rows) {
      const key = JSON.stringify([r.split_step, r.split_path, r.held_out]);
      let group = groups.get(key);
      if (!group) {
        group = {
          splitStep: r.split_step,
          splitPath: r.split_path,
          heldOut: r.held_out,
          counted: NO_ENTRIES,
          inProgress: NO_ENTRIES,
        };
        groups.set(key, group);
      }
      group[r.counted ? 'counted' : 'inProgress'] = {
        entrants: r.entrants,
        firstEntrants: r.first_entrants,
        converted: r.converted,
        revenue: Number(r.revenue),
        revenueSquares: Number(r.revenue_squares),
      };
    }
    return [...groups.values()];
  }

  /**
   * Entries (both groups) per journey on shop days `from`–`to`, for every journey at once (the
   * journeys list). One read of the journeys' whole-journey rows through the partial
   * `entry_daily_day_idx`: days × 16 slots × 2 groups rows per journey, whatever the entries.
   */
  async entrantsByJourney(from: string, to: string): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<Array<{ journey_id: string; entrants: number }>>(
      `SELECT journey_id, sum(entrants)::int AS entrants FROM entry_daily
        WHERE split_step = '' AND day BETWEEN $1::date AND $2::date
        GROUP BY journey_id`,
      [from, to],
    );
    return new Map(rows.map((r) => [r.journey_id, r.entrants]));
  }

  /**
   * Entries per customer over the journey's whole history: entries / first entries (a customer's
   * first entry into the journey). A sum over the journey's days, both groups.
   */
  async entriesPerCustomer(journeyId: string): Promise<number | null> {
    const [row] = await this.dataSource.query<Array<{ entrants: number; customers: number }>>(
      `SELECT COALESCE(sum(entrants), 0)::int AS entrants, COALESCE(sum(first_entrants), 0)::int AS customers
         FROM entry_daily WHERE journey_id = $1 AND split_step = '' AND split_path = ''`,
      [journeyId],
    );
    return row && row.customers > 0 ? row.entrants / row.customers : null;
  }
}
