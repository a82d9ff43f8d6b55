import type { CustomerFacts, Rule } from '@kizuna/rules';
import { journeyDefinitionSchema, parseIsoDuration, type JourneyDefinition } from './journey-definition.schema';
import { validateDefinition, type CompileOptions } from './journey-definition.validation';
import { buildMachine, MACHINE_ID, type CompiledJourney } from './journey-machine.builder';
import type { JourneyContext } from './journey-machine.types';
import { delayName, waitDelay } from './wait-time.util';

/**
 * Definition -> compiled journey, in three parts: validation (journey-definition.validation.ts),
 * wait times (wait-time.util.ts) and the XState machine builder (journey-machine.builder.ts).
 */

export type { CompiledJourney } from './journey-machine.builder';
export type { CompileOptions } from './journey-definition.validation';
export { parseDefinitionText } from './journey-definition.validation';

/** Validates and compiles; throws JourneysException(InvalidDefinition) listing every problem. */
export async function compileJourney(input: unknown, options: CompileOptions): Promise<CompiledJourney> {
  return buildMachine(await validateDefinition(input, options));
}

/** Compiles a definition that was validated when it was saved (e.g. a stored version). */
export function compileValidated(definition: JourneyDefinition): CompiledJourney {
  return buildMachine(journeyDefinitionSchema.parse(definition));
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
