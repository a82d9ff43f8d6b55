/**
 * Dotted paths into plain data (`items.0.id`), reading own properties only: a path segment such
 * as `constructor` or `__proto__` finds nothing rather than something inherited from
 * Object.prototype.
 */
export function valueAt(data: unknown, path: string): unknown {
  let current: unknown = data;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Path segments a rule may not name: they mean nothing in shop data and invite prototype tricks. */
export const RESERVED_PATH_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
