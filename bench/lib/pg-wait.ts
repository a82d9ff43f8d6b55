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

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`. */
export async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
