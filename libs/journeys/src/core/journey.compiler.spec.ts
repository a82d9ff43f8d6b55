import { TemplateCatalog } from '@kizuna/messaging';
import { documentedExamples } from '../../../../test/support/journey-examples';
import { UNKNOWN_CUSTOMER as NO_FACTS, type CustomerFacts } from '@kizuna/rules';
import { compileJourney, restingSteps, type CompiledJourney } from './journey.compiler';
import type { JourneyDefinitionInput } from './journey-definition.schema';
import { advanceInstance, startInstance, type EngineStep } from './journey.engine';
import { JourneysErrorCode, JourneysException } from './journeys.exception';

class InTestCatalog extends TemplateCatalog {
  constructor(private readonly known: string[]) {
    super();
  }
  missing(keys: string[]): Promise<string[]> {
    return Promise.resolve(keys.filter((k) => !this.known.includes(k)));
  }
}

const options = { webhookHosts: ['hooks.example.com'] };
const T0 = Date.parse('2026-01-05T10:00:00Z'); // a Monday
const H = 3_600_000;
const CUSTOMER = '11111111-1111-4111-8111-111111111111';
const JOURNEY = '22222222-2222-4222-8222-222222222222';

const entryInput = {
  journeyId: JOURNEY,
  customerUuid: CUSTOMER,
  key: 'cart-1',
  trigger: { name: 'checkout.started', properties: { cartId: 'cart-1', total: 50 } },
  at: T0,
  facts: { ...NO_FACTS },
};

function facts(overrides: Partial<CustomerFacts> = {}): CustomerFacts {
  return { ...NO_FACTS, ...overrides };
}

function journey(
  steps: JourneyDefinitionInput['steps'],
  extra: Partial<JourneyDefinitionInput> = {},
): JourneyDefinitionInput {
  return { name: 'test', entry: { event: 'checkout.started', key: 'cartId' }, steps, ...extra };
}

async function rejection(definition: unknown, catalog?: TemplateCatalog): Promise<string[]> {
  try {
    await compileJourney(definition, { ...options, templates: catalog });
  } catch (error) {
    expect(error).toBeInstanceOf(JourneysException);
    expect((error as JourneysException).code).toBe(JourneysErrorCode.InvalidDefinition);
    return ((error as JourneysException).details as { issues: Array<{ path: string; message: string }> }).issues.map(
      (i) => `${i.path}: ${i.message}`,
    );
  }
  throw new Error('expected the definition to be rejected');
}

describe('journey compiler: validation points at the step', () => {
  const send = { id: 's', type: 'send', template: 't', category: 'marketing' } as const;
  it.each<[string, unknown, string]>([
    [
      'invalid duration',
      journey([send, { id: 'w', type: 'wait', duration: 'PT1H' }, { id: 'x', type: 'wait', duration: '1 hour' }]),
      'steps[2].duration: invalid duration "1 hour": use ISO-8601 such as PT1H or P3D',
    ],
    ['unknown next', journey([{ ...send, next: 'nope' }]), 'steps[0].next: no step with id "nope"'],
    ['duplicate id', journey([{ ...send, next: 's' }, send]), 'steps[1].id: duplicate step id "s"'],
    [
      'a loop',
      journey([
        { ...send, next: 'w' },
        { id: 'w', type: 'wait', duration: 'PT1H', next: 's' },
      ]),
      'steps[1].next: "s" leads back into a loop; journeys may not loop',
    ],
    [
      'unreachable step',
      journey([send, { id: 'lost', type: 'exit' }]),
      'steps[1]: step "lost" cannot be reached from the first step',
    ],
    [
      'webhook host not allowed',
      journey([{ id: 'h', type: 'webhook', url: 'https://evil.example.net/x' }]),
      'steps[0].url: host "evil.example.net" is not on the webhook allow-list',
    ],
    [
      'two kinds of wait',
      journey([{ id: 'w', type: 'wait', duration: 'PT1H', until: { time: '09:00' } }]),
      'steps[0]: a wait takes exactly one of duration, until, untilDate',
    ],
    [
      'bad time of day',
      journey([{ id: 'w', type: 'wait', until: { time: '25:00' } }]),
      'steps[0].until.time: must be HH:MM (24 h)',
    ],
    ['unknown time zone', journey([send], { timeZone: 'Mars/Olympus' }), 'timeZone: unknown time zone "Mars/Olympus"'],
    [
      'unknown step type',
      journey([{ id: 'q', type: 'teleport' } as never]),
      "steps[0].type: Invalid discriminator value. Expected 'wait' | 'waitForEvent' | 'branch' | 'split' | 'send' | 'updateProfile' | 'webhook' | 'exit'",
    ],
    [
      'bad category',
      journey([{ ...send, category: 'spam' } as never]),
      'steps[0].category: Invalid option: expected one of "marketing"|"transactional"',
    ],
    [
      'reserved event name',
      journey([{ id: 'w', type: 'waitForEvent', event: 'xstate.after.x', timeout: 'PT1H' }]),
      'steps[0].event: event names starting with "xstate." are reserved',
    ],
    ['holdout too big', journey([send], { holdout: 0.9 }), 'holdout: Too big: expected number to be <=0.5'],
    [
      'bad whenCapped',
      journey([{ ...send, whenCapped: 'drop' } as never]),
      'steps[0].whenCapped: Invalid option: expected one of "defer"|"skip"',
    ],
    [
      'fractional priority',
      journey([send], { priority: 1.5 }),
      'priority: Invalid input: expected int, received number',
    ],
  ])('%s', async (_name, definition, expected) => {
    expect(await rejection(definition)).toContain(expected);
  });

  it('checks templates against the catalog when one is given', async () => {
    const definition = journey([
      { ...send, template: 'known', next: 'b' },
      { id: 'b', type: 'send', template: 'unknown', category: 'marketing' },
    ]);
    expect(await rejection(definition, new InTestCatalog(['known']))).toEqual([
      'steps[1].template: no template "unknown"',
    ]);
    await expect(
      compileJourney(definition, { ...options, templates: new InTestCatalog(['known', 'unknown']) }),
    ).resolves.toBeDefined();
  });

  it('compiles every example in docs/journeys.md', async () => {
    const examples = documentedExamples();
    expect([...examples.keys()]).toEqual([
      'Subject line test',
      'Cart abandonment',
      'Post-purchase follow-up',
      'Win-back',
    ]);
    for (const definition of examples.values()) {
      await expect(compileJourney(definition, options)).resolves.toBeDefined();
    }
  });
});

describe('listensTo: which customer events a resting instance can react to', () => {
  it('names exit-rule events and the awaited event, and XState agrees that nothing else changes a resting instance', async () => {
    const compiled = await compileJourney(
      journey(
        [wait1h, waitOrder, remind, won].map((s) => (s.id === 'w' ? { ...s, next: 'wo' } : s)),
        {
          exit: [{ event: 'cart.emptied', sameKey: 'cartId' }],
        },
      ),
      options,
    );
    expect(compiled.listensTo('w', 'cart.emptied')).toBe(true);
    expect(compiled.listensTo('w', 'order.placed')).toBe(false);
    expect(compiled.listensTo('wo', 'order.placed')).toBe(true);
    expect(compiled.listensTo('wo', 'page.viewed')).toBe(false);

    // For every resting step of every documented journey and of this one, an event it does not
    // listen to leaves the snapshot as it was, with no step, effect, timer or exit.
    const journeys = [
      compiled,
      ...(await Promise.all([...documentedExamples().values()].map((d) => compileJourney(d, options)))),
    ];
    const events = [
      'page.viewed',
      'order.placed',
      'checkout.started',
      'cart.emptied',
      'segment.exited',
      'nps.responded',
    ];
    let checked = 0;
    for (const c of journeys) {
      for (const restingStep of restingSteps(c.definition)) {
        const snapshot = { ...startInstance(c, entryInput).snapshot, value: restingStep };
        for (const event of events.filter((e) => !c.listensTo(restingStep, e))) {
          const step = advanceInstance(c, snapshot, {
            type: event,
            at: T0 + H,
            facts: facts(),
            properties: { cartId: 'cart-1' },
          });
          expect({ restingStep, event, step }).toEqual({
            restingStep,
            event,
            step: expect.objectContaining({
              snapshot,
              stepsEntered: [],
              effects: [],
              timersToSet: [],
              timersToCancel: [],
              done: false,
            }),
          });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});

/** A table row: the events fed after entry, and what the engine should answer to the last. */
interface Row {
  name: string;
  steps: JourneyDefinitionInput['steps'];
  extra?: Partial<JourneyDefinitionInput>;
  trigger?: Record<string, unknown>;
  facts?: CustomerFacts;
  /** Events after entry: a name (customer event) or `timer` (the pending timer comes due). */
  feed: Array<{ event: string; properties?: Record<string, unknown> } | 'timer'>;
  expect: {
    currentStep: string | undefined;
    stepsEntered: string[];
    effects?: Array<string>;
    timerDueAt?: number[];
    exitReason?: string;
    /** Timer ids deleted by the last transition. */
    cancels?: string[];
  };
}

async function run(row: Row): Promise<EngineStep> {
  const compiled: CompiledJourney = await compileJourney(journey(row.steps, row.extra), options);
  const f = row.facts ?? facts();
  let step = startInstance(compiled, {
    journeyId: JOURNEY,
    customerUuid: CUSTOMER,
    key: 'cart-1',
    trigger: { name: 'checkout.started', properties: { cartId: 'cart-1', total: 50, ...row.trigger } },
    at: T0,
    facts: f,
  });
  let pending = step.timersToSet;
  for (const item of row.feed) {
    if (item === 'timer') {
      const timer = pending[0]!;
      step = advanceInstance(compiled, step.snapshot, { type: timer.event, at: timer.dueAt, facts: f, properties: {} });
    } else {
      step = advanceInstance(compiled, step.snapshot, {
        type: item.event,
        at: T0 + H / 2,
        facts: f,
        properties: item.properties ?? {},
      });
    }
    pending = step.timersToSet.length > 0 || step.timersToCancel.length > 0 ? step.timersToSet : pending;
  }
  return step;
}

const wait1h = { id: 'w', type: 'wait', duration: 'PT1H', next: 'remind' } as const;
const remind = { id: 'remind', type: 'send', template: 'reminder', category: 'marketing' } as const;
const waitOrder = {
  id: 'wo',
  type: 'waitForEvent',
  event: 'order.placed',
  sameKey: 'cartId',
  timeout: 'PT24H',
  onEvent: 'won',
  onTimeout: 'remind',
} as const;
const won = { id: 'won', type: 'exit' } as const;
const effectsOf = (step: EngineStep): string[] =>
  step.effects.map((e) =>
    e.kind === 'send'
      ? `send ${e.template} (${e.category})`
      : e.kind === 'webhook'
        ? `webhook ${e.url}`
        : `set ${e.attribute}=${String(e.value)}`,
  );

describe('compiled machines as tables of (state, event) -> (state, effects, timers)', () => {
  const rows: Row[] = [
    {
      name: 'a duration wait sets a timer row due an hour later',
      steps: [wait1h, remind],
      feed: [],
      expect: { currentStep: 'w', stepsEntered: ['w'], effects: [], timerDueAt: [T0 + H] },
    },
    {
      name: 'the due timer moves on and sends',
      steps: [wait1h, remind],
      feed: ['timer'],
      expect: {
        currentStep: undefined,
        stepsEntered: ['remind'],
        effects: ['send reminder (marketing)'],
        exitReason: 'completed',
        cancels: ['xstate.after.step_w.journey.w'],
      },
    },
    {
      name: 'an event the state does not wait for changes nothing',
      steps: [wait1h, remind],
      feed: [{ event: 'product.viewed' }],
      expect: { currentStep: 'w', stepsEntered: [], effects: [] },
    },
    {
      name: 'waitForEvent: the order for the same cart takes the onEvent branch',
      steps: [waitOrder, remind, won],
      feed: [{ event: 'order.placed', properties: { cartId: 'cart-1' } }],
      expect: {
        currentStep: undefined,
        stepsEntered: ['won'],
        effects: [],
        exitReason: 'step:won',
        cancels: ['xstate.after.step_wo.journey.wo'],
      },
    },
    {
      name: 'waitForEvent: an order for another cart is not it',
      steps: [waitOrder, remind, won],
      feed: [{ event: 'order.placed', properties: { cartId: 'cart-2' } }],
      expect: { currentStep: 'wo', stepsEntered: [], effects: [] },
    },
    {
      name: 'waitForEvent: the timeout takes the onTimeout branch',
      steps: [waitOrder, remind, won],
      feed: ['timer'],
      expect: {
        currentStep: undefined,
        stepsEntered: ['remind'],
        effects: ['send reminder (marketing)'],
        exitReason: 'completed',
        cancels: ['xstate.after.step_wo.journey.wo'],
      },
    },
    {
      name: 'an exit rule ends the instance early and cancels its timer',
      steps: [wait1h, remind],
      extra: { exit: [{ event: 'order.placed', sameKey: 'cartId' }] },
      feed: [{ event: 'order.placed', properties: { cartId: 'cart-1' } }],
      expect: {
        currentStep: undefined,
        stepsEntered: [],
        effects: [],
        exitReason: 'event:order.placed',
        cancels: ['xstate.after.step_w.journey.w'],
      },
    },
    {
      name: 'leaving the segment ends the instance',
      steps: [wait1h, remind],
      extra: { exit: [{ leftSegment: 'lapsed' }] },
      feed: [{ event: 'segment.exited', properties: { segment: 'lapsed' } }],
      expect: {
        currentStep: undefined,
        stepsEntered: [],
        effects: [],
        exitReason: 'left-segment:lapsed',
        cancels: ['xstate.after.step_w.journey.w'],
      },
    },
    {
      name: 'branch on a trigger property',
      steps: [
        {
          id: 'b',
          type: 'branch',
          branches: [{ when: { property: 'total', op: 'gte', value: 100 }, next: 'big' }],
          otherwise: 'small',
        },
        { id: 'big', type: 'send', template: 'big', category: 'marketing' },
        { id: 'small', type: 'send', template: 'small', category: 'marketing' },
      ],
      trigger: { total: 150 },
      feed: [],
      expect: {
        currentStep: undefined,
        stepsEntered: ['b', 'big'],
        effects: ['send big (marketing)'],
        exitReason: 'completed',
      },
    },
    {
      name: 'branch on a purchase stat, an attribute and a segment',
      steps: [
        {
          id: 'b',
          type: 'branch',
          branches: [
            {
              when: {
                all: [
                  { stat: 'ordersCount', op: 'gte', value: 2 },
                  { attribute: 'tier', value: 'gold' },
                  { inSegment: 'vip' },
                ],
              },
              next: 'vip',
            },
          ],
          otherwise: 'other',
        },
        { id: 'vip', type: 'updateProfile', attribute: 'vipTouched', value: true },
        { id: 'other', type: 'exit' },
      ],
      facts: facts({ stats: { ...NO_FACTS.stats, ordersCount: 3 }, attributes: { tier: 'gold' }, segments: ['vip'] }),
      feed: [],
      expect: {
        currentStep: undefined,
        stepsEntered: ['b', 'vip'],
        effects: ['set vipTouched=true'],
        exitReason: 'completed',
      },
    },
    {
      name: 'branch: otherwise when nothing holds',
      steps: [
        {
          id: 'b',
          type: 'branch',
          branches: [{ when: { stat: 'daysSinceLastOrder', op: 'gt', value: 30 }, next: 'x' }],
          otherwise: 'y',
        },
        { id: 'x', type: 'exit' },
        { id: 'y', type: 'webhook', url: 'https://hooks.example.com/kizuna' },
      ],
      facts: facts({
        stats: { ...NO_FACTS.stats, ordersCount: 1, firstOrderAt: T0 - 10 * 24 * H, lastOrderAt: T0 - 10 * 24 * H },
      }),
      feed: [],
      expect: {
        currentStep: undefined,
        stepsEntered: ['b', 'y'],
        effects: ['webhook https://hooks.example.com/kizuna'],
        exitReason: 'completed',
      },
    },
    {
      name: 'until a time of day in the customer time zone (19:00 in Tokyo -> 09:00 next day)',
      steps: [{ id: 'w', type: 'wait', until: { time: '09:00' }, next: 'remind' }, remind],
      facts: facts({ timezone: 'Asia/Tokyo' }),
      feed: [],
      expect: { currentStep: 'w', stepsEntered: ['w'], timerDueAt: [Date.parse('2026-01-06T00:00:00Z')] },
    },
    {
      name: 'until a weekday: Monday -> Saturday 10:00 in the journey zone',
      steps: [{ id: 'w', type: 'wait', until: { time: '10:00', weekdays: ['sat'] }, next: 'remind' }, remind],
      extra: { timeZone: 'Europe/Berlin' },
      feed: [],
      expect: { currentStep: 'w', stepsEntered: ['w'], timerDueAt: [Date.parse('2026-01-10T09:00:00Z')] },
    },
    {
      name: 'until a date property minus a day',
      steps: [
        { id: 'w', type: 'wait', untilDate: { property: 'deliveryDate', offset: '-P1D' }, next: 'remind' },
        remind,
      ],
      trigger: { deliveryDate: '2026-01-09T12:00:00Z' },
      feed: [],
      expect: { currentStep: 'w', stepsEntered: ['w'], timerDueAt: [Date.parse('2026-01-08T12:00:00Z')] },
    },
    {
      name: 'until a date already past: the timer is due at once',
      steps: [{ id: 'w', type: 'wait', untilDate: { attribute: 'birthday' }, next: 'remind' }, remind],
      facts: facts({ attributes: { birthday: '2025-01-01' } }),
      feed: [],
      expect: { currentStep: 'w', stepsEntered: ['w'], timerDueAt: [T0] },
    },
  ];

  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const step = await run(row);
    expect(step.currentStep).toBe(row.expect.currentStep);
    expect(step.done).toBe(row.expect.currentStep === undefined);
    expect(step.stepsEntered).toEqual(row.expect.stepsEntered);
    if (row.expect.effects) {
      expect(effectsOf(step)).toEqual(row.expect.effects);
    }
    if (row.expect.timerDueAt) {
      expect(step.timersToSet.map((t) => t.dueAt)).toEqual(row.expect.timerDueAt);
    }
    expect(step.exitReason).toBe(row.expect.exitReason);
    expect(step.timersToCancel).toEqual(row.expect.cancels ?? []);
  });

  it("send effects carry the step's whenCapped (default defer) and the journey's priority (default 0)", async () => {
    const start = async (extra: Partial<JourneyDefinitionInput>, step: JourneyDefinitionInput['steps'][number]) =>
      startInstance(await compileJourney(journey([step], extra), options), {
        journeyId: JOURNEY,
        customerUuid: CUSTOMER,
        key: null,
        trigger: { name: 'x', properties: {} },
        at: T0,
        facts: NO_FACTS,
      }).effects;
    expect(await start({}, remind)).toEqual([
      {
        kind: 'send',
        stepId: 'remind',
        channel: 'email',
        template: 'reminder',
        category: 'marketing',
        whenCapped: 'defer',
        priority: 0,
      },
    ]);
    expect(await start({ priority: 10 }, { ...remind, whenCapped: 'skip' })).toEqual([
      expect.objectContaining({ whenCapped: 'skip', priority: 10 }),
    ]);
  });

  it('a random split is deterministic per customer and journey and follows the weights', async () => {
    const compiled = await compileJourney(
      journey([
        {
          id: 'ab',
          type: 'split',
          paths: [
            { weight: 30, next: 'a' },
            { weight: 70, next: 'b' },
          ],
        },
        { id: 'a', type: 'exit' },
        { id: 'b', type: 'exit' },
      ]),
      options,
    );
    const pathOf = (customerUuid: string): string => {
      const step = startInstance(compiled, {
        journeyId: JOURNEY,
        customerUuid,
        key: null,
        trigger: { name: 'x', properties: {} },
        at: T0,
        facts: NO_FACTS,
      });
      return step.stepsEntered[1]!;
    };
    const customers = Array.from({ length: 2000 }, (_, i) => `customer-${i}`);
    const first = customers.map(pathOf);
    expect(customers.map(pathOf)).toEqual(first);
    const shareA = first.filter((p) => p === 'a').length / customers.length;
    expect(shareA).toBeGreaterThan(0.26);
    expect(shareA).toBeLessThan(0.34);
  });

  describe('split paths: names, the path taken, autoWinner', () => {
    const split = (extra: Record<string, unknown> = {}, names: Array<string | undefined> = [undefined, undefined]) =>
      journey([
        {
          id: 'ab',
          type: 'split',
          paths: [
            { ...(names[0] ? { name: names[0] } : {}), weight: 50, next: 'a' },
            { ...(names[1] ? { name: names[1] } : {}), weight: 50, next: 'b' },
          ],
          ...extra,
        },
        { id: 'a', type: 'exit' },
        { id: 'b', type: 'exit' },
      ]);
    const start = (compiled: CompiledJourney, customerUuid: string, winners?: Record<string, string>) =>
      startInstance(compiled, {
        journeyId: JOURNEY,
        customerUuid,
        key: null,
        trigger: { name: 'x', properties: {} },
        at: T0,
        facts: NO_FACTS,
        winners,
      });
    const customers = Array.from({ length: 200 }, (_, i) => `customer-${i}`);

    it('records the path taken, named by letter unless named', async () => {
      const lettered = await compileJourney(split(), options);
      const named = await compileJourney(split({}, ['control', 'bold']), options);
      for (const customerUuid of customers.slice(0, 20)) {
        const step = start(lettered, customerUuid);
        expect(step.splits).toEqual([{ stepId: 'ab', path: step.stepsEntered[1] === 'a' ? 'A' : 'B' }]);
        const other = start(named, customerUuid);
        expect(other.splits).toEqual([{ stepId: 'ab', path: other.stepsEntered[1] === 'a' ? 'control' : 'bold' }]);
      }
    });

    it('refuses two paths with one name (a default letter counts)', async () => {
      await expect(compileJourney(split({}, [undefined, 'A']), options)).rejects.toThrow(
        'steps[0].paths[1].name: duplicate path name "A"',
      );
    });

    it('autoWinner: every entrant takes the declared winner; without autoWinner, or for an unknown path, the weights decide', async () => {
      const auto = await compileJourney(split({ autoWinner: true }), options);
      const plain = await compileJourney(split(), options);
      expect(new Set(customers.map((c) => start(auto, c, { ab: 'B' }).stepsEntered[1]))).toEqual(new Set(['b']));
      expect(new Set(customers.map((c) => start(auto, c, { ab: 'A' }).splits[0]!.path))).toEqual(new Set(['A']));
      const byWeight = customers.map((c) => start(plain, c).stepsEntered[1]);
      expect(customers.map((c) => start(plain, c, { ab: 'B' }).stepsEntered[1])).toEqual(byWeight);
      expect(customers.map((c) => start(auto, c, { ab: 'Z' }).stepsEntered[1])).toEqual(byWeight);
      expect(new Set(byWeight)).toEqual(new Set(['a', 'b']));
    });
  });

  it('messages after a split carry the path taken (`<split>:<name>`), in later transitions too; before it, none', async () => {
    const compiled = await compileJourney(
      journey([
        { id: 'hello', type: 'send', template: 'hello', category: 'marketing', next: 'ab' },
        {
          id: 'ab',
          type: 'split',
          paths: [
            { weight: 1, next: 'a' },
            { weight: 1, next: 'b' },
          ],
        },
        { id: 'a', type: 'send', template: 'a', category: 'marketing', next: 'pause' },
        { id: 'b', type: 'send', template: 'b', category: 'marketing', next: 'pause' },
        { id: 'pause', type: 'wait', duration: 'PT1H', next: 'later' },
        { id: 'later', type: 'send', template: 'later', category: 'marketing' },
      ]),
      { ...options, templates: new InTestCatalog(['hello', 'a', 'b', 'later']) },
    );
    for (const customerUuid of ['customer-1', 'customer-2', 'customer-3', 'customer-4']) {
      const start = startInstance(compiled, {
        journeyId: JOURNEY,
        customerUuid,
        key: null,
        trigger: { name: 'x', properties: {} },
        at: T0,
        facts: NO_FACTS,
      });
      const taken = start.stepsEntered[2]!; // hello, ab, then the path's step
      expect(start.splits).toEqual([{ stepId: 'ab', path: taken === 'a' ? 'A' : 'B' }]);
      const path = taken === 'a' ? 'ab:A' : 'ab:B'; // splitPathKey: the split, then the path's name
      expect(start.effects.map((e) => [e.stepId, e.splitPath])).toEqual([
        ['hello', undefined],
        [taken, path],
      ]);
      const [timer] = start.timersToSet;
      const later = advanceInstance(compiled, start.snapshot, {
        type: timer!.event,
        at: timer!.dueAt,
        facts: NO_FACTS,
        properties: {},
      });
      expect(later.effects.map((e) => [e.stepId, e.splitPath])).toEqual([['later', path]]);
      expect(later.splits).toEqual([]);
    }
  });
});
