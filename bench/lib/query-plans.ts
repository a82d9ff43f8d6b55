/**
 * Scale checks on the database side: the shape of a query's plan (does it stay on an index as
 * tables grow?), and what a phase cost the database: per table, rows read by sequential scans,
 * blocks read from outside shared_buffers and updates that had to touch indexes; for the whole
 * server, WAL bytes and full-page images.
 */
import type { Client } from 'pg';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

export interface PlanCheck {
  /** Scan nodes, e.g. "Index Scan using journey_timers_due_idx (500 rows)". */
  scans: string[];
  /** Relations read by a sequential scan. */
  seqScanned: string[];
  executionMs: number;
}

/**
 * EXPLAIN (ANALYZE) of one statement inside a transaction that is rolled back, so a locking or
 * writing statement changes nothing; `prepare` runs first in that transaction (e.g. to make
 * rows due).
 */
export async function explain(db: Client, sql: string, params: unknown[], prepare?: () => Promise<void>) {
  await db.query('BEGIN');
  try {
    // Plans as the worker's sessions get them, whatever this session has set.
    await db.query('SET LOCAL enable_seqscan TO DEFAULT');
    await prepare?.();
    const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }> }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      params,
    );
    const top = rows[0]!['QUERY PLAN'][0]!;
    const scans: string[] = [];
    const seqScanned: string[] = [];
    const walk = (node: PlanNode): void => {
      if (node['Relation Name'] !== undefined) {
        const via = node['Index Name'] ? ` using ${node['Index Name']}` : ` on ${node['Relation Name']}`;
        scans.push(`${node['Node Type']}${via} (${node['Actual Rows'] ?? 0} rows)`);
        if (node['Node Type'] === 'Seq Scan') {
          seqScanned.push(node['Relation Name']);
        }
      }
      node.Plans?.forEach(walk);
    };
    walk(top.Plan);
    return { scans, seqScanned, executionMs: top['Execution Time'] } satisfies PlanCheck;
  } finally {
    await db.query('ROLLBACK');
  }
}

export interface TableCounters {
  seqScans: number;
  seqRows: number;
  idxScans: number;
  updates: number;
  /** Updates that wrote no index entry (heap-only tuples). */
  hotUpdates: number;
  /** Table, TOAST and index blocks found in shared_buffers, and read from outside it (OS cache or disk). */
  blocksHit: number;
  blocksRead: number;
}

export type ScanCounters = Map<string, TableCounters>;

/** Per-table counters, and the server's WAL position and full-page images (server-wide). */
export interface WorkCounters {
  tables: ScanCounters;
  walBytes: number;
  walFullPages: number;
}

const ZERO: TableCounters = {
  seqScans: 0,
  seqRows: 0,
  idxScans: 0,
  updates: 0,
  hotUpdates: 0,
  blocksHit: 0,
  blocksRead: 0,
};

/** Cumulative counters (pg_stat_user_tables, pg_statio_user_tables, pg_stat_wal). */
export async function workCounters(db: Client, tables: readonly string[]): Promise<WorkCounters> {
  const { rows } = await db.query<Record<keyof TableCounters, string> & { relname: string }>(
    `SELECT s.relname, s.seq_scan AS "seqScans", s.seq_tup_read AS "seqRows", COALESCE(s.idx_scan, 0) AS "idxScans",
            s.n_tup_upd AS updates, s.n_tup_hot_upd AS "hotUpdates",
            COALESCE(io.heap_blks_hit, 0) + COALESCE(io.idx_blks_hit, 0) + COALESCE(io.toast_blks_hit, 0)
              + COALESCE(io.tidx_blks_hit, 0) AS "blocksHit",
            COALESCE(io.heap_blks_read, 0) + COALESCE(io.idx_blks_read, 0) + COALESCE(io.toast_blks_read, 0)
              + COALESCE(io.tidx_blks_read, 0) AS "blocksRead"
       FROM pg_stat_user_tables s JOIN pg_statio_user_tables io USING (relid)
      WHERE s.relname = ANY($1::text[])`,
    [tables],
  );
  const [wal] = (
    await db.query<{ bytes: string; fpi: string }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS bytes, (SELECT wal_fpi FROM pg_stat_wal)::text AS fpi`,
    )
  ).rows;
  return {
    tables: new Map(
      rows.map((r) => [
        r.relname,
        Object.fromEntries(
          Object.keys(ZERO).map((k) => [k, Number(r[k as keyof TableCounters])]),
        ) as unknown as TableCounters,
      ]),
    ),
    walBytes: Number(wal!.bytes),
    walFullPages: Number(wal!.fpi),
  };
}

/** What changed between two snapshots. */
export function workDelta(before: WorkCounters, after: WorkCounters): WorkCounters {
  const tables: ScanCounters = new Map();
  for (const [table, a] of after.tables) {
    const b = before.tables.get(table) ?? ZERO;
    tables.set(
      table,
      Object.fromEntries(
        Object.keys(ZERO).map((k) => [k, a[k as keyof TableCounters] - b[k as keyof TableCounters]]),
      ) as unknown as TableCounters,
    );
  }
  return {
    tables,
    walBytes: after.walBytes - before.walBytes,
    walFullPages: after.walFullPages - before.walFullPages,
  };
}
