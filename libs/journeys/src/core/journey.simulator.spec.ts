import { documentedExamples } from '../../../../test/support/journey-examples';
import { OPERATOR_TABLE, TABLE_CUSTOMER, TABLE_EVENT, TABLE_NOW } from '../../../../test/support/operator-table';
import { UNKNOWN_CUSTOMER as NO_FACTS } from '@kizuna/rules';
import { compileJourney, type CompiledJourney } from './journey.compiler';
import { simulateJourney, type PathEntry } from './journey.simulator';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const MIN = 60_000;
const H = 60 * MIN;
const at = (ms: number): string => new Date(ms).toISOString();
const options = { webhookHosts: [] };

async function example(name: string): Promise<CompiledJourney> {
  return compileJourney(documentedExamples().get(name), options);
}

describe('journey simulator', () => {
  it('cart abandonment: the documented journey follows the hand-written timeline', async () => {
    const path = simulateJourney(await example('Cart abandonment'), {
      customerUuid: 'c0ffee00-0000-4000-8000-000000000001',
      facts: NO_FACTS,
      events: [
        { name: 'checkout.started', properties: { cartId: 'A', total: 80 }, at: T0 },
        { name: 'checkout.started', properties: { cartId: 'B', total: 150 }, at: T0 + 10 * MIN },
        // Another cart's order: neither A nor B may leave for it.
        { name: 'order.placed', properties: { orderId: 'o-9', cartId: 'Z', total: 5 }, at: T0 + 2 * H },
        // The order for cart A while A waits for it (after its first reminder).
        { name: 'order.placed', properties: { orderId: 'o-1', cartId: 'A', total: 80 }, at: T0 + 3 * H },
      ],
    });
    const expected: PathEntry[] = [
      { at: at(T0), kind: 'entered', instanceKey: 'A', trigger: 'checkout.started', heldOut: false },
      { at: at(T0), kind: 'step', instanceKey: 'A', stepId: 'grace' },
      { at: at(T0 + 10 * MIN), kind: 'entered', instanceKey: 'B', trigger: 'checkout.started', heldOut: false },
      { at: at(T0 + 10 * MIN), kind: 'step', instanceKey: 'B', stepId: 'grace' },
      { at: at(T0 + H), kind: 'step', instanceKey: 'A', stepId: 'reminder-1' },
      message(T0 + H, 'A', 'reminder-1', 'cart-reminder-1'),
      { at: at(T0 + H), kind: 'step', instanceKey: 'A', stepId: 'wait-order' },
      { at: at(T0 + H + 10 * MIN), kind: 'step', instanceKey: 'B', stepId: 'reminder-1' },
      message(T0 + H + 10 * MIN, 'B', 'reminder-1', 'cart-reminder-1'),
      { at: at(T0 + H + 10 * MIN), kind: 'step', instanceKey: 'B', stepId: 'wait-order' },
      { at: at(T0 + 3 * H), kind: 'step', instanceKey: 'A', stepId: 'converted' },
      { at: at(T0 + 3 * H), kind: 'exited', instanceKey: 'A', reason: 'step:converted' },
      { at: at(T0 + 3 * H), kind: 'goal', instanceKey: 'A', event: 'order.placed' },
      // B never ordered: 24 h after its reminder, the bigger-cart reminder.
      { at: at(T0 + 25 * H + 10 * MIN), kind: 'step', instanceKey: 'B', stepId: 'big-cart' },
      { at: at(T0 + 25 * H + 10 * MIN), kind: 'step', instanceKey: 'B', stepId: 'reminder-discount' },
      message(T0 + 25 * H + 10 * MIN, 'B', 'reminder-discount', 'cart-reminder-discount'),
      { at: at(T0 + 25 * H + 10 * MIN), kind: 'exited', instanceKey: 'B', reason: 'completed' },
    ];
    expect(path).toEqual(expected);
  });

  it('cart abandonment: the order for the cart during the first hour exits at once, nothing is sent', async () => {
    const path = simulateJourney(await example('Cart abandonment'), {
      customerUuid: 'c0ffee00-0000-4000-8000-000000000002',
      facts: NO_FACTS,
      events: [
        { name: 'checkout.started', properties: { cartId: 'A', total: 80 }, at: T0 },
        { name: 'order.placed', properties: { orderId: 'o-1', cartId: 'A', total: 80 }, at: T0 + 20 * MIN },
      ],
    });
    expect(path).toEqual([
      { at: at(T0), kind: 'entered', instanceKey: 'A', trigger: 'checkout.started', heldOut: false },
      { at: at(T0), kind: 'step', instanceKey: 'A', stepId: 'grace' },
      { at: at(T0 + 20 * MIN), kind: 'exited', instanceKey: 'A', reason: 'event:order.placed' },
    ]);
  });

  it('renders subjects when a renderer is given', async () => {
    const path = simulateJourney(await example('Cart abandonment'), {
      customerUuid: 'c0ffee00-0000-4000-8000-000000000003',
      facts: NO_FACTS,
      events: [{ name: 'checkout.started', properties: { cartId: 'A', total: 80 }, at: T0 }],
      renderSubject: (template, payload) =>
        `${template} for cart ${String((payload.trigger as { properties: { cartId: string } }).properties.cartId)}`,
    });
    const subjects = path.flatMap((p) => (p.kind === 'message' ? [p.subject] : []));
    expect(subjects).toEqual(['cart-reminder-1 for cart A', 'cart-reminder-2 for cart A']);
  });
});

function message(ms: number, instanceKey: string, stepId: string, template: string): PathEntry {
  return {
    at: at(ms),
    kind: 'message',
    instanceKey,
    stepId,
    channel: 'email',
    template,
    category: 'marketing',
    suppressed: false,
  };
}

describe('journey simulator: the operator table through a branch', () => {
  // Every row of the table, written as a branch condition of a journey the probe event starts:
  // the path shows which way the simulator went. The same rows are checked against the rules
  // core (libs/rules) and segments, so a condition means the same wherever it is written.
  const rows = Object.entries(OPERATOR_TABLE).flatMap(([op, list]) =>
    list.map(([title, condition, holds]) => [`${op}: ${title}`, condition, holds] as const),
  );

  it.each(rows)('%s', async (_title, condition, holds) => {
    const compiled = await compileJourney(
      {
        name: 'probe',
        entry: { event: 'probe' },
        steps: [
          { id: 'decide', type: 'branch', branches: [{ when: condition, next: 'yes' }], otherwise: 'no' },
          { id: 'yes', type: 'exit' },
          { id: 'no', type: 'exit' },
        ],
      },
      options,
    );
    const path = simulateJourney(compiled, {
      customerUuid: 'c0ffee00-0000-4000-8000-0000000000aa',
      facts: TABLE_CUSTOMER,
      events: [{ name: 'probe', properties: TABLE_EVENT, at: TABLE_NOW }],
    });
    const steps = path.flatMap((p) => (p.kind === 'step' ? [p.stepId] : []));
    expect(steps).toEqual(['decide', holds ? 'yes' : 'no']);
  });
});
