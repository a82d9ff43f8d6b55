import { outletsOf, withOutlet, type StepType } from './journey-graph';
import type { JourneyDefinition, JourneyStep } from './use-journeys';

/** The editor's changes to a definition: pure functions, each returning a new definition. */

export const EMPTY_DEFINITION: JourneyDefinition = {
  name: '',
  entry: { event: 'checkout.started' },
  steps: [],
};

function newStep(type: StepType, id: string, template: string | undefined): JourneyStep {
  switch (type) {
    case 'wait':
      return { id, type, duration: 'PT1H' };
    case 'waitForEvent':
      return { id, type, event: 'order.placed', timeout: 'P1D' };
    case 'branch':
      return { id, type, branches: [{ when: { field: 'stats.ordersCount', op: 'gt', value: 0 } }] };
    case 'split':
      return { id, type, paths: [{ weight: 1 }, { weight: 1 }] };
    case 'send':
      return { id, type, template: template ?? '', category: 'marketing' };
    case 'updateProfile':
      return { id, type, attribute: 'lastJourney', value: '' };
    case 'webhook':
      return { id, type, url: 'https://example.com/hook' };
    case 'exit':
      return { id, type };
  }
}

/**
 * Adds a step of `type` with a fresh id; when `after` names a step with a free way out, the
 * new step is linked there (building a chain is then one click per step).
 */
export function addStep(
  definition: JourneyDefinition,
  type: StepType,
  after: string | undefined,
  template: string | undefined,
): { definition: JourneyDefinition; id: string } {
  const taken = new Set(definition.steps.map((s) => s.id));
  let n = 1;
  while (taken.has(`${type}-${n}`)) {
    n++;
  }
  const id = `${type}-${n}`;
  const steps = definition.steps.map((s) => {
    if (s.id !== after) {
      return s;
    }
    const free = outletsOf(s).find((o) => o.target === undefined || !taken.has(o.target));
    return free ? withOutlet(s, free.handle, id) : s;
  });
  return { definition: { ...definition, steps: [...steps, newStep(type, id, template)] }, id };
}

/** Every way out of every step that pointed at `from` points at `to` instead (undefined: nowhere). */
function retarget(steps: JourneyStep[], from: string, to: string | undefined): JourneyStep[] {
  return steps.map((s) =>
    outletsOf(s).reduce((step, o) => (o.target === from ? withOutlet(step, o.handle, to) : step), s),
  );
}

export function renameStep(definition: JourneyDefinition, from: string, to: string): JourneyDefinition {
  const steps = retarget(definition.steps, from, to).map((s) => (s.id === from ? { ...s, id: to } : s));
  return { ...definition, steps };
}

export function deleteStep(definition: JourneyDefinition, id: string): JourneyDefinition {
  return {
    ...definition,
    steps: retarget(
      definition.steps.filter((s) => s.id !== id),
      id,
      undefined,
    ),
  };
}

export function connect(
  definition: JourneyDefinition,
  source: string,
  handle: string,
  target: string | undefined,
): JourneyDefinition {
  return { ...definition, steps: definition.steps.map((s) => (s.id === source ? withOutlet(s, handle, target) : s)) };
}

export function replaceStep(definition: JourneyDefinition, step: JourneyStep, index: number): JourneyDefinition {
  return { ...definition, steps: definition.steps.map((s, i) => (i === index ? step : s)) };
}

/** The first step is where customers start: move `id` to the front. */
export function makeFirst(definition: JourneyDefinition, id: string): JourneyDefinition {
  const step = definition.steps.find((s) => s.id === id);
  return step ? { ...definition, steps: [step, ...definition.steps.filter((s) => s !== step)] } : definition;
}

const STEP_TYPES = new Set(['wait', 'waitForEvent', 'branch', 'split', 'send', 'updateProfile', 'webhook', 'exit']);

/**
 * YAML typed by hand, if the canvas can draw it: an object with a list of steps, each with an
 * id and a known type, and the lists a type needs. Anything else the compiler explains.
 */
export function drawable(value: unknown): value is JourneyDefinition {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const { steps, entry } = value as { steps?: unknown; entry?: unknown };
  return (
    typeof entry === 'object' &&
    entry !== null &&
    Array.isArray(steps) &&
    steps.every((s: unknown) => {
      if (typeof s !== 'object' || s === null) {
        return false;
      }
      const step = s as { id?: unknown; type?: unknown; branches?: unknown; paths?: unknown };
      return (
        typeof step.id === 'string' &&
        typeof step.type === 'string' &&
        STEP_TYPES.has(step.type) &&
        (step.type !== 'branch' || Array.isArray(step.branches)) &&
        (step.type !== 'split' || Array.isArray(step.paths))
      );
    })
  );
}

export interface Issue {
  path: string;
  message: string;
}

/** The compiler's problems by the step they name (`steps[3].duration` -> the 4th step's id); the rest apart. */
export function issuesByStep(
  definition: JourneyDefinition,
  issues: Issue[],
): { byStep: Map<string, string[]>; general: Issue[] } {
  const byStep = new Map<string, string[]>();
  const general: Issue[] = [];
  for (const issue of issues) {
    const match = /^steps\[(\d+)\]/.exec(issue.path);
    const step = match ? definition.steps[Number(match[1])] : undefined;
    if (step) {
      const field = issue.path.slice(match![0].length).replace(/^\./, '');
      byStep.set(step.id, [...(byStep.get(step.id) ?? []), field ? `${field}: ${issue.message}` : issue.message]);
    } else {
      general.push(issue);
    }
  }
  return { byStep, general };
}
