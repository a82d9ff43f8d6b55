import type { InstanceChange } from './journey.batch';

/**
 * What a batch's history says about entries, as facts for holdout lift and A/B tests
 * (docs/analytics.md, "Lift"): an entry (with its group and outcome window), the split paths it
 * took, the goal it reached. The shell stores them with their rollups in the batch's transaction.
 */
export interface EntryFactChange {
  customerUuid: string;
  instanceId: string;
  entryCount: number;
  journeyId: string;
  /** Set when this batch entered it. */
  entered?: {
    heldOut: boolean;
    /** Epoch ms: the entering event's own time (goal windows count from it). */
    enteredAt: number;
    /** goal.within of the version entered; undefined without a goal. */
    windowMs: number | undefined;
  };
  /** Split step id → path taken, added by this batch. */
  splits: Record<string, string>;
  /** Epoch ms of the goal event, when this batch reached the goal. */
  goalAt?: number;
}

/**
 * The entry facts of a batch's changes, merged per entry. An outcome that ended an entry and
 * started the next with one event lists the old entry's history first: everything before its
 * `entered` belongs to the previous entry count.
 */
export function entryFactChanges(
  changes: readonly InstanceChange[],
  windowOf: (journeyId: string, version: number) => number | undefined,
): EntryFactChange[] {
  const facts = new Map<string, EntryFactChange>();
  for (const change of changes) {
    if (!('outcome' in change)) {
      continue;
    }
    const { instance, history, entered } = change.outcome;
    const enteredAt = history.findIndex((h) => h.kind === 'entered');
    history.forEach((h, i) => {
      if (h.kind !== 'entered' && h.kind !== 'split' && h.kind !== 'goal') {
        return;
      }
      const entryCount = entered && i < enteredAt ? instance.entryCount - 1 : instance.entryCount;
      const key = `${instance.customerUuid}:${instance.id}:${entryCount}`;
      let fact = facts.get(key);
      if (!fact) {
        fact = {
          customerUuid: instance.customerUuid,
          instanceId: instance.id,
          entryCount,
          journeyId: instance.journeyId,
          splits: {},
        };
        facts.set(key, fact);
      }
      switch (h.kind) {
        case 'entered':
          fact.entered = {
            heldOut: instance.holdout,
            enteredAt: instance.enteredAt,
            windowMs: windowOf(instance.journeyId, instance.version),
          };
          break;
        case 'split':
          fact.splits[h.stepId!] = h.reason!;
          break;
        case 'goal':
          fact.goalAt ??= h.at;
          break;
      }
    });
  }
  return [...facts.values()];
}
