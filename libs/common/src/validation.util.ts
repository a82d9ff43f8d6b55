import type { z } from 'zod';
import { RequestErrorCode, RequestException } from './request.exception';

export interface ValidationIssue {
  /** Where the problem is, e.g. `events[3].timestamp`. */
  path: string;
  message: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>, root = ''): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${key}]`;
    } else {
      out += out === '' ? String(key) : `.${String(key)}`;
    }
  }
  return out === '' ? '(body)' : out;
}

export function toValidationIssues(error: z.ZodError, root = ''): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path, root), message: issue.message }));
}

/**
 * Parses untrusted input with a zod schema, or throws a 400-mapped RequestException whose message
 * names every problem (`events[2].timestamp: ...; events[5].name: ...`).
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) {
    return result.data;
  }
  throw invalidRequest(toValidationIssues(result.error, root));
}

/** The 400 for a list of problems: the message names the first ten, `details.issues` has all. */
export function invalidRequest(issues: ValidationIssue[]): RequestException {
  const shown = issues.slice(0, 10).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > 10 ? `; and ${issues.length - 10} more` : '';
  return new RequestException(RequestErrorCode.ValidationFailed, `Invalid request: ${shown.join('; ')}${more}`, {
    issues,
  });
}
