import { formatPath, type ValidationIssue } from '@kizuna/common';
import type { TemplateCatalog } from '@kizuna/messaging';
import { DateTime, IANAZone } from 'luxon';
import { initialTransition, setup, type AnyStateMachine } from 'xstate';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  journeyConditionSchema,
  matchesRule,
  UNKNOWN_CUSTOMER,
  valueAt,
  type CustomerFacts,
  type Rule,
} from '@kizuna/rules';
import { matchesEvent, stableFraction } from './condition.util';
import {
  journeyDefinitionSchema,
  parseIsoDuration,
  type EventMatch,
  type ExitRule,
  type JourneyDefinition,
  type Step,
  type Weekday,
} from './journey-definition.schema';
import { JourneysErrorCode, JourneysException } from './journeys.exception';
import type { JourneyContext, JourneyEvent, JourneyInput } from './journey-machine.types';

/**
 * Definition -> XState v5 machine. Every step is a state named by its id; sends, webhooks and
 * profile updates are named actions with params; waits are named delays; conditions are named
 * guards. XState itself never checks these names (an unknown action is skipped, an unknown delay
 * never fires), so after building the config the compiler walks it and checks every name and
 * every params object against the registry below, then dry-runs initialTransition.
 */

export const MACHINE_ID = 'journey';
export const COMPLETED_STATE = '__completed';
export const EXITED_STATE = '__exited';

export interface CompiledJourney {
  definition: JourneyDefinition;
  machine: AnyStateMachine;
  /**
   * Whether an instance resting in this step reacts to a customer event at all: an exit rule
   * names it, or the step waits for it. Resting steps have no eventless transitions, so for any
   * other event XState would change nothing; the engine skips restoring the machine for it.
   */
  listensTo(step: string | undefined, event: string): boolean;
}

export interface CompileOptions {
  /** When given, every send step's template must exist in it. */
  templates?: TemplateCatalog;
  /** Hosts webhook steps may call; a webhook to any other host is refused. */
  webhookHosts: string[];
}

const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const eventMatchParams = z.object({ match: z.custom<EventMatch>((v) => typeof v === 'object' && v !== null) });

/** Every action, guard and delay the machines may name, with the params each one takes. */
const ACTION_PARAMS = {
  enterStep: z.strictObject({ stepId: z.string() }),
  send: z.strictObject({
    stepId: z.string(),
    channel: z.literal('email'),
    template: z.string().min(1),
    category: z.enum(['marketing', 'transactional']),
    whenCapped: z.enum(['defer', 'skip']),
    priority: z.number().int(),
  }),
  webhook: z.strictObject({ stepId: z.string(), url: z.url() }),
  updateProfile: z.strictObject({
    stepId: z.string(),
    attribute: z.string().min(1),
    value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  }),
  exit: z.strictObject({ reason: z.string().min(1) }),
} as const;

const GUARD_PARAMS = {
  eventMatches: eventMatchParams,
  condition: z.strictObject({ condition: journeyConditionSchema }),
  splitBucket: z.strictObject({ stepId: z.string(), from: z.number().min(0), to: z.number().max(1) }),
} as const;

type ActionName = keyof typeof ACTION_PARAMS;
type GuardName = keyof typeof GUARD_PARAMS;

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

/** Validates and compiles; throws JourneysException(InvalidDefinition) listing every problem. */
export async function compileJourney(input: unknown, options: CompileOptions): Promise<CompiledJourney> {
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
  return buildMachine(definition);
}

/** Compiles a definition that was validated when it was saved (e.g. a stored version). */
export function compileValidated(definition: JourneyDefinition): CompiledJourney {
  return buildMachine(journeyDefinitionSchema.parse(definition));
}

function invalid(issues: ValidationIssue[]): JourneysException {
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
    if (step.type === 'webhook') {
      const host = new URL(step.url).hostname.toLowerCase();
      if (!options.webhookHosts.map((h) => h.toLowerCase()).includes(host)) {
        issues.push({ path: `steps[${i}].url`, message: `host "${host}" is not on the webhook allow-list` });
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

function timeOf(event: JourneyEvent | { type: 'xstate.init'; input: JourneyInput }): number {
  return 'input' in event ? event.input.at : event.at;
}

function factsOf(event: JourneyEvent | { type: 'xstate.init'; input: JourneyInput }): CustomerFacts {
  return 'input' in event ? event.input.facts : event.facts;
}

function delayName(stepId: string): string {
  return `step_${stepId}`;
}

/** Milliseconds from `now` until a wait step ends. */
export function waitDelay(
  step: Extract<Step, { type: 'wait' }>,
  definition: JourneyDefinition,
  context: JourneyContext,
  facts: CustomerFacts,
  now: number,
): number {
  const zone = facts.timezone && IANAZone.isValidZone(facts.timezone) ? facts.timezone : definition.timeZone;
  if (step.duration !== undefined) {
    return parseIsoDuration(step.duration)!;
  }
  if (step.until !== undefined) {
    return nextTimeOfDay(now, zone, step.until.time, step.until.weekdays) - now;
  }
  const spec = step.untilDate!;
  const raw =
    spec.property !== undefined
      ? valueAt(context.trigger.properties, spec.property)
      : valueAt(facts.attributes, spec.attribute!);
  // A missing or unreadable date ends the wait at once; branch on `exists` first to avoid it.
  const base = typeof raw === 'string' ? DateTime.fromISO(raw, { zone }) : undefined;
  if (!base?.isValid) {
    return 0;
  }
  return Math.max(0, base.toMillis() + parseIsoDuration(spec.offset)! - now);
}

function nextTimeOfDay(now: number, zone: string, time: string, weekdays: Weekday[] | undefined): number {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  for (let day = 0; day <= 7; day++) {
    const candidate = today.plus({ days: day }).set({ hour, minute });
    if (candidate.toMillis() > now && (!weekdays || weekdays.includes(WEEKDAYS[candidate.weekday - 1]!))) {
      return candidate.toMillis();
    }
  }
  throw new Error('unreachable: some weekday is within a week');
}

type Transition = { target: string; guard?: { type: GuardName; params: object }; actions?: object[] };
type StateNode = {
  type?: 'final';
  entry?: object[];
  on?: Record<string, Transition[]>;
  after?: Record<string, Transition>;
  always?: Transition[];
};

function exitReason(rule: ExitRule): string {
  return 'leftSegment' in rule ? `left-segment:${rule.leftSegment}` : `event:${rule.event}`;
}

function exitRuleMatch(rule: ExitRule): EventMatch {
  return 'leftSegment' in rule
    ? { event: 'segment.exited', where: { field: 'event.segment', op: 'eq', value: rule.leftSegment } }
    : rule;
}

function buildMachine(definition: JourneyDefinition): CompiledJourney {
  const states: Record<string, StateNode> = {};
  const to = (next: string | undefined): string => next ?? COMPLETED_STATE;
  for (const step of definition.steps) {
    const entry: object[] = [{ type: 'enterStep', params: { stepId: step.id } }];
    const node: StateNode = { entry };
    switch (step.type) {
      case 'wait':
        node.after = { [delayName(step.id)]: { target: to(step.next) } };
        break;
      case 'waitForEvent':
        node.on = {
          [step.event]: [
            {
              target: to(step.onEvent),
              guard: {
                type: 'eventMatches',
                params: { match: { event: step.event, where: step.where, sameKey: step.sameKey } },
              },
            },
          ],
        };
        node.after = { [delayName(step.id)]: { target: to(step.onTimeout) } };
        break;
      case 'branch':
        node.always = [
          ...step.branches.map((b) => ({
            target: to(b.next),
            guard: { type: 'condition' as const, params: { condition: b.when } },
          })),
          { target: to(step.otherwise) },
        ];
        break;
      case 'split': {
        const total = step.paths.reduce((sum, p) => sum + p.weight, 0);
        let from = 0;
        node.always = step.paths.map((p, i) => {
          const upto = i === step.paths.length - 1 ? 1 : from + p.weight / total;
          const transition = {
            target: to(p.next),
            guard: { type: 'splitBucket' as const, params: { stepId: step.id, from, to: upto } },
          };
          from = upto;
          return transition;
        });
        // Rounding can leave the last bucket a hair short of 1: take whatever is left.
        node.always.push({ target: to(step.paths[step.paths.length - 1]!.next) });
        break;
      }
      case 'send':
        entry.push({
          type: 'send',
          params: {
            stepId: step.id,
            channel: step.channel,
            template: step.template,
            category: step.category,
            whenCapped: step.whenCapped,
            priority: definition.priority,
          },
        });
        node.always = [{ target: to(step.next) }];
        break;
      case 'updateProfile':
        entry.push({
          type: 'updateProfile',
          params: { stepId: step.id, attribute: step.attribute, value: step.value },
        });
        node.always = [{ target: to(step.next) }];
        break;
      case 'webhook':
        entry.push({ type: 'webhook', params: { stepId: step.id, url: step.url } });
        node.always = [{ target: to(step.next) }];
        break;
      case 'exit':
        entry.push({ type: 'exit', params: { reason: `step:${step.id}` } });
        node.type = 'final';
        break;
    }
    states[step.id] = node;
  }
  states[COMPLETED_STATE] = { type: 'final', entry: [{ type: 'exit', params: { reason: 'completed' } }] };
  states[EXITED_STATE] = { type: 'final' };

  // A Map while collecting: event names are marketers' strings (`constructor`, `__proto__`).
  const exitTransitions = new Map<string, Transition[]>();
  for (const rule of definition.exit) {
    const match = exitRuleMatch(rule);
    const list = exitTransitions.get(match.event) ?? [];
    list.push({
      target: `.${EXITED_STATE}`,
      guard: { type: 'eventMatches', params: { match } },
      actions: [{ type: 'exit', params: { reason: exitReason(rule) } }],
    });
    exitTransitions.set(match.event, list);
  }
  const rootOn: Record<string, Transition[]> = Object.fromEntries(exitTransitions);

  const config = { id: MACHINE_ID, initial: definition.steps[0]!.id, states, on: rootOn };
  checkNames(config, definition);

  const waits = new Map(definition.steps.flatMap((s) => (s.type === 'wait' ? [[s.id, s] as const] : [])));
  const delays: Record<string, (args: { context: JourneyContext; event: JourneyEvent }) => number> = {};
  for (const step of definition.steps) {
    if (step.type === 'wait') {
      delays[delayName(step.id)] = ({ context, event }) =>
        waitDelay(waits.get(step.id)!, definition, context, factsOf(event), timeOf(event));
    } else if (step.type === 'waitForEvent') {
      const ms = parseIsoDuration(step.timeout)!;
      delays[delayName(step.id)] = () => ms;
    }
  }

  const noop = (): void => undefined;
  const machineSetup = setup({
    types: { context: {} as JourneyContext, events: {} as JourneyEvent, input: {} as JourneyInput },
    actions: { enterStep: noop, send: noop, webhook: noop, updateProfile: noop, exit: noop },
    guards: {
      eventMatches: ({ context, event }, params: { match: EventMatch }) =>
        matchesEvent(
          params.match,
          { name: event.type, properties: event.properties },
          context.key,
          event.facts,
          event.at,
        ),
      condition: ({ context, event }, params: { condition: Rule }) =>
        matchesRule(params.condition, {
          customer: factsOf(event),
          event: context.trigger.properties,
          now: timeOf(event),
        }),
      splitBucket: ({ context }, params: { stepId: string; from: number; to: number }) => {
        const x = stableFraction(context.customerUuid, context.journeyId, params.stepId);
        return x >= params.from && x < params.to;
      },
    },
    delays,
  });
  const machine = machineSetup.createMachine({
    ...(config as object),
    // XState's pure transition functions build a throwaway actor first, which computes an
    // initial snapshot without input; answering it with an empty context spares a thrown
    // TypeError (and its stack trace) on every transition.
    context: ({ input }: { input: JourneyInput | undefined }) =>
      input === undefined
        ? ({} as JourneyContext)
        : {
            journeyId: input.journeyId,
            customerUuid: input.customerUuid,
            key: input.key,
            trigger: input.trigger,
            enteredAt: input.at,
          },
  });

  const exitEvents = new Set(Object.keys(rootOn));
  const awaited = new Map(definition.steps.flatMap((s) => (s.type === 'waitForEvent' ? [[s.id, s.event]] : [])));
  const compiled: CompiledJourney = {
    definition,
    machine: machine as AnyStateMachine,
    listensTo: (step, event) => step === undefined || exitEvents.has(event) || awaited.get(step) === event,
  };
  dryRun(compiled);
  return compiled;
}

/** Every action, guard and delay named in the config must exist, with valid params. */
function checkNames(
  config: { states: Record<string, StateNode>; on: Record<string, Transition[]> },
  definition: JourneyDefinition,
): void {
  const problems: string[] = [];
  const delayNames = new Set(
    definition.steps.filter((s) => s.type === 'wait' || s.type === 'waitForEvent').map((s) => delayName(s.id)),
  );
  const checkAction = (where: string, action: object): void => {
    const { type, params } = action as { type: string; params?: unknown };
    const schema = ACTION_PARAMS[type as ActionName] as z.ZodType | undefined;
    if (!schema) {
      problems.push(`${where}: unknown action "${type}"`);
    } else if (!schema.safeParse(params).success) {
      problems.push(`${where}: bad params for action "${type}"`);
    }
  };
  const checkTransition = (where: string, t: Transition): void => {
    if (t.guard) {
      const schema = GUARD_PARAMS[t.guard.type] as z.ZodType | undefined;
      if (!schema) {
        problems.push(`${where}: unknown guard "${t.guard.type}"`);
      } else if (!schema.safeParse(t.guard.params).success) {
        problems.push(`${where}: bad params for guard "${t.guard.type}"`);
      }
    }
    t.actions?.forEach((a) => checkAction(where, a));
  };
  for (const [id, node] of Object.entries(config.states)) {
    node.entry?.forEach((a) => checkAction(id, a));
    Object.values(node.on ?? {}).forEach((ts) => ts.forEach((t) => checkTransition(id, t)));
    node.always?.forEach((t) => checkTransition(id, t));
    for (const [name, t] of Object.entries(node.after ?? {})) {
      if (!delayNames.has(name)) {
        problems.push(`${id}: unknown delay "${name}"`);
      }
      checkTransition(id, t);
    }
  }
  Object.values(config.on).forEach((ts) => ts.forEach((t) => checkTransition('exit rules', t)));
  if (problems.length > 0) {
    // The config is generated from a validated definition: a problem here is a compiler bug.
    throw new Error(`journey compiler produced an invalid machine: ${problems.join('; ')}`);
  }
}

function dryRun(compiled: CompiledJourney): void {
  try {
    initialTransition(compiled.machine, {
      journeyId: '00000000-0000-0000-0000-000000000000',
      customerUuid: '00000000-0000-0000-0000-000000000000',
      key: null,
      trigger: { name: 'dry-run', properties: {} },
      at: Date.UTC(2026, 0, 1),
      facts: UNKNOWN_CUSTOMER,
    } satisfies JourneyInput);
  } catch (error) {
    throw invalid([{ path: 'steps[0]', message: `the journey cannot start: ${(error as Error).message}` }]);
  }
}

/** The steps an instance can rest in (and so the only ones a migration map may name). */
export function restingSteps(definition: JourneyDefinition): string[] {
  return definition.steps.filter((s) => s.type === 'wait' || s.type === 'waitForEvent').map((s) => s.id);
}

/**
 * The timer a resting step sets when an instance is placed in it directly (a version
 * migration), computed as on a normal entry; XState names it `xstate.after.<delay>.<state id>`.
 */
export function timerOnEntry(
  compiled: CompiledJourney,
  stepId: string,
  context: JourneyContext,
  facts: CustomerFacts,
  now: number,
): { timerId: string; event: string; dueAt: number } {
  const step = compiled.definition.steps.find((s) => s.id === stepId);
  let delay: number;
  if (step?.type === 'wait') {
    delay = waitDelay(step, compiled.definition, context, facts, now);
  } else if (step?.type === 'waitForEvent') {
    delay = parseIsoDuration(step.timeout)!;
  } else {
    throw new Error(`step "${stepId}" is not a step an instance can rest in`);
  }
  const timerId = `xstate.after.${delayName(stepId)}.${MACHINE_ID}.${stepId}`;
  return { timerId, event: timerId, dueAt: now + delay };
}

/** Every condition a definition holds: entry filter, exits, goal, waits for events, branches. */
export function conditionsOf(definition: JourneyDefinition): Rule[] {
  const conditions: Array<Rule | undefined> = [];
  if ('event' in definition.entry) {
    conditions.push(definition.entry.where);
  }
  for (const rule of definition.exit) {
    conditions.push('where' in rule ? rule.where : undefined);
  }
  conditions.push(definition.goal?.where);
  for (const step of definition.steps) {
    if (step.type === 'waitForEvent') {
      conditions.push(step.where);
    } else if (step.type === 'branch') {
      conditions.push(...step.branches.map((b) => b.when));
    }
  }
  return conditions.filter((c): c is Rule => c !== undefined);
}
