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

  it('announces the docs on the port it listens on when PUBLIC_URL is not set', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1' };
    delete env.PUBLIC_URL;
    env.LOG_LEVEL = 'info';
    const child = spawn(process.execPath, [API], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const listening = await new Promise<{ url: string; docs: string }>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const line = out.split('\n').find((l) => l.includes('Kizuna api listening'));
          if (line) {
            resolve(JSON.parse(line) as { url: string; docs: string });
          }
        });
        child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.once('exit', (code) => reject(new Error(`api exited (${code}) before listening:\n${out}`)));
      });
      expect(listening.url).toBe(`http://127.0.0.1:${port}`);
      expect(listening.docs).toBe(`http://localhost:${port}/docs`);
      expect((await fetch(`http://127.0.0.1:${port}/docs`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});
