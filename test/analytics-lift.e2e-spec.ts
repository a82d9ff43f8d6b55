import { randomUUID } from 'node:crypto';
import { Role } from '@kizuna/auth';
import { SplitVerdictsService } from '@kizuna/journeys';
import { DataSource } from 'typeorm';
import { VirtualClock } from '../libs/common/src/clock';
import type { EntryFactChange } from '../libs/journeys/src/core/entry-facts';
import { stableFraction } from '../libs/journeys/src/core/condition.util';
import { JourneyEntryRepository } from '../libs/journeys/src/shell/journey-entry.repository';
import { startTestApp, waitFor, type TestApp } from './support/test-app';
import { publishJourney } from './support/worker-process';

const H = 3_600_000;
const DAY = 24 * H;

/**
 * Holdout lift and A/B tests end to end (docs/analytics.md, "Lift", "A/B tests"): customers
 * enter through ingest and the real engine on a virtual clock, in a Tokyo shop; the reports are
 * read over HTTP; every figure is checked against arithmetic written out here. The textbook
 * examples are too large to run event by event, so their entries are stored through the
 * engine's own entry repository (the statement the worker uses).
 */
describe('journey lift and A/B tests', () => {
  let t: TestApp;
  let marketer: string;
  let ops: string;
  let ingestKey: string;
  // 2026-03-02 12:00 in Tokyo (UTC+9).
  const T0 = Date.parse('2026-03-02T03:00:00Z');
  const clock = new VirtualClock(new Date(T0 - H));

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { SHOP_TIMEZONE: 'Asia/Tokyo', SHOP_CURRENCY: 'USD', JOURNEY_ENTRY_MAX_AGE: 'P7D' },
    });
    marketer = await t.keyFor(Role.Marketer);
    ops = await t.keyFor(Role.Ops);
    ingestKey = await t.keyFor(Role.Ingest);
  });
  afterAll(() => t?.close());

  const get = async <T>(path: string, key = marketer): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: (await res.json()) as T };
  };

  let sent = 0;
  /** Posts events through ingest at the clock's time (or their own), and waits until the worker applied them. */
  const post = async (
    events: Array<{ customerId: string; name: string; at?: number; properties?: Record<string, unknown> }>,
  ): Promise<void> => {
    for (const e of events) {
      const res = await fetch(`${t.baseUrl}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          messageId: `lift-${++sent}`,
          name: e.name,
          customerId: e.customerId,
          timestamp: new Date(e.at ?? clock.now().getTime()).toISOString(),
          properties: e.properties ?? {},
        }),
      });
      expect(res.status).toBe(202);
    }
    await waitFor(
      async () => {
        const [row] = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM events WHERE processed_at IS NULL`,
        );
        return row!.n === 0 ? true : undefined;
      },
      15_000,
      'the inbox to drain',
    );
    const [failed] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE processing_error IS NOT NULL`,
    );
    expect(failed!.n).toBe(0);
  };

  /** A customer row whose uuid puts them where the test wants them (held out or not, split bucket). */
  const customerWhere = async (customerId: string, wanted: (uuid: string) => boolean): Promise<string> => {
    let uuid = randomUUID();
    while (!wanted(uuid)) {
      uuid = randomUUID();
    }
    await t.db.query(`INSERT INTO customers (id, customer_id) VALUES ($1, $2)`, [uuid, customerId]);
    return uuid;
  };

  interface Group {
    entrants: number;
    converted: number;
    rate: { numerator: number; denominator: number; value: number | null };
    revenue: number;
  }
  interface Estimate {
    value: number;
    interval: { low: number; high: number };
  }
  interface Lift {
    status: string;
    holdout: number | null;
    goalWithin: string | null;
    asOf: string;
    countedThrough: string | null;
    inProgress: number;
    treated: Group;
    control: Group;
    moreEntrantsNeeded: number | null;
    absoluteLift: Estimate | null;
    relativeLift: Estimate | null;
    pValue: number | null;
    significant: boolean | null;
    incrementalConversions: Estimate | null;
    incrementalRevenue: Estimate | null;
    entriesPerCustomer: number | null;
  }
  interface Path extends Group {
    path: string;
    inProgress: number;
    vsControl: { absoluteLift: Estimate; relativeLift: Estimate | null; pValue: number; significant: boolean } | null;
  }
  interface Splits {
    splits: Array<{
      stepId: string;
      autoWinner: boolean;
      winner: string | null;
      declaredAt: string | null;
      status: string;
      moreEntrantsNeeded: number | null;
      paths: Path[];
    }>;
  }

  it('holdout lift through the real engine: windows, refunds, duplicates, currencies, in progress, the Tokyo day', async () => {
    const journeyId = await publishJourney(t.db, {
      name: 'welcome',
      entry: { event: 'signed.up' },
      holdout: 0.5,
      goal: { event: 'order.placed', within: 'P2D' },
      steps: [{ id: 'hello', type: 'send', template: 'hello', category: 'marketing' }],
    });
    const heldOut = (uuid: string) => stableFraction(uuid, journeyId, 'holdout') < 0.5;
    const treatedIds = ['t1', 't2', 't3', 't4', 't5'];
    const controlIds = ['c1', 'c2', 'c3', 'c4'];
    for (const id of treatedIds) {
      await customerWhere(id, (uuid) => !heldOut(uuid));
    }
    for (const id of controlIds) {
      await customerWhere(id, heldOut);
    }

    // Entries: six at T0 (12:00 on 2 March in Tokyo); c4 at 23:59 Tokyo time on 2 March (14:59 UTC),
    // t5 a minute later, 00:00 on 3 March in Tokyo (still 2 March in UTC).
    clock.set(new Date(T0));
    await post(['t1', 't2', 't3', 'c1', 'c2', 'c3'].map((customerId) => ({ customerId, name: 'signed.up' })));
    clock.set(new Date('2026-03-02T14:59:00Z'));
    await post([{ customerId: 'c4', name: 'signed.up' }]);
    clock.set(new Date('2026-03-02T15:00:00Z'));
    await post([{ customerId: 't5', name: 'signed.up' }]);

    const order = (customerId: string, orderId: string, total: number, at: number, currency = 'USD') => ({
      customerId,
      name: 'order.placed',
      at,
      properties: { orderId, total, currency },
    });
    // t1: 100 an hour after entry, 30 of it refunded. t3: an order in yen (converts, no shop revenue).
    // c1: 40 a day after entry, the same order id again (999: ignored, the first one counts).
    clock.set(new Date(T0 + DAY));
    await post([
      order('t1', 'o1', 100, T0 + H),
      { customerId: 't1', name: 'order.refunded', at: T0 + 3 * H, properties: { orderId: 'o1', total: 30 } },
      order('t3', 'o3', 5000, T0 + DAY, 'JPY'),
      order('c1', 'o4', 40, T0 + DAY),
      order('c1', 'o4', 999, T0 + DAY),
    ]);

    // Before any window has passed: nothing counted, everything in progress; nobody has
    // converted among counted entrants, so the horizon is planned from the fallback 2%:
    // 2% → 2.4%, r = 1: p̄ = 0.022; 1.959964 · √(0.022 · 0.978 · 2) = 0.406578;
    // 0.841621 · √(0.02 · 0.98 + 0.024 · 0.976) = 0.174571; ((0.406578 + 0.174571) / 0.004)² = 21108.4
    // → 21,109 per group; each group gets half of the entrants: 21,109 / 0.5 = 42,218 more.
    const early = await get<Lift>(`/v1/analytics/journeys/${journeyId}/lift?from=2026-03-01&to=2026-03-05`);
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({
      status: 'not-enough-data',
      holdout: 0.5,
      goalWithin: 'P2D',
      inProgress: 8,
      treated: { entrants: 0, converted: 0, revenue: 0, rate: { numerator: 0, denominator: 0, value: null } },
      control: { entrants: 0, converted: 0, revenue: 0 },
      moreEntrantsNeeded: 42_218,
      absoluteLift: null,
      pValue: null,
      significant: null,
    });

    // c2 orders 20 at exactly the end of the window (T0 + 2 days: inside, the window is closed);
    // t4 enters on 4 March; t2 orders 50 three days after entry (outside its window).
    clock.set(new Date(T0 + 2 * DAY));
    await post([order('c2', 'o5', 20, T0 + 2 * DAY), { customerId: 't4', name: 'signed.up' }]);
    clock.set(new Date(T0 + 3 * DAY));
    await post([order('t2', 'o2', 50, T0 + 3 * DAY)]);
    clock.set(new Date('2026-03-05T06:00:00Z')); // 15:00 on 5 March in Tokyo

    // As of 2026-03-05T06:00Z, a Tokyo day d counts when end of d + 2 days has passed: 2 March
    // ends 2 March 15:00 UTC, + 2 days = 4 March 15:00 UTC ≤ now: counted. 3 March ends
    // 3 March 15:00 UTC, + 2 days = 5 March 15:00 UTC > now: in progress (t5), and so is 4 March (t4).
    // (In UTC t5's entry would have been on 2 March, and counted.)
    // Treated, counted: t1, t2, t3. Converted: t1 (order at +1 h), t3 (yen order at +1 day); t2's
    // order came after its window. Revenue: t1 100 − 30 = 70; t3's yen are not shop currency; t2's
    // order is outside the window → 70.
    // Control, counted: c1, c2, c3, c4. Converted: c1 (+1 day), c2 (at the window's end) → 2;
    // revenue 40 (o4 once) + 20 = 60.
    // Pooled rate 4/7 = 0.571429, planned to detect 0.571429 → 0.685714 with r = 1:
    // p̄ = 0.628571; 1.959964 · √(0.628571 · 0.371429 · 2) = 1.339301;
    // 0.841621 · √(0.571429 · 0.428571 + 0.685714 · 0.314286) = 0.571068;
    // m = ((1.339301 + 0.571068) / 0.114286)² = 279.42 → 280 per group.
    // Missing: control (280 − 4) / 0.5 = 552, treated (280 − 3) / 0.5 = 554 → 554 more entrants.
    const lift = await get<Lift>(`/v1/analytics/journeys/${journeyId}/lift?from=2026-03-01&to=2026-03-05`, ops);
    expect(lift.status).toBe(200);
    expect(lift.body).toEqual({
      journeyId,
      status: 'not-enough-data',
      holdout: 0.5,
      goalWithin: 'P2D',
      asOf: '2026-03-05T06:00:00.000Z',
      from: '2026-03-01',
      to: '2026-03-05',
      countedThrough: '2026-03-02',
      inProgress: 2,
      treated: { entrants: 3, converted: 2, rate: { numerator: 2, denominator: 3, value: 2 / 3 }, revenue: 70 },
      control: { entrants: 4, converted: 2, rate: { numerator: 2, denominator: 4, value: 0.5 }, revenue: 60 },
      moreEntrantsNeeded: 554,
      absoluteLift: null,
      relativeLift: null,
      pValue: null,
      significant: null,
      incrementalConversions: null,
      incrementalRevenue: null,
      // Nine customers, one entry each.
      entriesPerCustomer: 1,
    });
    // The held-out were recorded and never messaged; every treated entrant got the message.
    const messaged = await t.db.query<{ customer_id: string }>(
      `SELECT c.customer_id FROM outbox_messages o JOIN customers c ON c.id = o.customer_uuid
        WHERE o.journey_id = $1 ORDER BY c.customer_id`,
      [journeyId],
    );
    expect(messaged.map((m) => m.customer_id)).toEqual(treatedIds);

    // A period that ends before the counted day has nothing counted and nothing in progress.
    const before = await get<Lift>(`/v1/analytics/journeys/${journeyId}/lift?from=2026-02-01&to=2026-03-01`);
    expect(before.body).toMatchObject({ inProgress: 0, treated: { entrants: 0 }, control: { entrants: 0 } });
  });

  /** Stores entries through the engine's entry repository, as the worker's batch does. */
  const storeEntries = async (facts: EntryFactChange[]): Promise<void> => {
    const entries = t.app.get(JourneyEntryRepository);
    const dataSource = t.app.get(DataSource);
    for (let i = 0; i < facts.length; i += 10_000) {
      await dataSource.transaction((tx) =>
        entries.record(tx, facts.slice(i, i + 10_000), [], { timeZone: 'Asia/Tokyo', currency: 'USD' }),
      );
    }
  };
  const newCustomers = async (prefix: string, n: number): Promise<string[]> => {
    const rows = await t.db.query<{ id: string }>(
      `INSERT INTO customers (customer_id) SELECT $1 || g FROM generate_series(1, $2::int) g RETURNING id`,
      [prefix, n],
    );
    return rows.map((r) => r.id);
  };

  it('reproduces the OpenIntro mammogram example (§6.2.3): Z = −0.17, p ≈ 0.87, not significant', async () => {
    const journeyId = await publishJourney(t.db, {
      name: 'mammogram',
      entry: { event: 'screened' },
      holdout: 0.5,
      goal: { event: 'died', within: 'P7D' },
      steps: [{ id: 'invite', type: 'send', template: 'invite', category: 'marketing' }],
    });
    // Treated: 500 of 44,425 (mammograms); control: 505 of 44,405. All entered on 10 February.
    const treated = await newCustomers('mt-', 44_425);
    const control = await newCustomers('mc-', 44_405);
    const enteredAt = Date.parse('2026-02-10T03:00:00Z');
    const fact = (customerUuid: string, heldOut: boolean, converted: boolean): EntryFactChange => ({
      customerUuid,
      instanceId: randomUUID(),
      entryCount: 1,
      journeyId,
      entered: { heldOut, enteredAt, windowMs: 7 * DAY },
      splits: {},
      ...(converted ? { goalAt: enteredAt + DAY } : {}),
    });
    await storeEntries([
      ...treated.map((uuid, i) => fact(uuid, false, i < 500)),
      ...control.map((uuid, i) => fact(uuid, true, i < 505)),
    ]);
    // Horizon: pooled 1005 / 88830 = 0.0113137 → 0.0135765 (r = 1): p̄ = 0.0124451;
    // 1.959964 · √(0.0124451 · 0.9875549 · 2) = 0.307286; 0.841621 · √(0.0113137 · 0.9886863 +
    // 0.0135765 · 0.9864235) = 0.131944; m = ((0.307286 + 0.131944) / 0.0022627)² = 37,680.1 → 37,681,
    // reached by both groups.
    // z: SE = √(0.0113137 · 0.9886863 · (1/44425 + 1/44405)) = 0.00070971;
    //    z = (0.0112549 − 0.0113726) / 0.00070971 = −0.16580; p = 2 · Φ(−0.16580) = 0.86832.
    // Newcombe: Wilson 500/44425 = [0.0103154, 0.0122790], 505/44405 = [0.0104278, 0.0124020];
    //    −0.00011767 − √(0.0009395² + 0.0010294²) = −0.0015114; −0.00011767 + √(0.0010241² + 0.0009448²) = 0.0012757.
    // Katz: ratio 0.989653, SE(ln) = √(1/500 − 1/44425 + 1/505 − 1/44405) = 0.0627309;
    //    · 1.959964 = 0.122950; 0.989653 · e^∓0.122950 − 1 = −0.124842 and 0.119128.
    // Incremental conversions: −0.00011767 · 44,425 = −5.2275.
    const { body } = await get<Lift>(`/v1/analytics/journeys/${journeyId}/lift?from=2026-02-01&to=2026-02-28`);
    expect(body.status).toBe('ready');
    expect(body.treated).toEqual({
      entrants: 44_425,
      converted: 500,
      rate: { numerator: 500, denominator: 44_425, value: 500 / 44_425 },
      revenue: 0,
    });
    expect(body.control).toMatchObject({ entrants: 44_405, converted: 505 });
    expect(body.pValue).toBeCloseTo(0.86832, 4);
    expect(body.significant).toBe(false);
    expect(body.absoluteLift!.value).toBeCloseTo(-0.00011767, 7);
    expect(body.absoluteLift!.interval.low).toBeCloseTo(-0.0015114, 6);
    expect(body.absoluteLift!.interval.high).toBeCloseTo(0.0012757, 6);
    expect(body.relativeLift!.value).toBeCloseTo(-0.010347, 5);
    expect(body.relativeLift!.interval.low).toBeCloseTo(-0.124842, 5);
    expect(body.relativeLift!.interval.high).toBeCloseTo(0.119128, 5);
    expect(body.incrementalConversions!.value).toBeCloseTo(-5.2275, 3);
    // Nobody spent anything: no incremental revenue, with a zero-width interval.
    expect(body.incrementalRevenue).toEqual({ value: 0, interval: { low: 0, high: 0 } });
    expect(body.moreEntrantsNeeded).toBeNull();
  }, 120_000);

  it('an A/B split: per-path figures, the winner recorded once, and autoWinner sending new entrants to it', async () => {
    const journeyId = await publishJourney(t.db, {
      name: 'subject test',
      entry: { event: 'browsed' },
      goal: { event: 'order.placed', within: 'P1D' },
      steps: [
        {
          id: 'ab',
          type: 'split',
          autoWinner: true,
          paths: [
            { weight: 1, next: 'plain' },
            { weight: 1, next: 'bold' },
          ],
        },
        { id: 'plain', type: 'send', template: 'plain', category: 'marketing' },
        { id: 'bold', type: 'send', template: 'bold', category: 'marketing' },
      ],
    });
    // Path A (the control): 400 of 4,000 converted, each spending 10; path B: 520 of 4,000.
    const a = await newCustomers('pa-', 4000);
    const b = await newCustomers('pb-', 4000);
    const enteredAt = Date.parse('2026-02-20T03:00:00Z');
    const fact = (customerUuid: string, path: string, converted: boolean): EntryFactChange => ({
      customerUuid,
      instanceId: randomUUID(),
      entryCount: 1,
      journeyId,
      entered: { heldOut: false, enteredAt, windowMs: DAY },
      splits: { ab: path },
      ...(converted ? { goalAt: enteredAt + H } : {}),
    });
    await storeEntries([...a.map((u, i) => fact(u, 'A', i < 400)), ...b.map((u, i) => fact(u, 'B', i < 520))]);

    // Before the verdict: a customer whose bucket is A enters through the engine and takes A.
    const bucket = (uuid: string) => stableFraction(uuid, journeyId, 'ab');
    await customerWhere('ab-early', (uuid) => bucket(uuid) < 0.5);
    await post([{ customerId: 'ab-early', name: 'browsed' }]);

    // One comparison, at 95%. Horizon: pooled 920/8000 = 0.115 → 0.138 (r = 1): p̄ = 0.1265;
    // 1.959964 · √(0.1265 · 0.8735 · 2) = 0.921382; 0.841621 · √(0.115 · 0.885 + 0.138 · 0.862) = 0.395411;
    // m = ((0.921382 + 0.395411) / 0.023)² = 3277.8 → 3,278 per path, reached.
    // z = (0.13 − 0.10) / √(0.115 · 0.885 · 2/4000) = 0.03 / 0.0071335 = 4.2055; p = 2 · Φ(−4.2055) = 2.605e-5.
    // Newcombe: Wilson 520/4000 = [0.1199320, 0.1407780], 400/4000 = [0.0910834, 0.1096842];
    //    0.03 − √(0.0100680² + 0.0096842²) = 0.0160305; 0.03 + √(0.0107780² + 0.0089166²) = 0.0439883.
    // Winner: B, significantly better than the control.
    const { body } = await get<Splits>(`/v1/analytics/journeys/${journeyId}/splits?from=2026-02-01&to=2026-03-10`);
    expect(body.splits).toHaveLength(1);
    const [split] = body.splits;
    expect(split).toMatchObject({
      stepId: 'ab',
      autoWinner: true,
      winner: null,
      declaredAt: null,
      status: 'ready',
      moreEntrantsNeeded: null,
    });
    expect(split!.paths.map((p) => [p.path, p.entrants, p.converted, p.rate.value, p.inProgress, p.vsControl])).toEqual(
      [
        ['A', 4000, 400, 0.1, 1, null],
        ['B', 4000, 520, 0.13, 0, expect.objectContaining({ significant: true })],
      ],
    );
    const versus = split!.paths[1]!.vsControl!;
    expect(versus.absoluteLift.value).toBeCloseTo(0.03, 10);
    expect(versus.absoluteLift.interval.low).toBeCloseTo(0.0160305, 6);
    expect(versus.absoluteLift.interval.high).toBeCloseTo(0.0439883, 6);
    expect(versus.pValue).toBeCloseTo(2.605e-5, 8);
    // Relative: 0.13 / 0.1 − 1 = 0.3.
    expect(versus.relativeLift!.value).toBeCloseTo(0.3, 10);

    // The verdict job records B once; a second run changes nothing.
    const verdicts = t.app.get(SplitVerdictsService);
    expect(await verdicts.declareDue()).toBe(1);
    expect(await verdicts.declareDue()).toBe(0);
    const after = await get<Splits>(`/v1/analytics/journeys/${journeyId}/splits?from=2026-02-01&to=2026-03-10`);
    expect(after.body.splits[0]).toMatchObject({ winner: 'B', declaredAt: clock.now().toISOString() });

    // autoWinner: a new customer whose bucket is A now takes B.
    await customerWhere('ab-late', (uuid) => bucket(uuid) < 0.5);
    await post([{ customerId: 'ab-late', name: 'browsed' }]);
    const taken = await t.db.query<{ customer_id: string; reason: string; split_path: string; template_key: string }>(
      `SELECT c.customer_id, h.reason, i.split_path, o.template_key
         FROM journey_instance_history h
         JOIN customers c ON c.id = h.customer_uuid
         JOIN journey_instances i ON i.customer_uuid = h.customer_uuid AND i.id = h.instance_id
         JOIN outbox_messages o ON o.customer_uuid = h.customer_uuid AND o.journey_id = h.journey_id
        WHERE h.journey_id = $1 AND h.kind = 'split' ORDER BY c.customer_id`,
      [journeyId],
    );
    expect(taken).toEqual([
      { customer_id: 'ab-early', reason: 'A', split_path: 'A', template_key: 'plain' },
      { customer_id: 'ab-late', reason: 'B', split_path: 'B', template_key: 'bold' },
    ]);
  }, 120_000);

  it('says what is wrong with a request: 400 naming the parameter, 404 for an unknown journey', async () => {
    const journeyId = await publishJourney(t.db, {
      name: 'no goal',
      entry: { event: 'x' },
      holdout: 0.1,
      steps: [{ id: 'hello', type: 'send', template: 'hello', category: 'marketing' }],
    });
    const bad = await get<{ message: string }>(`/v1/analytics/journeys/${journeyId}/lift?from=2026-13-01`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('from');
    const backwards = await get<{ message: string }>(
      `/v1/analytics/journeys/${journeyId}/splits?from=2026-03-02&to=2026-03-01`,
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.message).toContain('from: must be on or before `to`');
    const extra = await get<{ message: string }>(`/v1/analytics/journeys/${journeyId}/lift?since=2026-03-01`);
    expect(extra.status).toBe(400);
    expect((await get(`/v1/analytics/journeys/${randomUUID()}/lift`)).status).toBe(404);
    expect((await get(`/v1/analytics/journeys/not-a-uuid/splits`)).status).toBe(404);
    const noGoal = await get<Lift>(`/v1/analytics/journeys/${journeyId}/lift`);
    expect(noGoal.body).toMatchObject({ status: 'no-goal', holdout: 0.1, goalWithin: null, pValue: null });
    expect((await get(`/v1/analytics/journeys/${journeyId}/lift`, ingestKey)).status).toBe(403);
  });
});
