import { parse, stringify } from 'yaml';

/** A definition as the YAML a marketer reads and writes (the same text the API accepts). */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

/** A value written inline, e.g. `{ tier: gold }` or `[a, b]`. */
export function toFlowYaml(value: unknown): string {
  return value === undefined ? '' : stringify(value, { lineWidth: 0, collectionStyle: 'flow' }).trim();
}

/** YAML text as a value; `{ error }` with the parser's message when it is not readable. */
export function fromYaml(text: string): { value: unknown } | { error: string } {
  try {
    return { value: parse(text) as unknown };
  } catch (error) {
    return { error: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}
