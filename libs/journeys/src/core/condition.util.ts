import { createHash } from 'node:crypto';
import { matchesRule, valueAt, type CustomerFacts } from '@kizuna/rules';
import type { EventMatch } from './journey-definition.schema';

/**
 * Does an event match: its name, its `where` condition (the one rules core, docs/conditions.md)
 * and, when asked, the instance key.
 */
export function matchesEvent(
  match: EventMatch,
  event: { name: string; properties: Record<string, unknown> },
  instanceKey: string | null,
  facts: CustomerFacts,
  now: number,
): boolean {
  if (event.name !== match.event) {
    return false;
  }
  if (match.sameKey !== undefined) {
    const value = valueAt(event.properties, match.sameKey);
    if (
      instanceKey === null ||
      (typeof value !== 'string' && typeof value !== 'number') ||
      String(value) !== instanceKey
    ) {
      return false;
    }
  }
  return match.where === undefined || matchesRule(match.where, { customer: facts, event: event.properties, now });
}

/** A number in [0, 1) fixed by its inputs: the same customer, journey and step always agree. */
export function stableFraction(...parts: string[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0) / 0x1_0000_0000;
}
