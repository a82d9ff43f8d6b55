/**
 * Whether an error from pg, pg-pool or TypeORM means PostgreSQL could not be reached, rather
 * than that a statement was wrong: the one place that knows the driver's ways of saying so.
 * Callers use it to answer 503 instead of 500 and to back off instead of logging every retry.
 */

/** Socket errors of a connection that could not be made or was lost. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away or not taking connections: class 08 (connection
 * exception), 57P01 admin shutdown (fast shutdown, pg_terminate_backend), 57P02 crash shutdown,
 * 57P03 cannot connect now (starting up, recovering), 53300 too many connections.
 */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/** pg and pg-pool report a lost connection or a pool timeout with a message and no code. */
const DRIVER_MESSAGES = [
  /^Connection terminated/, // unexpectedly | due to connection timeout
  /^timeout exceeded when trying to connect/, // pg-pool: no connection within connectionTimeoutMillis
  /is not queryable/, // a client whose connection already failed or closed
];

export function isDatabaseUnreachable(error: unknown): boolean {
  return causes(error).some((e) => {
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
    ) {
      return true;
    }
    const message = (e as { message?: unknown }).message;
    return typeof message === 'string' && DRIVER_MESSAGES.some((pattern) => pattern.test(message));
  });
}

/** The error and what it wraps: TypeORM's driverError, an Error's cause, an AggregateError's errors. */
function causes(error: unknown): object[] {
  const found: object[] = [];
  const pending: unknown[] = [error];
  while (pending.length > 0 && found.length < 20) {
    const e = pending.shift();
    if (typeof e !== 'object' || e === null || found.includes(e)) {
      continue;
    }
    found.push(e);
    const { driverError, cause, errors } = e as { driverError?: unknown; cause?: unknown; errors?: unknown };
    pending.push(driverError, cause, ...(Array.isArray(errors) ? (errors as unknown[]) : []));
  }
  return found;
}
