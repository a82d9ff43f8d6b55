import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Duration } from 'luxon';
import { parse as parseYaml } from 'yaml';

/**
 * The reference content shipped under config/reference/: segments, templates (a layout, a
 * partial, emails in en and ja) and the three journeys, as data marketers can read and edit.
 * Loading is pure file reading; durations are production values, and `scaleDurations` is the
 * one documented way to shorten them (tests, the demo), so no code path fakes time.
 */

export interface ReferenceSegment {
  key: string;
  name: string;
  description?: string;
  rule: unknown;
}

export interface ReferenceTemplate {
  key: string;
  kind: 'email' | 'layout' | 'partial';
  description?: string;
  defaultLocale: string;
  layout?: string;
  variants: Record<string, { subject?: string; html: string; text?: string }>;
}

export interface ReferenceContent {
  segments: ReferenceSegment[];
  /** Layouts and partials first: emails name them. */
  templates: ReferenceTemplate[];
  /** Journey definitions as written (validated by the journeys compiler when installed). */
  journeys: Array<{ file: string; definition: Record<string, unknown> }>;
}

/** config/reference of this checkout, from the sources (libs/…) or the build (dist/libs/…). */
export function defaultReferenceDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'config', 'reference');
    if (existsSync(path.join(candidate, 'segments.yaml'))) {
      return candidate;
    }
    dir = path.dirname(dir);
  }
  throw new Error(`config/reference not found above ${__dirname}`);
}

const KIND_ORDER = { layout: 0, partial: 1, email: 2 } as const;

export function loadReferenceContent(dir = defaultReferenceDir()): ReferenceContent {
  const yamlFiles = (sub: string) =>
    readdirSync(path.join(dir, sub))
      .filter((f) => f.endsWith('.yaml'))
      .sort();
  const read = (file: string): unknown => parseYaml(readFileSync(path.join(dir, file), 'utf8'));
  const segments = read('segments.yaml') as ReferenceSegment[];
  const templates = yamlFiles('templates')
    .map((f) => read(path.join('templates', f)) as ReferenceTemplate)
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.key.localeCompare(b.key));
  const journeys = yamlFiles('journeys').map((f) => ({
    file: f,
    definition: read(path.join('journeys', f)) as Record<string, unknown>,
  }));
  return { segments, templates, journeys };
}

/** Keys whose ISO-8601 duration values are time spans to scale. */
const DURATION_KEYS = new Set(['duration', 'timeout', 'within', 'cooldown', 'fallback', 'atLeast']);

/** An ISO-8601 duration `scale` times as long, e.g. P1D * (1/86400) = PT1S; at least 1 ms. */
export function scaleDuration(iso: string, scale: number): string {
  const duration = Duration.fromISO(iso);
  if (!duration.isValid) {
    throw new Error(`invalid duration ${JSON.stringify(iso)}`);
  }
  const ms = Math.max(1, Math.round(duration.as('milliseconds') * scale));
  return `PT${ms / 1000}S`;
}

/**
 * A copy of a journey definition or segment rule with every duration multiplied by `scale`:
 * waits, timeouts, goal windows, cooldowns, and segment time windows (`within`/`notWithin`
 * values, buying-cycle fallbacks). Counts and everything else stay as they are.
 */
export function scaleDurations<T>(value: T, scale: number): T {
  if (scale === 1) {
    return value;
  }
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new Error(`durationScale must be a positive number, not ${scale}`);
  }
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      return node.map(walk);
    }
    if (typeof node !== 'object' || node === null) {
      return node;
    }
    const record = node as Record<string, unknown>;
    const timeWindow = record.op === 'within' || record.op === 'notWithin';
    return Object.fromEntries(
      Object.entries(record).map(([key, child]) => {
        const isDuration = DURATION_KEYS.has(key) || (key === 'value' && timeWindow);
        return [key, isDuration && typeof child === 'string' ? scaleDuration(child, scale) : walk(child)];
      }),
    );
  };
  return walk(value) as T;
}
