import type { CustomerFacts } from '@kizuna/rules';
import type { ActionParams, EffectAction } from './step-params.schema';

/** What a new instance starts from. */
export interface JourneyInput {
  journeyId: string;
  customerUuid: string;
  /** The instance key (e.g. the cartId), or null for one instance per customer. */
  key: string | null;
  trigger: { name: string; properties: Record<string, unknown> };
  /** Epoch ms of entry. */
  at: number;
  facts: CustomerFacts;
  /** Declared A/B winners of the journey by split step id (autoWinner splits take them). */
  winners?: Readonly<Record<string, string>>;
}

/** The machine's context: plain JSON, persisted with the snapshot. */
export interface JourneyContext {
  journeyId: string;
  customerUuid: string;
  key: string | null;
  trigger: { name: string; properties: Record<string, unknown> };
  enteredAt: number;
  /**
   * When the trigger's event happened; set once a later event of the same key replaced it
   * (until then the trigger is the entering event, of `enteredAt`).
   */
  triggerAt?: number;
  /**
   * The path taken at the last split passed (`splitPathKey`: `<split>:<path name>`), kept by the engine (not by the
   * machine) so messages of later steps, in later transitions too, record it.
   */
  splitPath?: string;
}

/**
 * Every event the engine feeds a machine: a customer event (type = its name) or a due timer
 * (type = the timer's event). The runtime stamps the time and the customer's current facts.
 */
export interface JourneyEvent {
  type: string;
  at: number;
  facts: CustomerFacts;
  properties: Record<string, unknown>;
  /** Declared A/B winners of the journey by split step id (autoWinner splits take them). */
  winners?: Readonly<Record<string, string>>;
}

/**
 * What a machine asks the shell to do, in order: an effect action's params, tagged with its name
 * (one encoding with the compiler's, step-params.schema.ts).
 */
export type JourneyEffect = { [K in EffectAction]: { kind: K } & ActionParams[K] }[EffectAction] & {
  /** The path the instance took at the last split before this step; absent before any split. */
  splitPath?: string;
};

export interface TimerRequest {
  /** XState's id for the delayed event; unique per instance and state. */
  timerId: string;
  /** The event to feed back when due. */
  event: string;
  dueAt: number;
}
