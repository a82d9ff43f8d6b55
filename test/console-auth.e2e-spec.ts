import { createHash } from 'node:crypto';
import { ConsoleUserService, Role } from '@kizuna/auth';
import { VirtualClock } from '../libs/common/src/clock';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './support/test-app';

/** A browser's view of the api: keeps the session cookie, sends the CSRF token it was given. */
class ConsoleClient {
  cookie: string | undefined;
  csrf: string | undefined;
  lastSetCookie: string | undefined;

  constructor(private readonly baseUrl: string) {}

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    options: { csrf?: boolean } = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    if (this.cookie) {
      headers.cookie = this.cookie;
    }
    if (this.csrf && options.csrf !== false) {
      headers['x-csrf-token'] = this.csrf;
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      this.lastSetCookie = setCookie;
      const [pair] = setCookie.split(';');
      this.cookie = pair!.endsWith('=') ? undefined : pair;
    }
    const text = await res.text();
    const parsed = (text ? JSON.parse(text) : {}) as T & { csrfToken?: string };
    if (typeof parsed.csrfToken === 'string') {
      this.csrf = parsed.csrfToken;
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  signIn(email: string, password: string) {
    return this.call('POST', '/v1/session', { email, password });
  }
}

const tokenOf = (url: string) => new URL(url).hash.replace('#token=', '');
const PASSWORD = 'correct horse battery';

describe('console sign-in, sessions, users (e2e)', () => {
  let t: TestApp;
  const clock = new VirtualClock(new Date('2026-06-01T09:00:00Z'));
  let users: ConsoleUserService;

  beforeAll(async () => {
    t = await startTestApp({ processes: { api: true, worker: false }, clock, env: { RATE_LIMIT_AUTH_FAILURES: '3' } });
    users = t.app.get(ConsoleUserService);
  });
  afterAll(() => t.close());

  it('creates the first admin once through a setup link, which then stops working', async () => {
    const link = (await users.issueSetupLink())!;
    expect(link.url).toMatch(new RegExp(`^${t.config.http.publicUrl}/setup#token=[\\w-]{43}$`));
    // Only the token's hash is stored.
    const stored = await t.db.query<{ token_hash: Buffer }>('SELECT token_hash FROM console_links');
    expect(stored.map((r) => r.token_hash.toString('hex'))).toContain(
      createHash('sha256').update(tokenOf(link.url)).digest('hex'),
    );

    const browser = new ConsoleClient(t.baseUrl);
    const inspect = await browser.call('POST', '/v1/invitations/inspect', { token: tokenOf(link.url) });
    expect(inspect.body).toMatchObject({ purpose: 'setup', email: null, role: 'admin' });
    const short = await browser.call('POST', '/v1/invitations/accept', {
      token: tokenOf(link.url),
      email: 'Admin@Shop.test',
      password: 'too short',
    });
    expect(short.status).toBe(400);
    expect(String(short.body.message)).toContain('password: must be at least 10 characters');

    const accepted = await browser.call('POST', '/v1/invitations/accept', {
      token: tokenOf(link.url),
      email: 'Admin@Shop.test',
      password: PASSWORD,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ user: { email: 'admin@shop.test', role: 'admin' } });
    expect((await browser.call('GET', '/v1/session')).body).toMatchObject({ user: { email: 'admin@shop.test' } });

    const again = new ConsoleClient(t.baseUrl);
    const reuse = await again.call('POST', '/v1/invitations/accept', {
      token: tokenOf(link.url),
      email: 'intruder@shop.test',
      password: PASSWORD,
    });
    expect(reuse.status).toBe(410);
    expect(reuse.body.code).toBe('LINK_NOT_USABLE');
    expect(await users.issueSetupLink()).toBeNull();
    expect((await users.list()).map((u) => u.email)).toEqual(['admin@shop.test']);
  });

  it('sets an httpOnly, SameSite=Strict cookie holding a token the database only has the hash of', async () => {
    const browser = new ConsoleClient(t.baseUrl);
    expect((await browser.signIn('admin@shop.test', PASSWORD)).status).toBe(200);
    expect(browser.lastSetCookie).toMatch(
      /^kizuna_session=[\w-]{43}; Max-Age=604800; Path=\/; Expires=.+; HttpOnly; SameSite=Strict$/,
    );
    const token = browser.cookie!.split('=')[1]!;
    const rows = await t.db.query<{ token_hash: Buffer }>('SELECT token_hash FROM console_sessions');
    expect(rows.map((r) => r.token_hash.toString('hex'))).toContain(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('refuses a wrong password with one answer for every reason, and throttles repeated failures', async () => {
    const address = new ConsoleClient(t.baseUrl);
    const wrong = await address.signIn('admin@shop.test', 'not the password');
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
    expect((await address.signIn('nobody@shop.test', PASSWORD)).body.code).toBe('INVALID_CREDENTIALS');
    // RATE_LIMIT_AUTH_FAILURES=3: the 3rd failure is within the limit, the 4th starts a block...
    expect((await address.signIn('admin@shop.test', 'wrong again')).status).toBe(401);
    const blocked = await address.signIn('admin@shop.test', 'and again');
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('60');
    // ... during which even the right password is refused, unchecked.
    expect((await address.signIn('admin@shop.test', PASSWORD)).status).toBe(429);
    clock.advance(61_000);
    expect((await address.signIn('admin@shop.test', PASSWORD)).status).toBe(200);
  });

  it('lets a session use the API with its role, and refuses a change without the CSRF token', async () => {
    const admin = new ConsoleClient(t.baseUrl);
    await admin.signIn('admin@shop.test', PASSWORD);
    const created = await admin.call<{ user: { id: string }; invitation: { url: string } }>('POST', '/v1/users', {
      email: 'ops@shop.test',
      role: 'ops',
    });
    expect(created.status).toBe(201);
    const marketer = await users.create({ email: 'mia@shop.test', role: Role.Marketer, password: PASSWORD }, 'test');
    expect(marketer.invitation).toBeNull();

    const ops = new ConsoleClient(t.baseUrl);
    expect((await ops.signIn('ops@shop.test', PASSWORD)).status).toBe(401); // invited, no password yet
    const accept = await ops.call('POST', '/v1/invitations/accept', {
      token: tokenOf(created.body.invitation.url),
      password: PASSWORD,
    });
    expect(accept.body).toMatchObject({ user: { email: 'ops@shop.test', role: 'ops' } });

    const noCsrf = await ops.call('POST', '/v1/sending/pause', { reason: 'test' }, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.code).toBe('CSRF_TOKEN_INVALID');
    const wrongCsrf = await ops.call('POST', '/v1/sending/pause', {}, { csrf: false });
    expect(wrongCsrf.status).toBe(403);
    const paused = await ops.call('POST', '/v1/sending/pause', { reason: 'test' });
    expect(paused.body).toMatchObject({ paused: true, changedBy: 'user:ops@shop.test' });
    expect((await ops.call('POST', '/v1/sending/resume')).body).toMatchObject({ paused: false });
    // Reads need no CSRF token; the role rules are the API keys'.
    expect((await ops.call('GET', '/v1/sending', undefined, { csrf: false })).status).toBe(200);
    expect((await ops.call('GET', '/v1/users')).status).toBe(403);

    const mia = new ConsoleClient(t.baseUrl);
    await mia.signIn('mia@shop.test', PASSWORD);
    const refused = await mia.call('GET', '/v1/users');
    expect(refused.status).toBe(403);
    expect(String(refused.body.message)).toContain('your console user has the role "marketer"');
    expect((await mia.call('GET', '/v1/sending')).status).toBe(403);
    expect((await mia.call('GET', '/v1/journeys')).status).toBe(200);

    // An API key beside a stale cookie is still a key.
    const keyed = await fetch(`${t.baseUrl}/v1/users`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, cookie: 'kizuna_session=ended' },
    });
    expect(keyed.status).toBe(200);
  });

  it('signs out one browser, or everywhere', async () => {
    await users.create({ email: 'sam@shop.test', role: Role.Ops, password: PASSWORD }, 'test');
    const [a, b, c] = [new ConsoleClient(t.baseUrl), new ConsoleClient(t.baseUrl), new ConsoleClient(t.baseUrl)];
    for (const browser of [a, b, c]) {
      expect((await browser.signIn('sam@shop.test', PASSWORD)).status).toBe(200);
    }
    const cookieOfA = a.cookie;
    const out = await a.call('DELETE', '/v1/session');
    expect(out.status).toBe(200);
    expect(a.lastSetCookie).toMatch(/^kizuna_session=; Path=\/; Expires=Thu, 01 Jan 1970/);
    a.cookie = cookieOfA; // a copy of the old cookie no longer works
    expect((await a.call('GET', '/v1/session')).status).toBe(401);
    expect((await b.call('GET', '/v1/session')).status).toBe(200);
    expect((await b.call('DELETE', '/v1/sessions')).body).toEqual({ ended: 2 });
    expect((await c.call('GET', '/v1/session')).status).toBe(401);
  });

  it('ends a session after a day without use, and a week after sign-in however busy', async () => {
    const idle = new ConsoleClient(t.baseUrl);
    await idle.signIn('mia@shop.test', PASSWORD);
    const busy = new ConsoleClient(t.baseUrl);
    expect((await busy.signIn('mia@shop.test', PASSWORD)).status).toBe(200);
    for (let hours = 12; hours < 7 * 24; hours += 12) {
      clock.advance(12 * 3_600_000);
      expect({ hours, status: (await busy.call('GET', '/v1/session')).status }).toEqual({ hours, status: 200 });
      if (hours === 24) {
        expect((await idle.call('GET', '/v1/session')).status).toBe(401); // 24 h unused
      }
    }
    clock.advance(12 * 3_600_000); // 7 days after sign-in
    expect((await busy.call('GET', '/v1/session')).status).toBe(401);
  });

  it('lets admins change roles and disable users, never the last admin; disabling ends their sessions', async () => {
    const admin = new ConsoleClient(t.baseUrl);
    await admin.signIn('admin@shop.test', PASSWORD);
    const list = await admin.call<{ users: Array<{ id: string; email: string; status: string }> }>('GET', '/v1/users');
    const byEmail = new Map(list.body.users.map((u) => [u.email, u]));
    expect([...byEmail.values()].map((u) => [u.email, u.status])).toEqual([
      ['admin@shop.test', 'active'],
      ['mia@shop.test', 'active'],
      ['ops@shop.test', 'active'],
      ['sam@shop.test', 'active'],
    ]);
    const lastAdmin = await admin.call('PATCH', `/v1/users/${byEmail.get('admin@shop.test')!.id}`, { disabled: true });
    expect(lastAdmin.status).toBe(409);
    expect(lastAdmin.body.code).toBe('LAST_ADMIN');

    const mia = new ConsoleClient(t.baseUrl);
    await mia.signIn('mia@shop.test', PASSWORD);
    const disabled = await admin.call('PATCH', `/v1/users/${byEmail.get('mia@shop.test')!.id}`, { disabled: true });
    expect(disabled.body).toMatchObject({ status: 'disabled' });
    expect((await mia.call('GET', '/v1/session')).status).toBe(401);
    expect((await mia.signIn('mia@shop.test', PASSWORD)).body.code).toBe('INVALID_CREDENTIALS');

    const taken = await admin.call('POST', '/v1/users', { email: 'MIA@shop.test', role: 'ops' });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('EMAIL_TAKEN');
    const bad = await admin.call('POST', '/v1/users', { email: 'not an email', role: 'ingest' });
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toContain('email: must be an email address');
    expect(String(bad.body.message)).toContain('role:');
  });
});
