import { Role } from '@kizuna/auth';
import { VirtualClock } from '../libs/common/src/clock';
import { SegmentEvaluationJobs } from '@kizuna/segments';
import { startTestApp, waitFor, waitForInboxDrained, type TestApp } from './support/test-app';

const DAY = 86_400_000;

interface SegmentBody {
  id: string;
  key: string;
  ready: boolean;
}

/**
 * Segments on the real app and worker: membership follows events at once, and follows time
 * through per-customer due times (driven here by a virtual clock, not by waiting).
 */
describe('segments', () => {
  let t: TestApp;
  let marketer: string;
  let ingest: string;
  const clock = new VirtualClock(new Date());
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    marketer = await t.keyFor(Role.Marketer);
    ingest = await t.keyFor(Role.Ingest);
  });
  afterAll(() => t.close());

  const api = async <T>(
    method: string,
    path: string,
    body?: unknown,
    key = marketer,
  ): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (res.status === 204 ? undefined : await res.json()) as T };
  };

  const order = async (customerId: string, at: Date): Promise<void> => {
    n++;
    const res = await api(
      'POST',
      '/v1/events',
      {
        name: 'order.placed',
        customerId,
        messageId: `order-${n}-${customerId}`,
        timestamp: at.toISOString(),
        properties: { orderId: `o-${n}`, total: 10, currency: 'USD' },
      },
      ingest,
    );
    expect(res.status).toBe(202);
  };

  const processed = () => waitForInboxDrained(t);

  const createSegment = async (key: string, rule: unknown): Promise<SegmentBody> => {
    const created = await api<SegmentBody>('POST', '/v1/segments', { key, name: key, rule });
    expect(created.status).toBe(201);
    await waitFor(async () =>
      (await api<{ ready: boolean }>('GET', `/v1/segments/${created.body.id}/count`)).body.ready ? true : undefined,
    );
    return created.body;
  };

  const entered = async (segmentId: string, customerId: string): Promise<number> => {
    const rows = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE name = 'segment.entered' AND customer_id = $1 AND properties->>'segmentId' = $2`,
      [customerId, segmentId],
    );
    return rows[0]!.n;
  };

  it('rejects an invalid rule with the path of the problem, and a duplicate key', async () => {
    const bad = await api<{ code: string; message: string }>('POST', '/v1/segments', {
      key: 'bad',
      name: 'bad',
      rule: { field: 'stats.lastOrderAt', op: 'notWithin', value: '90 days' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('ISO-8601 duration');
    expect(await t.db.query('SELECT 1 FROM segments')).toEqual([]);
    await createSegment('dup', { field: 'locale', op: 'eq', value: 'ja' });
    expect(
      (await api('POST', '/v1/segments', { key: 'dup', name: 'x', rule: { field: 'locale', op: 'eq', value: 'ja' } }))
        .status,
    ).toBe(409);
  });

  it('counts existing customers when created, silently, then follows events and announces entries', async () => {
    await order('early-1', clock.now());
    await order('early-1', clock.now());
    await order('early-2', clock.now());
    await processed();
    const repeat = await createSegment('repeat-buyers', { field: 'stats.ordersCount', op: 'gte', value: 2 });
    expect((await api<{ count: number }>('GET', `/v1/segments/${repeat.id}/count`)).body.count).toBe(1);
    expect(await entered(repeat.id, 'early-1')).toBe(0); // existing members are not "entries"

    await order('early-2', clock.now());
    await processed();
    await waitFor(async () => ((await entered(repeat.id, 'early-2')) === 1 ? true : undefined));
    const members = await api<{ members: Array<{ customerId: string }> }>('GET', `/v1/segments/${repeat.id}/members`);
    expect(members.body.members.map((m) => m.customerId).sort()).toEqual(['early-1', 'early-2']);
  });

  it('previews an unsaved rule against existing customers', async () => {
    const preview = await api<{ evaluated: number; matched: number; sample: Array<{ customerId: string }> }>(
      'POST',
      '/v1/segments/preview',
      {
        rule: { field: 'stats.ordersCount', op: 'eq', value: 1 },
      },
    );
    expect(preview.status).toBe(200);
    expect(preview.body.matched).toBe(0);
    expect(preview.body.evaluated).toBeGreaterThanOrEqual(2);
  });

  it('a dormant customer enters exactly once at the crossing, and a purchase before it moves the crossing', async () => {
    const dormant = await createSegment('dormant-30d', {
      all: [
        { field: 'stats.ordersCount', op: 'gte', value: 1 },
        { field: 'stats.lastOrderAt', op: 'notWithin', value: 'P30D' },
      ],
    });
    const jobs = t.app.get(SegmentEvaluationJobs);
    const start = clock.now();
    await order('sleepy', start);
    await processed();
    const due = async () =>
      (
        await t.db.query<{ due_at: Date }>(
          `SELECT r.due_at FROM segment_rechecks r JOIN customers c ON c.id = r.customer_uuid WHERE c.customer_id = 'sleepy' AND r.segment_id = $1`,
          [dormant.id],
        )
      )[0]?.due_at.getTime();
    expect(await due()).toBe(start.getTime() + 30 * DAY + 1);

    clock.set(new Date(start.getTime() + 20 * DAY));
    await order('sleepy', clock.now()); // buys again before the crossing
    await processed();
    expect(await due()).toBe(start.getTime() + 50 * DAY + 1);

    clock.set(new Date(start.getTime() + 31 * DAY)); // the old crossing: nothing happens
    await jobs.runDueRechecks();
    expect(await entered(dormant.id, 'sleepy')).toBe(0);

    clock.set(new Date(start.getTime() + 50 * DAY + 1)); // the new crossing
    await jobs.runDueRechecks();
    await jobs.runDueRechecks();
    expect(await entered(dormant.id, 'sleepy')).toBe(1);
    expect(await due()).toBeUndefined(); // no more rechecks until the next purchase

    clock.set(new Date(start.getTime() + 60 * DAY));
    await order('sleepy', clock.now()); // back: leaves the segment, announced once
    await processed();
    const exits = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE name = 'segment.exited' AND customer_id = 'sleepy' AND properties->>'segmentId' = $1`,
      [dormant.id],
    );
    const members = await api<{ members: Array<{ customerId: string }> }>('GET', `/v1/segments/${dormant.id}/members`);
    expect(members.body.members.map((m) => m.customerId)).not.toContain('sleepy');
    expect(exits[0]!.n).toBe(1);
    expect(await entered(dormant.id, 'sleepy')).toBe(1);
  });

  it('archives a segment: gone from the list and its rechecks dropped', async () => {
    const temp = await createSegment('temp', { field: 'stats.lastOrderAt', op: 'within', value: 'P7D' });
    expect((await api('DELETE', `/v1/segments/${temp.id}`)).status).toBe(204);
    expect((await api('GET', `/v1/segments/${temp.id}`)).status).toBe(404);
    expect(await t.db.query('SELECT 1 FROM segment_rechecks WHERE segment_id = $1', [temp.id])).toEqual([]);
  });
});
