import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { isDatabaseUnreachable } from '@kizuna/database';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { TcpProxy } from './support/tcp-proxy';

/**
 * The errors a real PostgreSQL (and the network in front of it) gives when it cannot be reached,
 * and the ones it gives for a wrong statement: the first kind must be recognised (503, backoff),
 * the second must not (it is a bug or bad data, not an outage).
 */
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** The error `work` rejects with. */
async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

/** A port nothing listens on: one the OS gave us, closed again. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('isDatabaseUnreachable against a real server', () => {
  it('recognises a refused connection', async () => {
    const url = new URL(db.url);
    url.port = String(await closedPort());
    const error = await failure(() => new Client({ connectionString: url.toString() }).connect());
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    expect(isDatabaseUnreachable(error)).toBe(true);
  });

  it('recognises the server terminating the session (57P01, as in a fast shutdown)', async () => {
    const client = new Client({ connectionString: db.url });
    client.on('error', () => undefined);
    await client.connect();
    const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
    await db.query('SELECT pg_terminate_backend($1)', [pid]);
    const error = await failure(() => client.query('SELECT 1'));
    await client.end().catch(() => undefined);
    expect(isDatabaseUnreachable(error)).toBe(true);
  });

  it('recognises a connection dropped under a TypeORM query, and new connections reset', async () => {
    const proxy = await TcpProxy.start(db.url);
    const dataSource = new DataSource({ type: 'postgres', url: proxy.via(db.url), connectTimeoutMS: 500 });
    await dataSource.initialize();
    try {
      const running = failure(() => dataSource.query('SELECT pg_sleep(5)'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      proxy.cut();
      const dropped = await running;
      expect(dropped).toBeInstanceOf(Error);
      expect(isDatabaseUnreachable(dropped)).toBe(true);
      // Cut: every new connection is reset.
      expect(isDatabaseUnreachable(await failure(() => dataSource.query('SELECT 1')))).toBe(true);
    } finally {
      await dataSource.destroy().catch(() => undefined);
      await proxy.close();
    }
  });

  it('recognises a pool that waited too long for a connection', async () => {
    const pool = new Pool({ connectionString: db.url, max: 1, connectionTimeoutMillis: 200 });
    const held = await pool.connect();
    try {
      const error = await failure(() => pool.query('SELECT 1'));
      expect((error as Error).message).toMatch(/timeout/);
      expect(isDatabaseUnreachable(error)).toBe(true);
    } finally {
      held.release();
      await pool.end();
    }
  });

  it('does not mistake a bad statement or a constraint for an outage', async () => {
    const syntax = await failure(() => db.query('SELEC 1'));
    expect((syntax as { code?: string }).code).toBe('42601');
    expect(isDatabaseUnreachable(syntax)).toBe(false);

    await db.query('CREATE TABLE outage_probe (id int PRIMARY KEY)');
    await db.query('INSERT INTO outage_probe VALUES (1)');
    const duplicate = await failure(() => db.query('INSERT INTO outage_probe VALUES (1)'));
    expect((duplicate as { code?: string }).code).toBe('23505');
    expect(isDatabaseUnreachable(duplicate)).toBe(false);
  });
});
