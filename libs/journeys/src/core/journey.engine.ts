import { createActor, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { CompiledJourney } from './journey.compiler';
import { splitPathKey } from './journey-definition.schema';
import type { JourneyContext, JourneyEffect, JourneyEvent, JourneyInput, TimerRequest } from './journey-machine.types';
import type { EffectAction, MachineAction } from './step-params.schema';

/**
 * The functional core: `(machine, snapshot, event, now) -> (snapshot', effects, timers)`, using
 * XState's pure initialTransition/transition, which return the actions instead of running them.
 * Nothing here touches a database or a clock; the worker and the simulator are shells around it.
 */

/** A snapshot as stored: plain JSON, restored with machine.resolveState. */
export type PersistedSnapshot = Record<string, unknown>;

export interface EngineStep {
  snapshot: PersistedSnapshot;
  /** The step the instance rests in; undefined once it has finished. */
  currentStep: string | undefined;
  done: boolean;
  /** Steps entered by this transition, in order. */
  stepsEntered: string[];
  effects: JourneyEffect[];
  timersToSet: TimerRequest[];
  /** Ids of timers to delete. */
  timersToCancel: string[];
  /** Why the instance finished, when it did. */
  exitReason: string | undefined;
  /** The paths (names) splits sent the instance down, in order: the history's `split` rows. */
  splits: Array<{ stepId: string; path: string }>;
}

interface ActionObject {
  type: string;
  params?: Record<string, unknown>;
}

/** What XState itself adds to a transition's actions: delayed events and their cancellation. */
type XStateAction = { type: 'xstate.raise' | 'xstate.cancel'; params: Record<string, unknown> };

/** An effect action's params, tagged with its name: the types are the compiler's (step-params.schema.ts). */
function effectOf(action: Extract<MachineAction, { type: EffectAction }>): JourneyEffect {
  switch (action.type) {
    case 'send':
      return { kind: 'send', ...action.params };
    case 'webhook':
      return { kind: 'webhook', ...action.params };
    case 'updateProfile':
      return { kind: 'updateProfile', ...action.params };
  }
}

export function startInstance(compiled: CompiledJourney, input: JourneyInput): EngineStep {
  const [snapshot, actions] = inert(compiled.machine, (scope) => compiled.machine.getInitialSnapshot(scope, input));
  return interpret(compiled, snapshot, actions, input.at, undefined);
}

export function advanceInstance(
  compiled: CompiledJourney,
  persisted: PersistedSnapshot,
  event: JourneyEvent,
): EngineStep {
  const restored = compiled.machine.resolveState(persisted as Parameters<typeof compiled.machine.resolveState>[0]);
  const [snapshot, actions] = inert(compiled.machine, (scope) => compiled.machine.transition(restored, event, scope));
  return interpret(compiled, snapshot, actions, event.at, (restored.context as Partial<JourneyContext>).splitPath);
}

type MachineScope = Parameters<AnyStateMachine['transition']>[2];

interface InertScope {
  scope: MachineScope;
  /** The actions of the call in progress. */
  actions: ActionObject[];
}

const inertScopes = new WeakMap<AnyStateMachine, InertScope>();

/**
 * What XState's `initialTransition` / `transition` do, minus their cost: those build a new actor
 * per call, which computes a throwaway initial snapshot (most of the time of an entry). Journey
 * machines spawn no children and their actions only describe effects, so one inert scope per
 * machine, collecting the actions of the call in progress, serves every (synchronous) call.
 */
function inert(
  machine: AnyStateMachine,
  step: (scope: MachineScope) => AnyMachineSnapshot,
): [AnyMachineSnapshot, ActionObject[]] {
  let inert = inertScopes.get(machine);
  if (!inert) {
    const self = createActor(machine);
    const created: InertScope = {
      actions: [],
      scope: {
        self,
        id: '',
        sessionId: '',
        system: self.system,
        defer: () => undefined,
        logger: () => undefined,
        stopChild: () => undefined,
        emit: () => undefined,
        actionExecutor: (action: ActionObject) => created.actions.push(action),
      } as unknown as MachineScope,
    };
    inert = created;
    inertScopes.set(machine, inert);
  }
  inert.actions = [];
  const snapshot = step(inert.scope);
  return [snapshot, inert.actions];
}

/**
 * `splitPath` is the path the instance took at the last split before this transition
 * (`splitPathKey`: `<split>:<name>`); splits
 * passed now replace it in order, so each effect records the last one before its step, and the
 * last one is kept in the persisted context for the transitions to come.
 */
function interpret(
  compiled: CompiledJourney,
  snapshot: AnyMachineSnapshot,
  actions: ActionObject[],
  now: number,
  splitPath: string | undefined,
): EngineStep {
  const step: EngineStep = {
    snapshot: compiled.machine.getPersistedSnapshot(snapshot),
    currentStep: snapshot.status === 'done' ? undefined : String(snapshot.value as string),
    done: snapshot.status === 'done',
    stepsEntered: [],
    effects: [],
    timersToSet: [],
    timersToCancel: [],
    exitReason: undefined,
    splits: [],
  };
  for (const action of actions as Array<MachineAction | XStateAction>) {
    switch (action.type) {
      case 'enterStep':
        step.stepsEntered.push(action.params.stepId);
        break;
      case 'tookPath':
        step.splits.push({ stepId: action.params.stepId, path: action.params.path });
        splitPath = splitPathKey(action.params.stepId, action.params.path);
        break;
      case 'send':
      case 'webhook':
      case 'updateProfile':
        step.effects.push(splitPath === undefined ? effectOf(action) : { ...effectOf(action), splitPath });
        break;
      case 'exit':
        step.exitReason = action.params.reason;
        break;
      case 'xstate.raise': {
        const p = action.params;
        const delay = p.delay as number | undefined;
        const event = p.event as { type: string };
        if (delay === undefined) {
          throw new Error(`journey machines raise only delayed events; got ${event.type}`);
        }
        step.timersToSet.push({ timerId: String(p.id), event: event.type, dueAt: now + delay });
        break;
      }
      case 'xstate.cancel': {
        const id = String(action.params.sendId);
        const pending = step.timersToSet.findIndex((t) => t.timerId === id);
        if (pending >= 0) {
          step.timersToSet.splice(pending, 1);
        } else {
          step.timersToCancel.push(id);
        }
        break;
      }
      default:
        throw new Error(`journey machine produced an unknown action "${(action as ActionObject).type}"`);
    }
  }
  const context = step.snapshot.context as Partial<JourneyContext> | undefined;
  if (splitPath !== undefined && context && context.splitPath !== splitPath) {
    step.snapshot = { ...step.snapshot, context: { ...context, splitPath } };
  }
  return step;
}
