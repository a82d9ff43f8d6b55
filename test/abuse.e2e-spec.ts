import { createHmac, randomUUID } from 'node:crypto';
import { Role } from '@kizuna/auth';
import { LinkTokenSigner } from '@kizuna/messaging';
import { NpsSurvey } from '@kizuna/templates';
import type { ErrorBody } from './support/http-bodies';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Abuse resistance (OWASP API2, API4): failed authentications are limited per client address,
 * requests per API key; bodies are parsed only once the request is authenticated; HTTP Basic
 * only where the Segment libraries need it; security headers on every page.
 */

const SHOPIFY_SECRET = 'shopify-test-secret';
const AUTH_FAILURES = 5;
const KEY_REQUESTS = 20;

interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

const anEvent = (): string =>
  JSON.stringify({
    messageId: randomUUID(),
    name: 'product.viewed',
    customerId: `c-${randomUUID()}`,
    properties: { productId: 'p-1' },
  });

describe('abuse resistance', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      processes: { api: true, worker: false },
      env: {
        SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET,
        RATE_LIMIT_AUTH_FAILURES: String(AUTH_FAILURES),
        RATE_LIMIT_AUTH_WINDOW_SECONDS: '60',
        RATE_LIMIT_KEY_REQUESTS: String(KEY_REQUESTS),
        RATE_LIMIT_KEY_WINDOW_SECONDS: '60',
        // TRUST_PROXY keeps its default (loopback): the test client is on loopback, so
        // X-Forwarded-For names the client, as a reverse proxy on the same host would.
      },
    });
  });
  afterAll(() => t.close());

  /** A request as the client at `from` (X-Forwarded-For through the trusted loopback proxy). */
  const send = async <T = unknown>(
    method: string,
    path: string,
    options: { from?: string; authorization?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.from ? { 'x-forwarded-for': options.from } : {}),
        ...(options.authorization ? { authorization: options.authorization } : {}),
        ...options.headers,
      },
      body: options.body,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // an HTML page or an empty answer
    }
    return { status: res.status, headers: res.headers, body: body as T };
  };

  const expectTooManyRequests = (answer: Answer, windowSeconds: number): void => {
    expect(answer.status).toBe(429);
    const retryAfter = Number(answer.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
    const body = answer.body as ErrorBody;
    expect(body).toEqual({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: expect.stringContaining(`try again in ${retryAfter} s`) as string,
      details: expect.objectContaining({ retryAfterSeconds: retryAfter }) as object,
      requestId: answer.headers.get('x-request-id'),
    });
  };

  describe('failed authentications per client address', () => {
    it('answers 429 with Retry-After once an address has presented too many unknown keys; others are unaffected', async () => {
      const attacker = '203.0.113.10';
      for (let i = 0; i < AUTH_FAILURES; i++) {
        const answer = await send<ErrorBody>('POST', '/v1/events', {
          from: attacker,
          authorization: `Bearer kz_guess_${i}`,
          body: anEvent(),
        });
        expect({ i, status: answer.status, code: answer.body.code }).toEqual({
          i,
          status: 401,
          code: 'UNAUTHENTICATED',
        });
      }
      // The failure past the limit, and whatever the address sends next, even a good key.
      expectTooManyRequests(
        await send('POST', '/v1/events', { from: attacker, authorization: 'Bearer kz_guess_x', body: anEvent() }),
        60,
      );
      const ingest = await t.keyFor(Role.Ingest);
      expectTooManyRequests(
        await send('POST', '/v1/events', { from: attacker, authorization: `Bearer ${ingest}`, body: anEvent() }),
        60,
      );
      // Another client keeps working with its key, and has its own count.
      const neighbour = '203.0.113.11';
      expect(
        (await send('POST', '/v1/events', { from: neighbour, authorization: `Bearer ${ingest}`, body: anEvent() }))
          .status,
      ).toBe(202);
      expect(
        (await send('POST', '/v1/events', { from: neighbour, authorization: 'Bearer kz_typo', body: anEvent() }))
          .status,
      ).toBe(401);
      expect((await send('POST', '/v1/events', { authorization: `Bearer ${ingest}`, body: anEvent() })).status).toBe(
        202,
      );
    });

    it('counts an IPv6 client by its /64, so it cannot step around the limit by changing its host bits', async () => {
      for (let i = 0; i < AUTH_FAILURES; i++) {
        const from = `2001:db8:42:7::${(i + 1).toString(16)}`;
        expect((await send('GET', '/metrics', { from, authorization: `Bearer kz_v6_${i}` })).status).toBe(401);
      }
      expectTooManyRequests(
        await send('GET', '/metrics', { from: '2001:db8:42:7::ffff', authorization: 'Bearer kz_v6' }),
        60,
      );
    });

    it('counts bad Shopify signatures too, and refuses the address before reading its next body', async () => {
      const from = '198.51.100.20';
      const raw = JSON.stringify({ id: 1 });
      for (let i = 0; i < AUTH_FAILURES; i++) {
        const answer = await send<ErrorBody>('POST', '/v1/webhooks/shopify', {
          from,
          body: raw,
          headers: { 'x-shopify-hmac-sha256': createHmac('sha256', `wrong-${i}`).update(raw).digest('base64') },
        });
        expect(answer.status).toBe(401);
        expect(answer.body.code).toBe('INVALID_SIGNATURE');
      }
      // The failure past the limit, then even a correctly signed delivery: its body is not read.
      expectTooManyRequests(
        await send('POST', '/v1/webhooks/shopify', { from, body: raw, headers: { 'x-shopify-hmac-sha256': 'AAAA' } }),
        60,
      );
      expectTooManyRequests(
        await send('POST', '/v1/webhooks/shopify', {
          from,
          body: raw,
          headers: { 'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(raw).digest('base64') },
        }),
        60,
      );
    });
  });

  describe('requests per API key', () => {
    it('lets a key make its allowance, then answers 429 with Retry-After; another key keeps working', async () => {
      const busy = await t.keyFor(Role.Ops);
      const quiet = await t.keyFor(Role.Ops);
      for (let i = 1; i <= KEY_REQUESTS; i++) {
        // Spread over two routes and two client addresses: the count is the key's.
        const answer = await send('GET', i % 2 ? '/metrics' : '/v1/sending', {
          from: i % 3 ? '192.0.2.1' : '192.0.2.2',
          authorization: `Bearer ${busy}`,
        });
        expect({ i, status: answer.status }).toEqual({ i, status: 200 });
        expect(answer.headers.get('x-ratelimit-limit')).toBe(String(KEY_REQUESTS));
        expect(answer.headers.get('x-ratelimit-remaining')).toBe(String(KEY_REQUESTS - i));
      }
      expectTooManyRequests(await send('GET', '/metrics', { authorization: `Bearer ${busy}` }), 60);
      expect((await send('GET', '/metrics', { authorization: `Bearer ${quiet}` })).status).toBe(200);
    });

    it('does not count requests without a valid key against anyone', async () => {
      const key = await t.keyFor(Role.Ops);
      for (let i = 0; i < KEY_REQUESTS + 5; i++) {
        expect((await send('GET', '/health')).status).toBe(200);
      }
      const answer = await send('GET', '/metrics', { authorization: `Bearer ${key}` });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-remaining')).toBe(String(KEY_REQUESTS - 1));
    });
  });

  describe('bodies are parsed only after authentication', () => {
    const malformed = '{"name": "product.viewed", "customerId": ';

    it('refuses malformed JSON with an unknown key or none as 401, not as a parse error', async () => {
      const noKey = await send<ErrorBody>('POST', '/v1/events', { body: malformed, from: '198.51.100.30' });
      expect([noKey.status, noKey.body.code]).toEqual([401, 'UNAUTHENTICATED']);
      const badKey = await send<ErrorBody>('POST', '/v1/events/batch', {
        body: malformed,
        from: '198.51.100.30',
        authorization: 'Bearer kz_nope',
      });
      expect([badKey.status, badKey.body.code]).toEqual([401, 'UNAUTHENTICATED']);
      // With a valid key the same body is read, and refused for what it is.
      const ingest = await t.keyFor(Role.Ingest);
      const parsed = await send<ErrorBody>('POST', '/v1/events', {
        body: malformed,
        authorization: `Bearer ${ingest}`,
      });
      expect([parsed.status, parsed.body.code]).toEqual([400, 'MALFORMED_JSON']);
    });

    it('refuses a body over the limit from an unauthenticated client as 401, and from an authenticated one as 413', async () => {
      const huge = Buffer.alloc(t.config.http.bodyLimitBytes + 1, 0x20);
      const anonymous = await send<ErrorBody>('POST', '/v1/events', { body: huge, from: '198.51.100.31' });
      expect([anonymous.status, anonymous.body.code]).toEqual([401, 'UNAUTHENTICATED']);
      const ingest = await t.keyFor(Role.Ingest);
      const known = await send<ErrorBody>('POST', '/v1/events', { body: huge, authorization: `Bearer ${ingest}` });
      expect([known.status, known.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    });

    it('never parses a Shopify body whose signature does not match; parses it once it does', async () => {
      const unsigned = await send<ErrorBody>('POST', '/v1/webhooks/shopify', {
        from: '198.51.100.32',
        body: malformed,
        headers: { 'x-shopify-hmac-sha256': createHmac('sha256', 'not-the-secret').update(malformed).digest('base64') },
      });
      expect([unsigned.status, unsigned.body.code]).toEqual([401, 'INVALID_SIGNATURE']);
      const noHeader = await send<ErrorBody>('POST', '/v1/webhooks/shopify', {
        from: '198.51.100.32',
        body: malformed,
      });
      expect([noHeader.status, noHeader.body.code]).toEqual([401, 'INVALID_SIGNATURE']);
      const signed = await send<ErrorBody>('POST', '/v1/webhooks/shopify', {
        body: malformed,
        headers: { 'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(malformed).digest('base64') },
      });
      expect([signed.status, signed.body.code]).toEqual([400, 'MALFORMED_JSON']);
    });
  });

  describe('HTTP Basic', () => {
    const basic = (key: string): string => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

    it('is refused on a route that is not Segment, with a message that says what to send', async () => {
      const ops = await t.keyFor(Role.Ops);
      const refused = await send<ErrorBody>('GET', '/v1/sending', { authorization: basic(ops) });
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('UNAUTHENTICATED');
      expect(refused.body.message).toContain('HTTP Basic is accepted only by the Segment routes');
      expect((await send('GET', '/v1/sending', { authorization: `Bearer ${ops}` })).status).toBe(200);
      const ingest = await t.keyFor(Role.Ingest);
      expect((await send('POST', '/v1/events', { authorization: basic(ingest), body: anEvent() })).status).toBe(401);
    });

    it('is accepted on /v1/track, as the Segment libraries send the write key', async () => {
      const ingest = await t.keyFor(Role.Ingest);
      const answer = await send<{ success: boolean }>('POST', '/v1/track', {
        authorization: basic(ingest),
        body: JSON.stringify({
          messageId: randomUUID(),
          userId: 'u-basic',
          event: 'Product Viewed',
          properties: { product_id: 'p-1' },
        }),
      });
      expect(answer.status).toBe(200);
      expect(answer.body.success).toBe(true);
    });
  });

  it('says which role a refused key has and which the route needs, each once', async () => {
    const ops = await t.keyFor(Role.Ops);
    const adminOnly = await send<ErrorBody>('GET', '/v1/api-keys', { authorization: `Bearer ${ops}` });
    expect(adminOnly.status).toBe(403);
    expect(adminOnly.body.message).toBe('This route needs the role "admin"; this key has the role "ops"');
    expect(adminOnly.body.details).toEqual({ keyRole: 'ops', requiredRoles: ['admin'] });
    const ingest = await t.keyFor(Role.Ingest);
    const marketer = await send<ErrorBody>('GET', '/v1/journeys/schema', { authorization: `Bearer ${ingest}` });
    expect(marketer.status).toBe(403);
    expect(marketer.body.message).toBe(
      'This route needs one of the roles "marketer", "admin"; this key has the role "ingest"',
    );
  });

  describe('security headers', () => {
    const expectHardened = (answer: Answer, what: string): string => {
      const csp = answer.headers.get('content-security-policy') ?? '';
      expect({ what, frameAncestors: /(^|;)\s*frame-ancestors 'none'(;|$)/.test(csp) }).toEqual({
        what,
        frameAncestors: true,
      });
      expect({
        what,
        frameOptions: answer.headers.get('x-frame-options'),
        nosniff: answer.headers.get('x-content-type-options'),
        referrer: answer.headers.get('referrer-policy'),
      }).toEqual({ what, frameOptions: 'DENY', nosniff: 'nosniff', referrer: 'no-referrer' });
      return csp;
    };

    it('harden the unsubscribe page, whose form changes state, and the NPS page', async () => {
      const token = t.app.get(LinkTokenSigner).sign('unsubscribe', { m: randomUUID() });
      const page = await send('GET', `/u/${token}`);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(String(page.body)).toContain('Email preferences');
      const csp = expectHardened(page, '/u');
      expect(csp).toMatch(/(^|;)\s*form-action 'self'(;|$)/);
      expect(csp).toMatch(/(^|;)\s*script-src 'self'(;|$)/);

      const [link] = t.app
        .get(NpsSurvey)
        .links(
          { customerId: 'c-nps', email: null, locale: null, timezone: null, attributes: {} },
          { journeyId: randomUUID(), instanceKey: 'k-1' },
        )!;
      const nps = await send('GET', new URL(link!.url).pathname);
      expect(nps.status).toBe(200);
      // The answer page: a form posting back to itself, without any script.
      expect(String(nps.body)).toContain('What is the main reason for your score?');
      expect(String(nps.body)).not.toMatch(/<script/i);
      const npsCsp = expectHardened(nps, '/n');
      expect(npsCsp).toMatch(/(^|;)\s*form-action 'self'(;|$)/);
      expect(npsCsp).toMatch(/(^|;)\s*script-src 'self'(;|$)/);
    });

    it('harden JSON answers too', async () => {
      expectHardened(await send('GET', '/health'), '/health');
      expectHardened(await send('POST', '/v1/events', { body: '{}' }), '401 answer');
    });

    it('keep Swagger UI working: every script it loads is a file of our origin, and each loads', async () => {
      const page = await send('GET', '/docs');
      expect(page.status).toBe(200);
      const csp = expectHardened(page, '/docs');
      expect(csp).toMatch(/(^|;)\s*script-src 'self'(;|$)/);
      const html = String(page.body);
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThanOrEqual(3);
      for (const [, attributes, inline] of scripts) {
        // script-src 'self' without 'unsafe-inline' runs no inline code: each must be a file.
        expect({ attributes, inline: inline!.trim() }).toEqual({
          attributes: expect.stringMatching(/src=/),
          inline: '',
        });
      }
      const assets = [
        ...scripts.map(([, attributes]) => /src=["']([^"']+)["']/.exec(attributes!)![1]!),
        ...[...html.matchAll(/<link[^>]+href=["']([^"']+\.css)["']/g)].map((m) => m[1]!),
      ];
      expect(assets).toEqual(expect.arrayContaining([expect.stringMatching(/swagger-ui-init\.js$/)]));
      for (const asset of assets) {
        expect(asset).not.toMatch(/^(https?:)?\/\//); // same origin
        const res = await fetch(new URL(asset, `${t.baseUrl}/docs`)); // as a browser resolves it from /docs
        expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
        await res.arrayBuffer();
      }
      expect((await send('GET', '/docs/openapi.json')).status).toBe(200);
    });

    it('let webmail load the open pixel from another origin; everything else stays same-origin', async () => {
      const token = t.app.get(LinkTokenSigner).sign('open', { m: randomUUID() });
      const pixel = await fetch(`${t.baseUrl}/t/o/${token}`);
      expect(pixel.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect((await send('GET', '/health')).headers.get('cross-origin-resource-policy')).toBe('same-origin');
    });
  });
});

describe('abuse resistance without a trusted proxy (TRUST_PROXY=false)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      processes: { api: true, worker: false },
      env: { TRUST_PROXY: 'false', RATE_LIMIT_AUTH_FAILURES: '3' },
    });
  });
  afterAll(() => t.close());

  it('ignores X-Forwarded-For: a client cannot name a new address per guess', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${t.baseUrl}/metrics`, {
        headers: { authorization: `Bearer kz_guess_${i}`, 'x-forwarded-for': `203.0.113.${i + 1}` },
      });
      statuses.push(res.status);
    }
    // Three failures allowed from the one real address (loopback), then refused.
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});
