import type { Client } from 'pg';

/** Runs a query whose single row has a column n and returns it as a number. */
export async function count(db: Client, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: string | number }>(sql, params);
  const n = rows[0]?.n;
  if (n === undefined) {
    throw new Error(`count query must return a column n: ${sql}`);
  }
  return Number(n);
}
