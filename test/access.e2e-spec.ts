import { Role, ROLES } from '@kizuna/auth';
import type { RouteAccess } from '../libs/auth/src/access.decorator';
import { discoverRoutes, type Route } from './support/routes';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './support/test-app';

/**
 * Who may call what. Every route the api serves must appear here; a new route fails this test
 * until someone decides its access on purpose.
 */
const EXPECTED: Record<string, string> = {
  'GET /health': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'ops',
  'POST /v1/events': 'ingest',
  'POST /v1/events/batch': 'ingest',
  'POST /v1/track': 'ingest',
  'POST /v1/identify': 'ingest',
  'POST /v1/batch': 'ingest',
  'POST /v1/webhooks/shopify': 'signed',
  'GET /v1/customers': 'marketer,ops',
  'GET /v1/customers/:customerId': 'marketer,ops',
  'GET /v1/customers/:customerId/events': 'marketer,ops',
  'GET /v1/customers/:customerId/journeys': 'marketer,ops',
  'GET /v1/analytics/messages': 'marketer,ops',
  'GET /v1/analytics/journeys': 'marketer,ops',
  'GET /v1/journeys/schema': 'marketer',
  'POST /v1/journeys/validate': 'marketer',
  'GET /v1/journeys': 'marketer,ops',
  'POST /v1/journeys': 'marketer',
  'GET /v1/journeys/:id': 'marketer,ops',
  'PUT /v1/journeys/:id': 'marketer',
  'POST /v1/journeys/:id/publish': 'marketer',
  'POST /v1/journeys/:id/pause': 'marketer,ops',
  'POST /v1/journeys/:id/resume': 'marketer,ops',
  'POST /v1/journeys/:id/archive': 'marketer',
  'POST /v1/journeys/:id/simulate': 'marketer',
  'GET /v1/journeys/:id/counts': 'marketer,ops',
  'GET /v1/analytics/journeys/:id/lift': 'marketer,ops',
  'GET /v1/analytics/journeys/:id/splits': 'marketer,ops',
  'GET /v1/journeys/:id/steps/:stepId/customers': 'marketer,ops',
  'POST /v1/api-keys': 'admin',
  'GET /v1/api-keys': 'admin',
  'DELETE /v1/api-keys/:id': 'admin',
  'POST /v1/session': 'public',
  'GET /v1/session': 'session',
  'DELETE /v1/session': 'session',
  'DELETE /v1/sessions': 'session',
  'POST /v1/invitations/inspect': 'public',
  'POST /v1/invitations/accept': 'public',
  'GET /v1/users': 'admin',
  'POST /v1/users': 'admin',
  'PATCH /v1/users/:id': 'admin',
  'POST /v1/users/:id/invitation': 'admin',
  'POST /v1/segments': 'marketer',
  'POST /v1/segments/preview': 'marketer',
  'GET /v1/segments': 'marketer,ops',
  'GET /v1/segments/:id': 'marketer,ops',
  'PATCH /v1/segments/:id': 'marketer',
  'DELETE /v1/segments/:id': 'marketer',
  'GET /v1/segments/:id/count': 'marketer,ops',
  'GET /v1/segments/:id/members': 'marketer,ops',
  'POST /v1/reference/install': 'marketer',
  'POST /v1/templates': 'marketer',
  'GET /v1/templates': 'marketer,ops',
  'GET /v1/templates/:id': 'marketer,ops',
  'GET /v1/templates/:id/versions': 'marketer,ops',
  'PUT /v1/templates/:id': 'marketer',
  'DELETE /v1/templates/:id': 'marketer',
  'POST /v1/templates/:id/preview': 'marketer',
  'POST /v1/templates/:id/test-send': 'marketer',
  'GET /v1/messages': 'ops',
  'GET /v1/messages/stats': 'ops',
  'GET /v1/messages/export.csv': 'ops',
  'GET /v1/messages/filters': 'ops',
  'GET /v1/messages/:id': 'ops',
  'POST /v1/messages/:id/retry': 'ops',
  'GET /v1/sending': 'ops',
  'POST /v1/sending/pause': 'ops',
  'POST /v1/sending/resume': 'ops',
  'GET /v1/suppressions': 'ops',
  'POST /v1/suppressions': 'ops',
  'DELETE /v1/suppressions/:email': 'ops',
  'GET /u/:token': 'signed',
  'POST /u/:token': 'signed',
  'GET /t/o/:token': 'signed',
  'GET /t/c/:token': 'signed',
  'GET /n/:token': 'signed',
  'POST /n/:token': 'signed',
  'GET /v1/analytics/kpis': 'marketer,ops',
  'GET /v1/analytics/cohorts': 'marketer,ops',
  'GET /v1/analytics/nps': 'marketer,ops',
  'GET /v1/analytics/nps/comments': 'marketer,ops',
  'GET /v1/analytics/settings': 'marketer,ops',
  'PUT /v1/analytics/settings': 'admin',
};

const describeAccess = (a: RouteAccess | undefined): string =>
  !a ? 'UNDECLARED' : a.kind === 'roles' ? a.roles.join(',') : a.kind;

// Every route, with every role's key: hundreds of requests through the whole stack.
jest.setTimeout(240_000);

describe('route access matrix', () => {
  let t: TestApp;
  let routes: Route[];
  const keys = new Map<Role, string>();

  beforeAll(async () => {
    t = await startTestApp({
      processes: { api: true, worker: false },
      // This matrix tries a wrong key on every route from one address, on purpose: above the
      // failed-authentication limit, which test/abuse.e2e-spec.ts covers.
      env: { SHOPIFY_WEBHOOK_SECRET: 'shh', RATE_LIMIT_AUTH_FAILURES: '1000' },
    });
    routes = discoverRoutes(t);
    for (const role of ROLES) {
      keys.set(role, await t.keyFor(role));
    }
  });
  afterAll(() => t.close());

  it('every route declares its access, and the declarations are the intended ones', () => {
    const actual = Object.fromEntries(routes.map((r) => [`${r.method} ${r.path}`, describeAccess(r.access)]));
    expect(actual).toEqual(EXPECTED);
  });

  const call = (route: Route, authorization?: string) =>
    fetch(
      `${t.baseUrl}${route.path.replace(':customerId', 'nobody').replace(':id', '00000000-0000-4000-8000-000000000000')}`,
      {
        method: route.method,
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        ...(route.method === 'GET' ? {} : { body: '{}' }),
      },
    );

  it('refuses role-protected routes without a key, with a wrong key, and with the wrong role', async () => {
    for (const route of routes.filter((r) => r.access?.kind === 'roles')) {
      const allowed = (route.access as { roles: Role[] }).roles;
      expect({ route: route.path, status: (await call(route)).status }).toEqual({ route: route.path, status: 401 });
      expect({ route: route.path, status: (await call(route, 'Bearer kz_not_a_key')).status }).toEqual({
        route: route.path,
        status: 401,
      });
      for (const role of ROLES) {
        const status = (await call(route, `Bearer ${keys.get(role)}`)).status;
        const permitted = role === Role.Admin || allowed.includes(role);
        expect({ route: `${route.method} ${route.path}`, role, denied: status === 401 || status === 403 }).toEqual({
          route: `${route.method} ${route.path}`,
          role,
          denied: !permitted,
        });
      }
      expect((await call(route, `Bearer ${TEST_ADMIN_KEY}`)).status).not.toBe(403);
    }
  });

  it('lets public routes through without credentials', async () => {
    for (const route of routes.filter((r) => r.access?.kind === 'public')) {
      // The console's public POSTs (sign-in, links) check what they are sent: `{}` is refused as
      // a body, not for want of credentials.
      expect({ route: route.path, status: (await call(route)).status }).toEqual({
        route: route.path,
        status: route.method === 'GET' ? 200 : 400,
      });
    }
  });

  it('refuses session routes without a console session, even with an admin key', async () => {
    const sessionRoutes = routes.filter((r) => r.access?.kind === 'session');
    expect(sessionRoutes.length).toBeGreaterThan(0);
    for (const route of sessionRoutes) {
      expect({ route: route.path, status: (await call(route)).status }).toEqual({ route: route.path, status: 401 });
      expect({ route: route.path, status: (await call(route, `Bearer ${TEST_ADMIN_KEY}`)).status }).toEqual({
        route: route.path,
        status: 401,
      });
    }
  });

  it('refuses signed routes without a valid signature, even with an admin key', async () => {
    for (const route of routes.filter((r) => r.access?.kind === 'signed')) {
      expect((await call(route)).status).toBe(401);
      expect((await call(route, `Bearer ${TEST_ADMIN_KEY}`)).status).toBe(401);
    }
  });

  it('accepts the Segment form of a key: HTTP Basic with the key as user name', async () => {
    const basic = `Basic ${Buffer.from(`${keys.get(Role.Ingest)}:`).toString('base64')}`;
    const route = routes.find((r) => r.path === '/v1/batch')!;
    const res = await call(route, basic);
    expect(res.status).toBe(400); // authenticated; the empty body is then refused
  });

  it('stops accepting a key once it is revoked', async () => {
    const secret = await t.keyFor(Role.Ops);
    const metrics = routes.find((r) => r.path === '/metrics')!;
    expect((await call(metrics, `Bearer ${secret}`)).status).toBe(200);
    const list = (await (
      await fetch(`${t.baseUrl}/v1/api-keys`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })
    ).json()) as {
      keys: Array<{ id: string; prefix: string }>;
    };
    const id = list.keys.find((k) => secret.startsWith(k.prefix))!.id;
    const revoke = await fetch(`${t.baseUrl}/v1/api-keys/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(revoke.status).toBe(200);
    expect((await call(metrics, `Bearer ${secret}`)).status).toBe(401);
  });
});
