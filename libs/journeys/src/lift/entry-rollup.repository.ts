import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { inTransaction } from '@kizuna/database';

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

/** One entry's contribution to its rollup rows: the columns `addToEntryDaily` expands, besides `sign`. */
export const ENTRY_CONTRIBUTION_COLUMNS = `journey_id, held_out, entered_day, slot, splits, first_entry, converted, revenue`;

/**
 * The statement that adds entries to `entry_daily`: each row of `contributions` (a relation with
 * `sign` and ENTRY_CONTRIBUTION_COLUMNS: an entry as it was, sign −1, or as it is, sign +1)
 * counts for the journey as a whole (`'', ''`) and for each split path it took; the sums are
 * grouped by rollup row, groups that add nothing left out, rows in key order (so two writers
 * never wait on each other in a cycle), and added to what the rows hold. How an entry makes its
 * rollup rows, written once: the engine's write of changed entries (JourneyEntryRepository.record)
 * adds (after − before), the rebuild below every entry with sign +1 into an emptied table.
 */
export function addToEntryDaily(contributions: string): string {
  return `
    INSERT INTO entry_daily AS d (journey_id, split_step, split_path, held_out, day, slot, entrants, first_entrants,
                                  converted, revenue, revenue_squares)
    SELECT c.journey_id, p.split_step, p.split_path, c.held_out, c.entered_day, c.slot, sum(c.sign),
           sum(c.sign * c.first_entry::int), sum(c.sign * c.converted::int), sum(c.sign * c.revenue),
           sum(c.sign * c.revenue * c.revenue)
      FROM ${contributions} c
     CROSS JOIN LATERAL (SELECT '' AS split_step, '' AS split_path
                         UNION ALL SELECT key, value FROM jsonb_each_text(c.splits)) p
     GROUP BY c.journey_id, p.split_step, p.split_path, c.held_out, c.entered_day, c.slot
    HAVING sum(c.sign) <> 0 OR sum(c.sign * c.first_entry::int) <> 0 OR sum(c.sign * c.converted::int) <> 0
        OR sum(c.sign * c.revenue) <> 0 OR sum(c.sign * c.revenue * c.revenue) <> 0
     ORDER BY c.journey_id, p.split_step, p.split_path, c.held_out, c.entered_day, c.slot
    ON CONFLICT (journey_id, split_step, split_path, held_out, day, slot) DO UPDATE SET
      entrants = d.entrants + EXCLUDED.entrants, first_entrants = d.first_entrants + EXCLUDED.first_entrants,
      converted = d.converted + EXCLUDED.converted, revenue = d.revenue + EXCLUDED.revenue,
      revenue_squares = d.revenue_squares + EXCLUDED.revenue_squares`;
}

/** What a rebuild of the entries rollup did. */
export interface EntryRollupRebuilt {
  /** Entries filed under another shop day. */
  rekeyed: number;
  /** `entry_daily` rows written. */
  rows: number;
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

  /**
   * The rollup rebuilt from the entry facts (`kizuna analytics rebuild`, after a change of
   * SHOP_TIMEZONE): every entry filed under the shop day of its entry in `timeZone` (as the engine
   * files a new one), then `entry_daily` emptied and summed again from `journey_entries`, in one
   * transaction. Entry writers (the engine's batches, JourneyEntryRepository) write
   * `journey_entries` first and `entry_daily` after; the locks are taken in that order, so a batch
   * under way finishes first and the next waits until the rebuild commits, and no change of an
   * entry can fall between the re-keying and the sums. Reports keep reading the old rows meanwhile
   * (EXCLUSIVE lets readers through). At a million entries this holds the engine's entry writes for
   * the seconds the sums take.
   */
  async rebuild(timeZone: string): Promise<EntryRollupRebuilt> {
    return inTransaction(this.dataSource, async (tx) => {
      await tx.query('LOCK TABLE journey_entries IN EXCLUSIVE MODE');
      await tx.query('LOCK TABLE entry_daily IN EXCLUSIVE MODE');
      const [moved] = await tx.query<Array<{ n: number }>>(
        `WITH moved AS (
           UPDATE journey_entries SET entered_day = (entered_at AT TIME ZONE $1)::date
            WHERE entered_day <> (entered_at AT TIME ZONE $1)::date
           RETURNING 1)
         SELECT count(*)::int AS n FROM moved`,
        [timeZone],
      );
      await tx.query('DELETE FROM entry_daily');
      await tx.query(`
        WITH entries AS (SELECT 1 AS sign, ${ENTRY_CONTRIBUTION_COLUMNS} FROM journey_entries)
        ${addToEntryDaily('entries')}`);
      const [written] = await tx.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM entry_daily`);
      return { rekeyed: moved!.n, rows: written!.n };
    });
  }
}
