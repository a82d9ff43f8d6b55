import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from './support/test-database';

const API = path.resolve(__dirname, '../dist/apps/api/src/main.js');

/** A port the OS says is free right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The built api process, as `npm run start:api` runs it (npm test builds first). */
describe('start-up announcement (e2e)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  /** Runs the built api until `done` has seen what it needs in the log lines; stops it after. */
  async function withApi<T>(env: NodeJS.ProcessEnv, work: (lines: () => string[], port: number) => Promise<T>) {
    const port = await freePort();
    const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1' };
    delete childEnv.PUBLIC_URL;
    Object.assign(childEnv, { LOG_LEVEL: 'info' }, env);
    const child = spawn(process.execPath, [API], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const check = setInterval(() => {
          if (out.includes('Kizuna api listening')) {
            clearInterval(check);
            resolve();
          }
        }, 20);
        child.once('exit', (code) => {
          clearInterval(check);
          reject(new Error(`api exited (${code}) before listening:\n${out}`));
        });
      });
      return await work(() => out.split('\n').filter(Boolean), port);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }

  it('announces the docs on the port it listens on when PUBLIC_URL is not set', async () => {
    await withApi({}, async (lines, port) => {
      const listening = JSON.parse(lines().find((l) => l.includes('Kizuna api listening'))!) as {
        url: string;
        docs: string;
      };
      expect(listening.url).toBe(`http://127.0.0.1:${port}`);
      expect(listening.docs).toBe(`http://localhost:${port}/docs`);
      expect((await fetch(`http://127.0.0.1:${port}/docs`)).status).toBe(200);
    });
  }, 60_000);

  it('prints a one-time console setup link while nobody has an account, and serves the console at /', async () => {
    const setupLink = await withApi({ PUBLIC_URL: 'https://kizuna.example.test' }, async (lines, port) => {
      const line = lines().find((l) => l.includes('No console user yet'));
      expect(line).toBeDefined();
      const url = /(https:\/\/kizuna\.example\.test\/setup#token=[\w-]{43})/.exec(line!)?.[1];
      expect(url).toBeDefined();
      // The console's page, under the CSP that allows its scripts (from this origin, none inline).
      const page = await fetch(`http://127.0.0.1:${port}/setup`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(
        /<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/,
      );
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self';");
      const token = new URL(url!).hash.replace('#token=', '');
      const accepted = await fetch(`http://127.0.0.1:${port}/v1/invitations/accept`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, email: 'first@shop.test', password: 'correct horse battery' }),
      });
      expect(accepted.status).toBe(200);
      // Over https the session cookie is Secure.
      expect(accepted.headers.get('set-cookie')).toMatch(/; HttpOnly; Secure; SameSite=Strict$/);
      return url;
    });
    expect(setupLink).toBeDefined();
    // Once someone has an account, a start prints no link.
    await withApi({}, (lines) => {
      expect(lines().filter((l) => l.includes('No console user yet'))).toEqual([]);
      return Promise.resolve();
    });
  }, 60_000);
});
