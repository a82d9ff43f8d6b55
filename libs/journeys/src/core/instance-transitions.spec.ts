import { UNKNOWN_CUSTOMER as NO_FACTS } from '@kizuna/rules';
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
      now: event.at,
      entryMaxAgeMs: DAY,
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
      now: T0,
      entryMaxAgeMs: DAY,
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
        now: event.at,
        entryMaxAgeMs: DAY,
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
      now: T0,
      entryMaxAgeMs: DAY,
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

describe('time: events are decided by when they happened, and stale ones start nothing', () => {
  const H = 3_600_000;
  const cart = (name: string, cartId: string, at: number, items: string[] = []): CustomerEvent => ({
    name,
    properties: { cartId, items },
    at,
  });
  const cartJourney = async () =>
    compileJourney(
      definition({
        entry: { event: ['checkout.started', 'cart.updated'], key: 'cartId' },
        exit: [{ event: 'order.placed', sameKey: 'cartId' }],
        goal: { event: 'order.placed', sameKey: 'cartId', within: 'P7D', after: 'message' },
        steps: [
          { id: 'grace', type: 'wait', duration: 'PT1H', next: 'remind' },
          { id: 'remind', type: 'send', template: 'r', category: 'marketing', next: 'wait-click' },
          { id: 'wait-click', type: 'waitForEvent', event: 'email.clicked', timeout: 'P1D', onEvent: 'thanks' },
          { id: 'thanks', type: 'send', template: 't', category: 'marketing' },
        ],
      }),
      { webhookHosts: [] },
    );
  const apply = (
    compiled: Awaited<ReturnType<typeof cartJourney>>,
    instances: InstanceRecord[],
    event: CustomerEvent,
    now: number,
  ) =>
    onCustomerEvent({
      journey: { journeyId: JOURNEY, version: 1, compiled },
      versions: () => compiled,
      instances,
      customerUuid: 'c',
      event,
      facts: NO_FACTS,
      newInstanceId: () => `instance-${++ids}`,
      running: true,
      now,
      entryMaxAgeMs: DAY,
    });

  it('an event older than the maximum age enters nothing; one just inside it does', async () => {
    const compiled = await cartJourney();
    expect(apply(compiled, [], cart('checkout.started', 'A', T0 - DAY - 1), T0)).toEqual([]);
    const [entered] = apply(compiled, [], cart('checkout.started', 'A', T0 - DAY), T0);
    expect(entered!.entered).toBe(true);
  });

  it("a wait counts from the event's own time: a checkout at 10:00 applied at 10:20 is due at 11:00", async () => {
    const compiled = await cartJourney();
    const tenAm = Date.parse('2026-03-02T10:00:00Z');
    const [entered] = apply(compiled, [], cart('checkout.started', 'A', tenAm), tenAm + 20 * 60_000);
    expect(entered!.timersToSet.map((t) => new Date(t.dueAt).toISOString())).toEqual(['2026-03-02T11:00:00.000Z']);
    expect(entered!.instance.enteredAt).toBe(tenAm);
    // What Kizuna did, it did at 10:20.
    expect(entered!.history.map((h) => new Date(h.at).toISOString())).toEqual([
      '2026-03-02T10:20:00.000Z',
      '2026-03-02T10:20:00.000Z',
    ]);
  });

  it("a stale order for the cart still ends the cart's journey; a stale click sends nothing", async () => {
    const compiled = await cartJourney();
    const [entered] = apply(compiled, [], cart('checkout.started', 'A', T0), T0);
    // Moved on to the reminder and waiting for a click (as the timer would have done).
    const waiting: InstanceRecord = {
      ...entered!.instance,
      currentStep: 'wait-click',
      snapshot: { ...entered!.instance.snapshot, value: 'wait-click' },
      lastMessageAt: T0 + H,
    };
    const staleClick = apply(
      compiled,
      [waiting],
      { name: 'email.clicked', properties: {}, at: T0 + 2 * H },
      T0 + 3 * DAY,
    );
    expect(staleClick).toEqual([]);
    const [freshClick] = apply(
      compiled,
      [waiting],
      { name: 'email.clicked', properties: {}, at: T0 + 2 * H },
      T0 + 2 * H,
    );
    expect(freshClick!.effects.map((e) => e.effect.stepId)).toEqual(['thanks']);
    const [ended] = apply(compiled, [waiting], cart('order.placed', 'A', T0 + 2 * H), T0 + 3 * DAY);
    expect(ended!.instance).toMatchObject({
      status: 'exited',
      exitReason: 'event:order.placed',
      exitedAt: T0 + 3 * DAY,
    });
    expect(ended!.effects).toEqual([]);
    // Placed two hours after the entry, within 7 days of the reminder: a conversion, however late it arrived.
    expect(ended!.instance.goalReachedAt).toBe(T0 + 2 * H);
  });

  it('an order placed before the reminder is no conversion of it, even when it arrives after', async () => {
    const compiled = await cartJourney();
    const [entered] = apply(compiled, [], cart('checkout.started', 'A', T0), T0);
    const reminded: InstanceRecord = { ...entered!.instance, lastMessageAt: T0 + H };
    const [ended] = apply(compiled, [reminded], cart('order.placed', 'A', T0 + H - 60_000), T0 + H + 60_000);
    expect(ended!.instance.status).toBe('exited');
    expect(ended!.instance.goalReachedAt).toBeUndefined();
  });

  it("a later event of the same cart replaces the instance's cart; an older or another cart's does not", async () => {
    const compiled = await cartJourney();
    const [entered] = apply(compiled, [], cart('checkout.started', 'A', T0, ['tea']), T0);
    const triggerOf = (i: InstanceRecord) => (i.snapshot.context as { trigger: unknown }).trigger;

    const [updated] = apply(
      compiled,
      [entered!.instance],
      cart('cart.updated', 'A', T0 + 60_000, ['pot']),
      T0 + 60_000,
    );
    expect(updated!.triggerUpdated).toBe(true);
    expect(updated!.history).toEqual([]);
    expect(triggerOf(updated!.instance)).toEqual({ name: 'cart.updated', properties: { cartId: 'A', items: ['pot'] } });
    // The wait still counts from the entry.
    expect(updated!.timersToSet).toEqual([]);

    // Arrives later but happened before the update it would overwrite.
    expect(apply(compiled, [updated!.instance], cart('cart.updated', 'A', T0 + 30_000, ['cup']), T0 + 90_000)).toEqual(
      [],
    );
    // Another cart enters on its own; cart A keeps its items.
    const other = apply(compiled, [updated!.instance], cart('cart.updated', 'B', T0 + 120_000, ['cup']), T0 + 120_000);
    expect(other.map((o) => [o.instance.key, o.entered, o.triggerUpdated])).toEqual([['B', true, false]]);
  });

  it('an unkeyed journey keeps the event it entered with', async () => {
    const { outcomes, instances } = await feed(
      {
        steps: [
          { id: 'w', type: 'wait', duration: 'P1D', next: 'hello' },
          { id: 'hello', type: 'send', template: 'hello', category: 'marketing' },
        ],
      },
      [signup(T0), { name: 'signed.up', properties: { plan: 'pro' }, at: T0 + 1 }],
    );
    expect(outcomes[1]).toEqual([]);
    expect((instances[0]!.snapshot.context as { trigger: unknown }).trigger).toEqual({
      name: 'signed.up',
      properties: {},
    });
  });
});
