import { initialTransition, setup, type AnyStateMachine } from 'xstate';
import { matchesRule, UNKNOWN_CUSTOMER, type CustomerFacts } from '@kizuna/rules';
import { matchesEvent, stableFraction } from './condition.util';
import { invalid } from './journey-definition.validation';
import {
  parseIsoDuration,
  splitPathNames,
  type EventMatch,
  type ExitRule,
  type JourneyDefinition,
} from './journey-definition.schema';
import type { JourneyContext, JourneyEvent, JourneyInput } from './journey-machine.types';
import type { ZodType } from 'zod';
import {
  ACTION_PARAMS,
  GUARD_PARAMS,
  type GuardParams,
  type MachineAction,
  type MachineGuard,
} from './step-params.schema';
import { delayName, waitDelay } from './wait-time.util';

/**
 * A validated definition -> XState v5 machine. Every step is a state named by its id; sends,
 * webhooks and profile updates are named actions with params; waits are named delays; conditions
 * are named guards. XState itself never checks these names (an unknown action is skipped, an
 * unknown delay never fires), so after building the config the builder walks it and checks every
 * name and every params object against the registry (step-params.schema.ts), then dry-runs
 * initialTransition.
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

function timeOf(event: JourneyEvent | { type: 'xstate.init'; input: JourneyInput }): number {
  return 'input' in event ? event.input.at : event.at;
}

function factsOf(event: JourneyEvent | { type: 'xstate.init'; input: JourneyInput }): CustomerFacts {
  return 'input' in event ? event.input.facts : event.facts;
}

function winnersOf(
  event: JourneyEvent | { type: 'xstate.init'; input: JourneyInput },
): Readonly<Record<string, string>> | undefined {
  return 'input' in event ? event.input.winners : event.winners;
}

type Transition = { target: string; guard?: MachineGuard; actions?: MachineAction[] };
type StateNode = {
  type?: 'final';
  entry?: MachineAction[];
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

export function buildMachine(definition: JourneyDefinition): CompiledJourney {
  const states: Record<string, StateNode> = {};
  const to = (next: string | undefined): string => next ?? COMPLETED_STATE;
  for (const step of definition.steps) {
    const entry: MachineAction[] = [{ type: 'enterStep', params: { stepId: step.id } }];
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
        const names = splitPathNames(step);
        // Each path names itself as it is taken: the engine records it in the history (entries'
        // paths) and carries it to the messages after the split (docs/analytics.md, "Split path").
        const taken = (i: number): MachineAction[] => [
          { type: 'tookPath', params: { stepId: step.id, path: names[i]! } },
        ];
        let from = 0;
        node.always = step.paths.map((p, i) => {
          const upto = i === step.paths.length - 1 ? 1 : from + p.weight / total;
          const transition = {
            target: to(p.next),
            guard: {
              type: 'splitBucket' as const,
              params: { stepId: step.id, from, to: upto, path: names[i]!, paths: names, autoWinner: step.autoWinner },
            },
            actions: taken(i),
          };
          from = upto;
          return transition;
        });
        // Rounding can leave the last bucket a hair short of 1: take whatever is left.
        node.always.push({
          target: to(step.paths[step.paths.length - 1]!.next),
          actions: taken(step.paths.length - 1),
        });
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
    actions: { enterStep: noop, tookPath: noop, send: noop, webhook: noop, updateProfile: noop, exit: noop },
    guards: {
      eventMatches: ({ context, event }, params: GuardParams['eventMatches']) =>
        matchesEvent(
          params.match,
          { name: event.type, properties: event.properties },
          context.key,
          event.facts,
          event.at,
        ),
      condition: ({ context, event }, params: GuardParams['condition']) =>
        matchesRule(params.condition, {
          customer: factsOf(event),
          event: context.trigger.properties,
          now: timeOf(event),
        }),
      splitBucket: ({ context, event }, params: GuardParams['splitBucket']) => {
        const winners = params.autoWinner ? winnersOf(event) : undefined;
        // Step ids are marketers' strings (`constructor`): own keys only.
        const winner = winners && Object.hasOwn(winners, params.stepId) ? winners[params.stepId] : undefined;
        // A winner the split (of this version) has no path for is ignored: the weights decide.
        if (winner !== undefined && params.paths.includes(winner)) {
          return params.path === winner;
        }
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
  // The types already say it; the check catches what a cast or a stray field would slip past.
  const checkAction = (where: string, action: MachineAction): void => {
    const { type, params } = action;
    const schema = ACTION_PARAMS[type] as ZodType | undefined;
    if (!schema) {
      problems.push(`${where}: unknown action "${type}"`);
    } else if (!schema.safeParse(params).success) {
      problems.push(`${where}: bad params for action "${type}"`);
    }
  };
  const checkTransition = (where: string, t: Transition): void => {
    if (t.guard) {
      const schema = GUARD_PARAMS[t.guard.type] as ZodType | undefined;
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
