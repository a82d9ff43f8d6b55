import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Role } from '@kizuna/auth';
import { documentedExamples } from './support/journey-examples';
import { createEmailTemplates, EXAMPLE_TEMPLATE_KEYS } from './support/email-templates';
import { startTestApp, TEST_ADMIN_KEY, waitFor, type TestApp } from './support/test-app';

/** The journeys admin API and the engine behind it, on the real app (api + worker) and PostgreSQL. */

interface JourneyBody {
  id: string;
  name: string;
  status: string;
  activeVersion: number | null;
  versions: Array<{ version: number; publishedAt: string | null; definition: { name: string } }>;
}

const shortJourney = {
  name: 'Quick reminder',
  entry: { event: 'checkout.started', key: 'cartId' },
  exit: [{ event: 'order.placed', sameKey: 'cartId' }],
  goal: { event: 'order.placed', sameKey: 'cartId', within: 'P1D' },
  steps: [
    { id: 'grace', type: 'wait', duration: 'PT1S', next: 'remind' },
    { id: 'remind', type: 'send', template: 'cart-reminder-1', category: 'marketing' },
  ],
};

describe('journeys API', () => {
  let t: TestApp;
  let key: string;
  let ingestKey: string;
  let messages = 0;

  const call = async <T>(method: string, url: string, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(`${t.baseUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  const ingest = async (event: Record<string, unknown>) => {
    const res = await fetch(`${t.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messageId: `m-${++messages}`, ...event }),
    });
    if (res.status !== 202) {
      throw new Error(`ingest refused: ${res.status} ${await res.text()}`);
    }
  };

  beforeAll(async () => {
    t = await startTestApp();
    key = await t.keyFor(Role.Marketer);
    await createEmailTemplates(t.baseUrl, key, EXAMPLE_TEMPLATE_KEYS);
    ingestKey = await t.keyFor(Role.Ingest);
  });
  afterAll(() => t.close());

  it('rejects an invalid definition with an error pointing at the step, and saves nothing', async () => {
    const bad = { ...shortJourney, steps: [{ ...shortJourney.steps[0], duration: '1 hour' }, shortJourney.steps[1]] };
    const res = await call<{ code: string; message: string; details: { issues: Array<{ path: string }> } }>(
      'POST',
      '/v1/journeys',
      bad,
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_JOURNEY_DEFINITION');
    expect(res.body.message).toContain('steps[0].duration: invalid duration "1 hour"');
    expect(res.body.details.issues.map((i) => i.path)).toEqual(['steps[0].duration']);
    expect(await t.db.query('SELECT * FROM journeys')).toEqual([]);
    expect(await t.db.query('SELECT * FROM journey_versions')).toEqual([]);
  });

  it('rejects a send step whose template does not exist, naming the step', async () => {
    const bad = {
      ...shortJourney,
      steps: [shortJourney.steps[0], { ...shortJourney.steps[1], template: 'no-such-template' }],
    };
    const res = await call<{ code: string; message: string; details: { issues: Array<{ path: string }> } }>(
      'POST',
      '/v1/journeys',
      bad,
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('no-such-template');
    expect(res.body.details.issues.map((i) => i.path)).toEqual(['steps[1].template']);
    expect(await t.db.query('SELECT * FROM journeys')).toEqual([]);
  });

  it('serves the JSON Schema of the format', async () => {
    const res = await call<{ type: string; properties: Record<string, unknown> }>('GET', '/v1/journeys/schema');
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('object');
    expect(Object.keys(res.body.properties)).toEqual(
      expect.arrayContaining(['entry', 'steps', 'exit', 'goal', 'reentry']),
    );
  });

  it('accepts YAML, and validates without saving', async () => {
    // The documented cart-abandonment example (docs/journeys.md has others before it).
    const yaml = readFileSync(path.resolve(__dirname, '../docs/journeys.md'), 'utf8').match(
      /```yaml\n(name: Cart abandonment\n[\s\S]*?)```/,
    )![1]!;
    const res = await call<{ valid: boolean; definition: { name: string } }>(
      'POST',
      '/v1/journeys/validate',
      yaml,
      'application/yaml',
    );
    expect(res.status).toBe(200);
    expect(res.body.definition.name).toBe('Cart abandonment');
    const broken = await call<{ code: string; message: string }>(
      'POST',
      '/v1/journeys/validate',
      'name: [',
      'application/yaml',
    );
    expect(broken.status).toBe(400);
    expect(broken.body.message).toContain('not valid YAML');
    expect(await t.db.query('SELECT * FROM journeys')).toEqual([]);
  });

  it('lifecycle: draft -> active (version immutable) -> paused -> active -> archived', async () => {
    const created = await call<JourneyBody>('POST', '/v1/journeys', documentedExamples().get('Win-back'));
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('draft');
    const id = created.body.id;
    expect((await call<{ code: string }>('POST', `/v1/journeys/${id}/pause`)).body.code).toBe(
      'INVALID_JOURNEY_LIFECYCLE_TRANSITION',
    );
    const published = await call<JourneyBody>('POST', `/v1/journeys/${id}/publish`, {});
    expect(published.body).toMatchObject({ status: 'active', activeVersion: 1 });
    await expect(
      t.db.query(`UPDATE journey_versions SET definition = '{}' WHERE journey_id = $1`, [id]),
    ).rejects.toThrow(/published and cannot change/);
    const edited = await call<JourneyBody>('PUT', `/v1/journeys/${id}`, {
      ...(documentedExamples().get('Win-back') as object),
      name: 'Win-back v2',
    });
    expect(edited.body.versions.map((v) => [v.version, v.publishedAt !== null])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(edited.body.activeVersion).toBe(1);
    expect((await call<JourneyBody>('POST', `/v1/journeys/${id}/pause`)).body.status).toBe('paused');
    expect((await call<JourneyBody>('POST', `/v1/journeys/${id}/resume`)).body.status).toBe('active');
    expect((await call<JourneyBody>('POST', `/v1/journeys/${id}/archive`)).body.status).toBe('archived');
    const listed = await call<{ journeys: Array<{ id: string; name: string; status: string }> }>('GET', '/v1/journeys');
    expect(listed.body.journeys.find((j) => j.id === id)).toMatchObject({ name: 'Win-back v2', status: 'archived' });
    expect((await call<{ code: string }>('POST', `/v1/journeys/${id}/resume`)).status).toBe(409);
    expect((await call<{ code: string }>('GET', '/v1/journeys/not-a-uuid')).status).toBe(404);
  });

  it('simulates the cart abandonment journey without writing anything', async () => {
    const created = await call<JourneyBody>('POST', '/v1/journeys', documentedExamples().get('Cart abandonment'));
    const before = await t.db.query(
      'SELECT (SELECT count(*) FROM journey_instances) AS i, (SELECT count(*) FROM outbox_messages) AS o',
    );
    const res = await call<{
      version: number;
      path: Array<{ at: string; kind: string; stepId?: string; reason?: string }>;
    }>('POST', `/v1/journeys/${created.body.id}/simulate`, {
      events: [
        { name: 'checkout.started', at: '2026-03-02T09:00:00Z', properties: { cartId: 'A', total: 80 } },
        { name: 'order.placed', at: '2026-03-02T12:00:00Z', properties: { cartId: 'A', orderId: 'o1' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.path.map((p) => `${p.at} ${p.kind} ${p.stepId ?? p.reason ?? ''}`.trim())).toEqual([
      '2026-03-02T09:00:00.000Z entered',
      '2026-03-02T09:00:00.000Z step grace',
      '2026-03-02T10:00:00.000Z step reminder-1',
      '2026-03-02T10:00:00.000Z message reminder-1',
      '2026-03-02T10:00:00.000Z step wait-order',
      '2026-03-02T12:00:00.000Z step converted',
      '2026-03-02T12:00:00.000Z exited step:converted',
      '2026-03-02T12:00:00.000Z goal',
    ]);
    expect(
      await t.db.query(
        'SELECT (SELECT count(*) FROM journey_instances) AS i, (SELECT count(*) FROM outbox_messages) AS o',
      ),
    ).toEqual(before);
  });

  it('runs a published journey: entry, timer, message in the outbox, counts, the customer view, exit on order', async () => {
    const created = await call<JourneyBody>('POST', '/v1/journeys', shortJourney);
    const id = created.body.id;
    await call('POST', `/v1/journeys/${id}/publish`, {});
    await ingest({ name: 'checkout.started', customerId: 'cust-1', properties: { cartId: 'c1', items: [] } });
    await ingest({ name: 'checkout.started', customerId: 'cust-1', properties: { cartId: 'c2', items: [] } });
    await waitFor(
      async () =>
        (await t.db.query(`SELECT 1 FROM journey_timers WHERE journey_id = $1`, [id])).length === 2 ? true : undefined,
      10_000,
      'two instances waiting',
    );
    await ingest({
      name: 'order.placed',
      customerId: 'cust-1',
      properties: { orderId: 'o1', cartId: 'c2', total: 10, currency: 'USD' },
    });
    const sent = await waitFor(
      async () => {
        const rows = await t.db.query<{ effect_key: string; template_key: string; payload: { instanceKey: string } }>(
          `SELECT effect_key, template_key, payload FROM outbox_messages WHERE journey_id = $1`,
          [id],
        );
        return rows.length === 1 ? rows : undefined;
      },
      15_000,
      'the reminder for c1',
    );
    expect(sent[0]!.template_key).toBe('cart-reminder-1');
    expect(sent[0]!.payload.instanceKey).toBe('c1');
    expect(sent[0]!.effect_key).toMatch(/^[0-9a-f-]{36}:remind:1$/);
    const metrics = await (
      await fetch(`${t.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })
    ).text();
    expect(metrics).toMatch(/kizuna_journey_timers_fired_total\{outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/kizuna_journey_effects_total\{kind="send",suppressed="false"\} [1-9]/);

    const counts = await waitFor(
      async () => {
        const res = await call<{
          entered: number;
          currentlyIn: number;
          exited: Record<string, number>;
          goalReached: number;
          steps: Array<{ stepId: string; entered: number }>;
        }>('GET', `/v1/journeys/${id}/counts`);
        return res.body.exited.completed === 1 ? res.body : undefined;
      },
      10_000,
      'counts settle',
    );
    expect(counts).toEqual({
      entered: 2,
      heldOut: 0,
      goalReached: 1,
      currentlyIn: 0,
      exited: { completed: 1, 'event:order.placed': 1 },
      steps: [
        { stepId: 'grace', entered: 2, currentlyIn: 0 },
        { stepId: 'remind', entered: 1, currentlyIn: 0 },
      ],
    });
    // The counts are read from the history's rollup (decisions/0038): it agrees with the history.
    const byKind = (sql: string) => t.db.query<{ kind: string; n: number }>(sql, [id]);
    expect(
      await byKind(`SELECT kind, sum(n)::int AS n FROM journey_history_counts WHERE journey_id = $1
                     GROUP BY kind ORDER BY kind`),
    ).toEqual(
      await byKind(`SELECT kind, count(*)::int AS n FROM journey_instance_history WHERE journey_id = $1
                     GROUP BY kind ORDER BY kind`),
    );

    const mine = await call<{
      instances: Array<{
        key: string;
        status: string;
        exitReason: string;
        history: Array<{ kind: string; stepId: string | null }>;
      }>;
    }>('GET', '/v1/customers/cust-1/journeys');
    const byKey = Object.fromEntries(mine.body.instances.map((i) => [i.key, i]));
    expect(byKey.c1).toMatchObject({ status: 'completed', exitReason: 'completed' });
    expect(byKey.c1!.history.map((h) => `${h.kind}${h.stepId ? ` ${h.stepId}` : ''}`)).toEqual([
      'entered',
      'step grace',
      'step remind',
      'exited',
    ]);
    expect(byKey.c2).toMatchObject({ status: 'exited', exitReason: 'event:order.placed' });
    expect((await call('GET', '/v1/customers/nobody/journeys')).status).toBe(404);
  });

  const waiting = (id: string, customerId: string) =>
    waitFor(
      async () => {
        const rows = await t.db.query<{ current_step: string; version: number; due_at: Date; timer_id: string }>(
          `SELECT i.current_step, i.version, t.due_at, t.timer_id
             FROM journey_instances i JOIN customers c ON c.id = i.customer_uuid
             JOIN journey_timers t ON t.instance_id = i.id
            WHERE i.journey_id = $1 AND c.customer_id = $2`,
          [id, customerId],
        );
        return rows[0];
      },
      10_000,
      `${customerId} waiting`,
    );

  it('pausing holds instances; a timer that came due while paused fires on resume', async () => {
    const { body } = await call<JourneyBody>('POST', '/v1/journeys', { ...shortJourney, name: 'Pausable' });
    await call('POST', `/v1/journeys/${body.id}/publish`, {});
    await ingest({ name: 'checkout.started', customerId: 'cust-p', properties: { cartId: 'p1', items: [] } });
    const timer = await waiting(body.id, 'cust-p');
    await call('POST', `/v1/journeys/${body.id}/pause`);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, timer.due_at.getTime() - Date.now()) + 600));
    const sent = () => t.db.query(`SELECT 1 FROM outbox_messages WHERE journey_id = $1`, [body.id]);
    expect(await sent()).toHaveLength(0);
    expect((await waiting(body.id, 'cust-p')).current_step).toBe('grace');
    await call('POST', `/v1/journeys/${body.id}/resume`);
    await waitFor(async () => ((await sent()).length === 1 ? true : undefined), 10_000, 'the held message');
  });

  it('publishing a new version migrates in-flight instances by an explicit, validated map', async () => {
    const slow = {
      ...shortJourney,
      name: 'Migrating',
      steps: [{ ...shortJourney.steps[0], duration: 'PT1H' }, shortJourney.steps[1]],
    };
    const { body } = await call<JourneyBody>('POST', '/v1/journeys', slow);
    await call('POST', `/v1/journeys/${body.id}/publish`, {});
    await ingest({ name: 'checkout.started', customerId: 'cust-m', properties: { cartId: 'm1', items: [] } });
    const before = await waiting(body.id, 'cust-m');
    expect(before).toMatchObject({ current_step: 'grace', version: 1 });

    const v2 = {
      ...slow,
      steps: [
        { id: 'short-grace', type: 'wait', duration: 'PT2H', next: 'remind' },
        { id: 'remind', type: 'send', template: 'cart-reminder-2', category: 'marketing' },
      ],
    };
    await call('PUT', `/v1/journeys/${body.id}`, v2);
    const bad = await call<{ code: string; message: string }>('POST', `/v1/journeys/${body.id}/publish`, {
      migrate: { grace: 'remind' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_JOURNEY_MIGRATION');
    expect(bad.body.message).toContain('migrate.grace: version 2 has no wait step "remind"');
    // Nothing moved, nothing was published.
    expect((await call<JourneyBody>('GET', `/v1/journeys/${body.id}`)).body.activeVersion).toBe(1);
    expect(await waiting(body.id, 'cust-m')).toEqual(before);

    const unmapped = await call<{ message: string }>('POST', `/v1/journeys/${body.id}/publish`, { migrate: {} });
    expect(unmapped.body.message).toContain('migrate.grace: instances wait in "grace"');

    const ok = await call<JourneyBody>('POST', `/v1/journeys/${body.id}/publish`, {
      migrate: { grace: 'short-grace' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.activeVersion).toBe(2);
    const after = await waiting(body.id, 'cust-m');
    expect(after).toMatchObject({
      current_step: 'short-grace',
      version: 2,
      timer_id: 'xstate.after.step_short-grace.journey.short-grace',
    });
    expect(after.due_at.getTime()).toBeGreaterThan(before.due_at.getTime());
  });
});
