import { formatPath, type ValidationIssue } from './validation.util';

/**
 * The checks every piece of untrusted data passes before any schema or domain code sees it
 * (request bodies, query strings, path parameters, YAML bodies once parsed):
 *
 * - nesting depth: recursive code (zod's lazy schemas, canonical JSON, PostgreSQL's jsonb input)
 *   overflows its stack on thousands of levels; nothing Kizuna accepts needs more than a few;
 * - text PostgreSQL refuses: NUL (`\u0000`) in text and jsonb, lone UTF-16 surrogates in jsonb;
 * - keys that reach Object.prototype through plain-object lookups (`__proto__`, `constructor`,
 *   `prototype`);
 * - numbers JSON.parse turned into Infinity (`1e400`), which JSON.stringify would store as null.
 *
 * The walk is iterative, so the check itself cannot overflow whatever the depth.
 */

/** Deepest nesting accepted (an object or array counts one level). */
export const MAX_JSON_DEPTH = 32;

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** At most this many problems are listed; one is enough to refuse. */
const MAX_ISSUES = 20;

/** A NUL, or a UTF-16 surrogate without its other half. */
// eslint-disable-next-line no-control-regex
const INVALID_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// eslint-disable-next-line no-control-regex
const INVALID_TEXT_ALL = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** What is wrong with a string, or undefined. */
function textProblem(text: string): string | undefined {
  const found = INVALID_TEXT.exec(text);
  if (!found) {
    return undefined;
  }
  return found[0] === '\u0000'
    ? 'contains a NUL character (\\u0000), which cannot be stored'
    : 'contains a lone UTF-16 surrogate (invalid Unicode), which cannot be stored';
}

export interface UntrustedValueOptions {
  /** Where `value` sits, for the issue paths: '' for a body, `query`, `path.customerId`. */
  root?: string;
  /** Skip the NUL / lone-surrogate check (the caller replaces them, see replaceInvalidText). */
  allowInvalidText?: boolean;
}

/** A container on the walk's stack; paths are built from the parent chain only for issues. */
interface Frame {
  value: object;
  key: PropertyKey | undefined;
  parent: Frame | undefined;
  depth: number;
}

function pathOf(frame: Frame | undefined, last?: PropertyKey): PropertyKey[] {
  const parts: PropertyKey[] = last === undefined ? [] : [last];
  for (let f = frame; f !== undefined && f.key !== undefined; f = f.parent) {
    parts.push(f.key);
  }
  return parts.reverse();
}

/** Every problem found in `value` (at most MAX_ISSUES), each with the path of the field. */
export function findUntrustedValueIssues(value: unknown, options: UntrustedValueOptions = {}): ValidationIssue[] {
  const root = options.root ?? '';
  const issues: ValidationIssue[] = [];
  const add = (path: PropertyKey[], message: string): void => {
    issues.push({ path: formatPath(path, root), message });
  };
  /** A scalar's problem, or a container to walk. */
  const visit = (
    node: unknown,
    parent: Frame | undefined,
    key: PropertyKey | undefined,
    depth: number,
  ): Frame | undefined => {
    if (typeof node === 'string') {
      const problem = options.allowInvalidText ? undefined : textProblem(node);
      if (problem) {
        add(pathOf(parent, key), problem);
      }
    } else if (typeof node === 'number') {
      if (!Number.isFinite(node)) {
        add(pathOf(parent, key), 'is a number too large to represent');
      }
    } else if (node !== null && typeof node === 'object') {
      if (depth > MAX_JSON_DEPTH) {
        add(pathOf(parent, key), `is nested deeper than ${MAX_JSON_DEPTH} levels`);
      } else {
        return { value: node, key, parent, depth };
      }
    }
    return undefined;
  };
  const stack: Frame[] = [];
  const first = visit(value, undefined, undefined, 1);
  if (first) {
    stack.push(first);
  }
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const frame = stack.pop()!;
    const node = frame.value;
    const containers: Frame[] = [];
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child = visit(node[i], frame, i, frame.depth + 1);
        if (child) {
          containers.push(child);
        }
      }
    } else {
      for (const key of Object.keys(node)) {
        if (PROTOTYPE_KEYS.has(key)) {
          add(pathOf(frame, key), `"${key}" is not allowed as a field name`);
          continue;
        }
        const problem = options.allowInvalidText ? undefined : textProblem(key);
        if (problem) {
          add(pathOf(frame), `a field name ${problem}`);
          continue;
        }
        const child = visit((node as Record<string, unknown>)[key], frame, key, frame.depth + 1);
        if (child) {
          containers.push(child);
        }
      }
    }
    // Reversed onto the stack so nested issues come out in document order (a loop: spreading a
    // million-element list would exceed the argument limit).
    for (let i = containers.length - 1; i >= 0; i--) {
      stack.push(containers[i]!);
    }
  }
  return issues.slice(0, MAX_ISSUES);
}

/**
 * A copy of `value` with every NUL and lone surrogate, in values and keys, replaced by U+FFFD
 * (the Unicode replacement character): what a decoder does with bytes it cannot read. Used where
 * the sender cannot fix or resend the data (Segment SDKs, Shopify), see docs/decisions/0015.
 * Expects a value that passed findUntrustedValueIssues (bounded depth), so recursion is safe.
 */
export function replaceInvalidText(value: unknown): unknown {
  if (typeof value === 'string') {
    return INVALID_TEXT.test(value) ? value.replace(INVALID_TEXT_ALL, '\ufffd') : value;
  }
  if (Array.isArray(value)) {
    return value.map(replaceInvalidText);
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      // defineProperty: a key is data, never a prototype setter.
      Object.defineProperty(out, replaceInvalidText(key) as string, {
        value: replaceInvalidText((value as Record<string, unknown>)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
