import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, waitFor, type TestApp } from './support/test-app';

const run = promisify(execFile);
const cli = path.resolve(__dirname, '../dist/apps/cli/src/main.js');

/** The operator CLI, run as a real process (built by npm test) against the app's database. */
describe('kizuna CLI', () => {
  let t: TestApp;
  const kizuna = (...args: string[]) =>
    run(process.execPath, [cli, ...args], { env: { ...process.env, DATABASE_URL: t.db.url, LOG_LEVEL: 'silent' } });

  beforeAll(async () => {
    t = await startTestApp({ processes: { api: true, worker: false } });
  });
  afterAll(() => t.close());

  it('creates a key that works, lists it without its secret, and revokes it', async () => {
    const created = JSON.parse(
      (await kizuna('api-keys', 'create', '--name', 'ops dashboard', '--role', 'ops')).stdout,
    ) as {
      id: string;
      role: string;
      key: string;
    };
    expect(created.role).toBe('ops');
    const metrics = () => fetch(`${t.baseUrl}/metrics`, { headers: { authorization: `Bearer ${created.key}` } });
    expect((await metrics()).status).toBe(200);

    const listed = (await kizuna('api-keys', 'list')).stdout;
    expect(listed).toContain(created.id);
    expect(listed).toContain('ops dashboard');
    expect(listed).not.toContain(created.key);

    expect((await kizuna('api-keys', 'revoke', created.id)).stdout).toContain('Revoked');
    // The api process caches verified keys for a few seconds; the revocation lands within that.
    await waitFor(async () => ((await metrics()).status === 401 ? true : undefined), 15_000, 'revoked key refused');
  });

  it('refuses an unknown role with a clear message and a non-zero exit', async () => {
    await expect(kizuna('api-keys', 'create', '--name', 'x', '--role', 'root')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--role must be one of ingest, marketer, ops, admin'),
    });
  });

  it('creates a console user with the password from stdin (never an argument), who can then sign in', async () => {
    const withStdin = (input: string, ...args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          [cli, ...args],
          { env: { ...process.env, DATABASE_URL: t.db.url, LOG_LEVEL: 'silent' } },
          (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
        );
        child.stdin!.end(input);
      });
    const created = await withStdin(
      'a long enough secret\n',
      'users',
      'create',
      '--email',
      'Ops@Shop.test',
      '--role',
      'ops',
    );
    expect(created).toMatchObject({ code: 0, stdout: expect.stringContaining('Created ops ops@shop.test') });
    const signIn = await fetch(`${t.baseUrl}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ops@shop.test', password: 'a long enough secret' }),
    });
    expect(signIn.status).toBe(200);
    expect((await kizuna('users', 'list')).stdout).toMatch(/ops\s+active\s+ops@shop\.test/);

    const short = await withStdin('short\n', 'users', 'create', '--email', 'x@shop.test', '--role', 'admin');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('The password must have 10 to 256 characters');
    const ingest = await withStdin(
      'a long enough secret\n',
      'users',
      'create',
      '--email',
      'x@shop.test',
      '--role',
      'ingest',
    );
    expect(ingest.stderr).toContain('--role must be one of marketer, ops, admin');
  });

  it('migrate reports an up-to-date database', async () => {
    expect((await kizuna('migrate')).stdout).toContain('Database is up to date.');
  });

  it('install-reference installs the reference content with production durations, and a second run changes nothing', async () => {
    const first = (await kizuna('install-reference')).stdout;
    expect(first).toMatch(/^created\s+journey\s+Cart abandonment$/m);
    expect(first).toMatch(/^created\s+segment\s+dormant-90d$/m);
    const journeys = await t.db.query<{ status: string }>('SELECT status FROM journeys');
    expect(journeys.map((j) => j.status)).toEqual(['active', 'active', 'active', 'active']);
    const [grace] = await t.db.query<{ duration: string }>(
      `SELECT v.definition->'steps'->0->>'duration' AS duration FROM journey_versions v
         JOIN journeys j ON j.id = v.journey_id WHERE j.name = 'Cart abandonment'`,
    );
    expect(grace!.duration).toBe('PT1H');
    const second = (await kizuna('install-reference')).stdout.trim().split('\n');
    expect(second.length).toBeGreaterThan(15);
    expect(second.every((line) => line.startsWith('unchanged'))).toBe(true);
  });
});
