/**
 * Scale checks on the database side: the shape of a query's plan (does it stay on an index as
 * tables grow?), and per table while a phase ran: how many rows sequential scans read, and how
 * many blocks were found in shared_buffers or had to be read from outside it.
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
  /** Table, TOAST and index blocks found in shared_buffers, and read from outside it (OS cache or disk). */
  blocksHit: number;
  blocksRead: number;
}

export type ScanCounters = Map<string, TableCounters>;

/** Cumulative scan and block counters of the given tables (pg_stat_user_tables, pg_statio_user_tables). */
export async function scanCounters(db: Client, tables: readonly string[]): Promise<ScanCounters> {
  const { rows } = await db.query<{
    relname: string;
    seq_scan: string;
    seq_tup_read: string;
    idx_scan: string | null;
    hit: string;
    read: string;
  }>(
    `SELECT s.relname, s.seq_scan, s.seq_tup_read, s.idx_scan,
            COALESCE(io.heap_blks_hit, 0) + COALESCE(io.idx_blks_hit, 0) + COALESCE(io.toast_blks_hit, 0)
              + COALESCE(io.tidx_blks_hit, 0) AS hit,
            COALESCE(io.heap_blks_read, 0) + COALESCE(io.idx_blks_read, 0) + COALESCE(io.toast_blks_read, 0)
              + COALESCE(io.tidx_blks_read, 0) AS read
       FROM pg_stat_user_tables s JOIN pg_statio_user_tables io USING (relid)
      WHERE s.relname = ANY($1::text[])`,
    [tables],
  );
  return new Map(
    rows.map((r) => [
      r.relname,
      {
        seqScans: Number(r.seq_scan),
        seqRows: Number(r.seq_tup_read),
        idxScans: Number(r.idx_scan ?? 0),
        blocksHit: Number(r.hit),
        blocksRead: Number(r.read),
      },
    ]),
  );
}

/** What changed between two snapshots, per table. */
export function scanDelta(before: ScanCounters, after: ScanCounters): ScanCounters {
  const delta: ScanCounters = new Map();
  for (const [table, a] of after) {
    const b = before.get(table) ?? { seqScans: 0, seqRows: 0, idxScans: 0, blocksHit: 0, blocksRead: 0 };
    delta.set(table, {
      seqScans: a.seqScans - b.seqScans,
      seqRows: a.seqRows - b.seqRows,
      idxScans: a.idxScans - b.idxScans,
      blocksHit: a.blocksHit - b.blocksHit,
      blocksRead: a.blocksRead - b.blocksRead,
    });
  }
  return delta;
}
