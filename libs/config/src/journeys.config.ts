import { Duration } from 'luxon';
import type { Parsed } from './sending-policy.config';

/**
 * `JOURNEY_ENTRY_MAX_AGE`: an ISO-8601 duration (`PT24H`, `P2D`), like every duration in a
 * journey definition and in FREQUENCY_CAP_RULES, so operators write times one way.
 */
export function parseEntryMaxAge(text: string): Parsed<number> {
  const duration = Duration.fromISO(text.trim());
  const ms = duration.isValid ? duration.as('milliseconds') : NaN;
  if (!(ms > 0)) {
    return { ok: false, message: `"${text}" is not a positive ISO-8601 duration; write e.g. PT24H or P2D` };
  }
  return { ok: true, value: ms };
}
