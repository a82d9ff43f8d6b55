/**
 * Keyset page cursors: `(instant, tie-breaker)` of the last row of a page, opaque to clients
 * (base64url). The instant keeps PostgreSQL's full precision (microseconds): a JavaScript Date
 * holds milliseconds only, and a cursor cut to them skipped every row that shared the
 * millisecond with the page's last row but sorted after it (issue #10: 3,959 of 4,000 listed).
 * So the instant travels as text from the query (`exactInstantSql`) back into it (`::timestamptz`),
 * never through a Date.
 */
export interface PagePosition {
  /** ISO-8601 UTC with microseconds, as `exactInstantSql` formats it. */
  at: string;
  /** What orders rows within one instant (a seq, a uuid, ...), as text. */
  after: string;
}

/** `2024-05-01T09:00:00.123456Z`; three fractional digits are read too (cursors issued before #10). */
const INSTANT = /^(?!0000)\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.(\d{3}|\d{6})Z$/;

/**
 * SQL that renders a timestamptz column as the exact instant a cursor carries (microseconds,
 * UTC). Use the result as a column of the page query, and give it back as `$n::timestamptz`.
 */
export function exactInstantSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

export function encodePageCursor(position: PagePosition): string {
  return Buffer.from(`${position.at}|${position.after}`).toString('base64url');
}

/**
 * The position a cursor names, or undefined when it is not one this API returned (the caller
 * answers 400 with its lib's code). `after` must match `afterPattern` (anchored by the caller).
 */
export function decodePageCursor(cursor: string, afterPattern: RegExp): PagePosition | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) {
    return undefined;
  }
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  const at = text.slice(0, bar);
  const after = text.slice(bar + 1);
  // The round trip refuses dates the pattern lets through but the calendar has not (02-31),
  // which PostgreSQL would reject with an error instead of a 400.
  const parsed = new Date(at);
  if (
    bar < 0 ||
    !INSTANT.test(at) ||
    Number.isNaN(parsed.getTime()) ||
    parsed.toISOString().slice(0, 19) !== at.slice(0, 19) ||
    !afterPattern.test(after)
  ) {
    return undefined;
  }
  return { at, after };
}
