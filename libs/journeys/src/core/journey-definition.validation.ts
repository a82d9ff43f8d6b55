import { checkHostAllowed, formatPath, type ValidationIssue } from '@kizuna/common';
import type { TemplateCatalog } from '@kizuna/messaging';
import { IANAZone } from 'luxon';
import { parse as parseYaml } from 'yaml';
import {
  journeyDefinitionSchema,
  splitPathNames,
  type JourneyDefinition,
  type Step,
} from './journey-definition.schema';
import { JourneysErrorCode, JourneysException } from './journeys.exception';

/**
 * Validation of a definition before it may be compiled and saved: the schema, then what a schema
 * cannot say (step ids unique and known, no loops, every step reachable, a known time zone,
 * webhook hosts on the allow-list), then, when a catalog is given, every template exists.
 * Every problem is listed at once, each with the field that has it.
 */

export interface CompileOptions {
  /** When given, every send step's template must exist in it. */
  templates?: TemplateCatalog;
  /** Hosts webhook steps may call; a webhook to any other host is refused. */
  webhookHosts: string[];
}

/** Parses a JSON or YAML document into an (unvalidated) definition. */
export function parseDefinitionText(text: string, format: 'json' | 'yaml'): unknown {
  try {
    return format === 'json' ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown);
  } catch (error) {
    throw new JourneysException(
      JourneysErrorCode.InvalidDefinition,
      `Invalid journey definition: not valid ${format.toUpperCase()}: ${(error as Error).message}`,
      { issues: [{ path: '(body)', message: (error as Error).message }] },
    );
  }
}

/** The validated definition; throws JourneysException(InvalidDefinition) listing every problem. */
export async function validateDefinition(input: unknown, options: CompileOptions): Promise<JourneyDefinition> {
  const parsed = journeyDefinitionSchema.safeParse(input);
  if (!parsed.success) {
    throw invalid(parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
  }
  const definition = parsed.data;
  const issues = checkStructure(definition, options);
  if (options.templates) {
    issues.push(...(await checkTemplates(definition, options.templates)));
  }
  if (issues.length > 0) {
    throw invalid(issues);
  }
  return definition;
}

export function invalid(issues: ValidationIssue[]): JourneysException {
  const shown = issues.slice(0, 10).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > 10 ? `; and ${issues.length - 10} more` : '';
  return new JourneysException(
    JourneysErrorCode.InvalidDefinition,
    `Invalid journey definition: ${shown.join('; ')}${more}`,
    { issues },
  );
}

/** Successors of a step, with the field that names each. */
function successors(step: Step): Array<{ field: string; next: string | undefined }> {
  switch (step.type) {
    case 'wait':
    case 'send':
    case 'updateProfile':
    case 'webhook':
      return [{ field: 'next', next: step.next }];
    case 'waitForEvent':
      return [
        { field: 'onEvent', next: step.onEvent },
        { field: 'onTimeout', next: step.onTimeout },
      ];
    case 'branch':
      return [
        ...step.branches.map((b, i) => ({ field: `branches[${i}].next`, next: b.next })),
        { field: 'otherwise', next: step.otherwise },
      ];
    case 'split':
      return step.paths.map((p, i) => ({ field: `paths[${i}].next`, next: p.next }));
    case 'exit':
      return [];
  }
}

function checkStructure(definition: JourneyDefinition, options: CompileOptions): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const index = new Map<string, number>();
  definition.steps.forEach((step, i) => {
    if (index.has(step.id)) {
      issues.push({ path: `steps[${i}].id`, message: `duplicate step id "${step.id}"` });
    } else {
      index.set(step.id, i);
    }
  });
  if (!IANAZone.isValidZone(definition.timeZone)) {
    issues.push({ path: 'timeZone', message: `unknown time zone "${definition.timeZone}"` });
  }
  definition.steps.forEach((step, i) => {
    for (const { field, next } of successors(step)) {
      if (next !== undefined && !index.has(next)) {
        issues.push({ path: `steps[${i}].${field}`, message: `no step with id "${next}"` });
      }
    }
    if (step.type === 'wait') {
      const kinds = [step.duration, step.until, step.untilDate].filter((k) => k !== undefined).length;
      if (kinds !== 1) {
        issues.push({ path: `steps[${i}]`, message: 'a wait takes exactly one of duration, until, untilDate' });
      }
    }
    if (step.type === 'split') {
      const names = splitPathNames(step);
      names.forEach((name, p) => {
        if (names.indexOf(name) !== p) {
          issues.push({ path: `steps[${i}].paths[${p}].name`, message: `duplicate path name "${name}"` });
        }
      });
    }
    if (step.type === 'webhook') {
      const { host, allowed } = checkHostAllowed(step.url, options.webhookHosts);
      if (!allowed) {
        issues.push({
          path: `steps[${i}].url`,
          message: `host "${host ?? step.url}" is not on the webhook allow-list`,
        });
      }
    }
  });
  if (issues.length > 0) {
    return issues;
  }
  // Journeys are acyclic: every step is entered at most once per entry, which is what makes
  // `<instance>:<step>:<entryCount>` a unique effect key.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    const i = index.get(id)!;
    for (const { field, next } of successors(definition.steps[i]!)) {
      if (next === undefined) {
        continue;
      }
      if (state.get(next) === 'visiting') {
        issues.push({
          path: `steps[${i}].${field}`,
          message: `"${next}" leads back into a loop; journeys may not loop`,
        });
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    state.set(id, 'done');
  };
  visit(definition.steps[0]!.id);
  definition.steps.forEach((step, i) => {
    if (!state.has(step.id)) {
      issues.push({ path: `steps[${i}]`, message: `step "${step.id}" cannot be reached from the first step` });
    }
  });
  return issues;
}

async function checkTemplates(definition: JourneyDefinition, templates: TemplateCatalog): Promise<ValidationIssue[]> {
  const keys = [...new Set(definition.steps.flatMap((s) => (s.type === 'send' ? [s.template] : [])))];
  if (keys.length === 0) {
    return [];
  }
  const missing = new Set(await templates.missing(keys));
  return definition.steps.flatMap((step, i) =>
    step.type === 'send' && missing.has(step.template)
      ? [{ path: `steps[${i}].template`, message: `no template "${step.template}"` }]
      : [],
  );
}
