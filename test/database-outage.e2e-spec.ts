import { Role } from '@kizuna/auth';
import type { ErrorBody, IngestResultBody } from './support/http-bodies';
import { TcpProxy } from './support/tcp-proxy';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The api while PostgreSQL is unreachable: a proxy between the app and the test server is cut
 * (every connection dropped, new ones reset) and restored; the shared server never stops.
 * Clients are told to come back (503 + Retry-After), not that Kizuna is broken (500).
 */
interface ReadyBody {
  status: string;
  error?: Record<string, { status: string; message?: string }>;
  info?: Record<string, { status: string }>;
}

let t: TestApp;
let proxy: TcpProxy;
let ingestKey: string;

beforeAll(async () => {
  t = await startTestApp({
    processes: { api: true, worker: false },
    connectVia: async (url) => {
      proxy = await TcpProxy.start(url);
      return proxy.via(url);
    },
  });
  ingestKey = await t.keyFor(Role.Ingest);
});

afterAll(async () => {
  proxy.restore();
  await t.close();
  await proxy.close();
});

afterEach(() => proxy.restore());

async function postEvent(messageId: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(`${t.baseUrl}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      messageId,
      name: 'product.viewed',
      customerId: 'cust-outage',
      properties: { productId: 'p-1', name: 'Kettle', price: 39.5 },
    }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function ready(): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${t.baseUrl}/health/ready`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

describe('database outage', () => {
  it('answers ingest with 503 and Retry-After while PostgreSQL is unreachable, and 202 once it is back', async () => {
    proxy.cut();
    // Twice: the first request meets connections dropped under it, the second finds none to open.
    for (const id of ['outage-1', 'outage-2']) {
      const reply = await postEvent(id);
      const body = reply.body as ErrorBody;
      expect({ status: reply.status, code: body.code }).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE' });
      expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(body.requestId).toBe(reply.headers.get('x-request-id'));
      expect(body.message).toMatch(/database/i);
      // Nothing about the driver's internals leaks to the client.
      expect(body.message).not.toMatch(/ECONN|terminated|127\.0\.0\.1/);
    }

    proxy.restore();
    const accepted = await postEvent('outage-1');
    expect(accepted.status).toBe(202);
    expect((accepted.body as IngestResultBody).status).toBe('accepted');
    const rows = await t.db.query<{ message_id: string }>('SELECT message_id FROM events ORDER BY seq');
    expect(rows.map((r) => r.message_id)).toEqual(['outage-1']);
  });

  it('reports the database unreachable on /health/ready during the outage, and ready after', async () => {
    expect(await ready()).toEqual({ status: 200, body: expect.objectContaining({ status: 'ok' }) });

    proxy.cut();
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('error');
    expect(down.body.error?.database).toEqual({ status: 'down', message: 'database unreachable' });

    proxy.restore();
    const up = await ready();
    expect(up.status).toBe(200);
    expect(up.body.info?.database).toEqual({ status: 'up' });
  });
});
