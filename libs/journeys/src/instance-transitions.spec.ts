import { NO_FACTS } from './customer-facts';
import { compileJourney } from './journey.compiler';
import type { JourneyDefinitionInput } from './journey-definition.schema';
import {
  isHeldOut,
  onCustomerEvent,
  type CustomerEvent,
  type InstanceOutcome,
  type InstanceRecord,
} from './instance-transitions';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const DAY = 86_400_000;
const JOURNEY = '33333333-3333-4333-8333-333333333333';
let ids = 0;

function definition(extra: Partial<JourneyDefinitionInput> = {}): JourneyDefinitionInput {
  return {
    name: 'welcome',
    entry: { event: 'signed.up' },
    steps: [{ id: 'hello', type: 'send', template: 'hello', category: 'marketing' }],
    ...extra,
  };
}

async function feed(
  extra: Partial<JourneyDefinitionInput>,
  events: CustomerEvent[],
  customerUuid = 'customer-1',
): Promise<{ outcomes: InstanceOutcome[][]; instances: InstanceRecord[] }> {
  const compiled = await compileJourney(definition(extra), { webhookHosts: [] });
  let instances: InstanceRecord[] = [];
  const outcomes: InstanceOutcome[][] = [];
  for (const event of events) {
    const result = onCustomerEvent({
      journey: { journeyId: JOURNEY, version: 1, compiled },
      versions: () => compiled,
      instances,
      customerUuid,
      event,
      facts: NO_FACTS,
      newInstanceId: () => `instance-${++ids}`,
      running: true,
    });
    outcomes.push(result);
    for (const o of result) {
      instances = [...instances.filter((i) => i.id !== o.instance.id), o.instance];
    }
  }
  return { outcomes, instances };
}

const signup = (at: number): CustomerEvent => ({ name: 'signed.up', properties: {}, at });

describe('entry, re-entry, holdout and goals', () => {
  it.each<[string, JourneyDefinitionInput['reentry'], number[], number]>([
    ['once: never again', { mode: 'once' }, [T0, T0 + DAY, T0 + 400 * DAY], 1],
    ['whenNotActive: every time it is not running', { mode: 'whenNotActive' }, [T0, T0 + DAY, T0 + 2 * DAY], 3],
    [
      'afterCooldown: only after the cooldown',
      { mode: 'afterCooldown', cooldown: 'P7D' },
      [T0, T0 + DAY, T0 + 8 * DAY],
      2,
    ],
  ])('%s', async (_name, reentry, times, entries) => {
    const { outcomes, instances } = await feed({ reentry }, times.map(signup));
    expect(outcomes.filter((o) => o.some((x) => x.entered))).toHaveLength(entries);
    expect(instances).toHaveLength(1);
    expect(instances[0]!.entryCount).toBe(entries);
    // Each entry's effect has its own key: the entry count is in it.
    const keys = outcomes.flat().flatMap((o) => o.effects.map((e) => e.effectKey));
    expect(new Set(keys).size).toBe(entries);
    expect(keys.every((k) => k.endsWith(`:hello:${keys.indexOf(k) + 1}`))).toBe(true);
  });

  it('enters on any of several entry events, one instance per key', async () => {
    const cartEvent = (name: string, cartId: string, at: number): CustomerEvent => ({
      name,
      properties: { cartId },
      at,
    });
    const { outcomes, instances } = await feed(
      {
        entry: { event: ['checkout.started', 'cart.updated'], key: 'cartId' },
        steps: [
          { id: 'grace', type: 'wait', duration: 'PT1H', next: 'remind' },
          { id: 'remind', type: 'send', template: 'hello', category: 'marketing' },
        ],
      },
      [
        cartEvent('cart.updated', 'A', T0),
        cartEvent('checkout.started', 'A', T0 + 1000), // same cart, already in: no second instance
        cartEvent('checkout.started', 'B', T0 + 2000),
        cartEvent('product.viewed', 'C', T0 + 3000), // not an entry event
      ],
    );
    expect(outcomes.map((o) => o.some((x) => x.entered))).toEqual([true, false, true, false]);
    expect(instances.map((i) => i.key).sort()).toEqual(['A', 'B']);
  });

  it('while paused: exits apply, nothing else moves', async () => {
    const compiled = await compileJourney(
      definition({
        entry: { event: 'checkout.started', key: 'cartId' },
        exit: [{ event: 'order.placed', sameKey: 'cartId' }],
        steps: [
          { id: 'wait', type: 'wait', duration: 'PT1H', next: 'remind' },
          { id: 'remind', type: 'send', template: 'r', category: 'marketing' },
        ],
      }),
      { webhookHosts: [] },
    );
    const journey = { journeyId: JOURNEY, version: 1, compiled };
    const [entered] = onCustomerEvent({
      journey,
      versions: () => compiled,
      instances: [],
      customerUuid: 'c',
      event: { name: 'checkout.started', properties: { cartId: 'A' }, at: T0 },
      facts: NO_FACTS,
      newInstanceId: () => 'i',
      running: true,
    });
    const paused = (event: CustomerEvent) =>
      onCustomerEvent({
        journey,
        versions: () => compiled,
        instances: [entered!.instance],
        customerUuid: 'c',
        event,
        facts: NO_FACTS,
        newInstanceId: () => 'j',
        running: false,
      });
    expect(paused({ name: 'checkout.started', properties: { cartId: 'B' }, at: T0 + 1 })).toEqual([]);
    expect(paused({ name: 'order.placed', properties: { cartId: 'B' }, at: T0 + 2 })).toEqual([]);
    const [exited] = paused({ name: 'order.placed', properties: { cartId: 'A' }, at: T0 + 3 });
    expect(exited!.instance).toMatchObject({ status: 'exited', exitReason: 'event:order.placed' });
  });

  it('a customer event named like a timer does not fire it', async () => {
    const { instances } = await feed(
      {
        steps: [
          { id: 'w', type: 'wait', duration: 'P1D', next: 'hello' },
          { id: 'hello', type: 'send', template: 'hello', category: 'marketing' },
        ],
      },
      [signup(T0), { name: 'xstate.after.step_w.journey.w', properties: {}, at: T0 + 1 }],
    );
    expect(instances[0]!.currentStep).toBe('w');
  });

  it('does not enter while the journey is paused', async () => {
    const compiled = await compileJourney(definition(), { webhookHosts: [] });
    const result = onCustomerEvent({
      journey: { journeyId: JOURNEY, version: 1, compiled },
      versions: () => compiled,
      instances: [],
      customerUuid: 'c',
      event: signup(T0),
      facts: NO_FACTS,
      newInstanceId: () => 'i',
      running: false,
    });
    expect(result).toEqual([]);
  });

  it('holds out about the configured share: they enter, are recorded, and their messages are suppressed', async () => {
    const customers = Array.from({ length: 1000 }, (_, i) => `customer-${i}`);
    const held = customers.filter((c) => isHeldOut({ holdout: 0.2 } as never, JOURNEY, c));
    expect(held.length / customers.length).toBeGreaterThan(0.16);
    expect(held.length / customers.length).toBeLessThan(0.24);
    const { outcomes } = await feed({ holdout: 0.2 }, [signup(T0)], held[0]);
    const [outcome] = outcomes[0]!;
    expect(outcome!.instance.holdout).toBe(true);
    expect(outcome!.history.map((h) => h.kind)).toEqual(['entered', 'held-out', 'step', 'exited']);
    expect(outcome!.effects.map((e) => e.suppressed)).toEqual([true]);
  });

  it('counts a goal within the window after the message, and not after it', async () => {
    const goal = { event: 'order.placed', within: 'P2D', after: 'message' as const };
    const order = (at: number): CustomerEvent => ({ name: 'order.placed', properties: {}, at });
    const inTime = await feed({ goal }, [signup(T0), order(T0 + DAY)]);
    expect(inTime.instances[0]!.goalReachedAt).toBe(T0 + DAY);
    expect(inTime.outcomes[1]![0]!.history.map((h) => h.kind)).toEqual(['goal']);
    const late = await feed({ goal }, [signup(T0), order(T0 + 3 * DAY)]);
    expect(late.instances[0]!.goalReachedAt).toBeUndefined();
  });
});
