import { entryFactChanges } from './entry-facts';
import type { HistoryEntry, InstanceOutcome, InstanceRecord } from './instance-transitions';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const DAY = 86_400_000;

function outcome(instance: Partial<InstanceRecord>, history: HistoryEntry[], entered = false): InstanceOutcome {
  return {
    instance: {
      id: 'i-1',
      journeyId: 'j-1',
      version: 2,
      customerUuid: 'c-1',
      key: '',
      entryCount: 1,
      status: 'active',
      snapshot: {},
      currentStep: undefined,
      enteredAt: T0,
      exitedAt: undefined,
      exitReason: undefined,
      holdout: false,
      lastMessageAt: undefined,
      goalReachedAt: undefined,
      ...instance,
    },
    entered,
    triggerUpdated: false,
    history,
    effects: [],
    timersToSet: [],
    timersToCancel: [],
    cancelAllTimers: false,
  };
}

const h = (kind: HistoryEntry['kind'], at: number, stepId?: string, reason?: string): HistoryEntry => ({
  kind,
  stepId,
  reason,
  at,
});

describe('entry facts of a batch', () => {
  it('an entry with its group, window, split path and goal, merged per entry', () => {
    const facts = entryFactChanges(
      [
        {
          outcome: outcome(
            { holdout: true },
            [h('entered', T0 + 5), h('held-out', T0 + 5), h('step', T0 + 5, 'ab'), h('split', T0 + 5, 'ab', 'B')],
            true,
          ),
        },
        { outcome: outcome({}, [h('goal', T0 + DAY, undefined, 'order.placed')]) },
      ],
      (journeyId, version) => (journeyId === 'j-1' && version === 2 ? 7 * DAY : undefined),
    );
    expect(facts).toEqual([
      {
        customerUuid: 'c-1',
        instanceId: 'i-1',
        entryCount: 1,
        journeyId: 'j-1',
        // The entering event's own time, and goal.within of the version entered.
        entered: { heldOut: true, enteredAt: T0, windowMs: 7 * DAY },
        splits: { ab: 'B' },
        goalAt: T0 + DAY,
      },
    ]);
  });

  it("one event that ends an entry (reaching its goal) and starts the next: the goal is the old entry's", () => {
    const facts = entryFactChanges(
      [
        {
          outcome: outcome(
            { entryCount: 3, enteredAt: T0 + 2 * DAY },
            [h('goal', T0 + 2 * DAY, undefined, 'order.placed'), h('exited', T0 + 2 * DAY), h('entered', T0 + 2 * DAY)],
            true,
          ),
        },
      ],
      () => undefined,
    );
    expect(facts.map((f) => [f.entryCount, f.goalAt, f.entered])).toEqual([
      [2, T0 + 2 * DAY, undefined],
      [3, undefined, { heldOut: false, enteredAt: T0 + 2 * DAY, windowMs: undefined }],
    ]);
  });

  it('timers and steps without entries, splits or goals make no facts', () => {
    expect(
      entryFactChanges(
        [
          { outcome: outcome({}, [h('step', T0, 'wait')]) },
          {
            firedTimer: {
              customerUuid: 'c-1',
              instanceId: 'i-1',
              timerId: 't',
              journeyId: 'j-1',
              event: 'x',
              dueAt: new Date(T0),
            },
          },
        ],
        () => undefined,
      ),
    ).toEqual([]);
  });
});
