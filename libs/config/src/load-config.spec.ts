import path from 'node:path';
import { InvalidConfigError, loadConfig } from './load-config';

/** Runs loadConfig expecting it to fail, and returns the error. */
function configError(env: NodeJS.ProcessEnv): InvalidConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof InvalidConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error('loadConfig accepted an invalid environment');
}

describe('loadConfig', () => {
  it('applies every default to an empty environment', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.http).toEqual({
      port: 3000,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:3000',
      bodyLimitBytes: 2 * 1024 * 1024,
      trustProxy: ['loopback'],
    });
    expect(config.rateLimits).toEqual({
      authFailures: { limit: 30, windowMs: 60_000 },
      perKey: { limit: 1000, windowMs: 1000 },
    });
    expect(config.log).toEqual({ level: 'info' });
    expect(config.database).toEqual({
      url: undefined,
      poolSize: 10,
      embedded: { dataDir: path.resolve('./var/pg'), port: 54329 },
    });
    expect(config.auth).toEqual({ adminApiKey: undefined });
    expect(config.ingest).toEqual({
      dedupWindowHours: 72,
      maxFutureSkewSeconds: 300,
      retentionDays: 400,
      shopifyWebhookSecret: undefined,
    });
    expect(config.shop).toEqual({ currency: 'USD', timeZone: 'UTC' });
    expect(config.worker).toEqual({
      pollIntervalMs: 250,
      batchSize: 200,
      metrics: { port: 3001, host: '127.0.0.1' },
    });
  });

  it('reads and coerces the variables it is given', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      PUBLIC_URL: 'https://kizuna.example.com//',
      DATABASE_URL: 'postgresql://kizuna@db:5432/kizuna',
      ADMIN_API_KEY: 'a'.repeat(24),
      SHOPIFY_WEBHOOK_SECRET: 'shpss_123',
      EVENT_DEDUP_WINDOW_HOURS: '24',
      SHOP_CURRENCY: 'JPY',
      WORKER_BATCH_SIZE: '50',
      TOKEN_SIGNING_SECRET: 's'.repeat(32),
      WEBHOOK_SIGNING_SECRET: 'w'.repeat(32),
      SMTP_URL: 'smtps://mailer:pw@smtp.example.com:465',
      MAIL_FROM: 'shop@example.com',
      DELIVERY_RETRY_BASE_MS: '5000',
    });
    expect(config.env).toBe('production');
    expect(config.http.port).toBe(8080);
    expect(config.http.publicUrl).toBe('https://kizuna.example.com');
    expect(config.database.url).toBe('postgresql://kizuna@db:5432/kizuna');
    expect(config.auth.adminApiKey).toBe('a'.repeat(24));
    expect(config.ingest.shopifyWebhookSecret).toBe('shpss_123');
    expect(config.ingest.dedupWindowHours).toBe(24);
    expect(config.shop.currency).toBe('JPY');
    expect(config.worker.batchSize).toBe(50);
    expect(config.tokens.signingSecret).toBe('s'.repeat(32));
    expect(config.mail.smtpUrl).toBe('smtps://mailer:pw@smtp.example.com:465');
    expect(config.mail.from).toEqual({ address: 'shop@example.com', name: 'Kizuna' });
    expect(config.delivery.retryBaseMs).toBe(5000);
  });

  it('applies the email and delivery defaults: no SMTP (files), no configured signing secret', () => {
    const config = loadConfig({});
    expect(config.mail).toEqual({
      smtpUrl: undefined,
      from: { address: 'no-reply@kizuna.invalid', name: 'Kizuna' },
      dir: path.resolve('./var/mail'),
      unsubscribeMailto: undefined,
      smtpSendTimeoutMs: 120_000,
      dkim: undefined,
    });
    expect(config.tokens).toEqual({
      signingSecret: undefined,
      developmentSecretFile: path.resolve('./var/token-signing.secret'),
    });
    expect(config.delivery).toEqual({
      batchSize: 50,
      concurrency: 5,
      retryBaseMs: 60_000,
      retryMaxMs: 3_600_000,
      giveUpAfterSeconds: 172_800,
      leaseSeconds: 300,
      contentRetentionDays: 90,
    });
  });

  it('refuses a delivery lease that does not outlast the longest SMTP exchange or webhook call', () => {
    // The default SMTP_SEND_TIMEOUT_MS is 120 s: a 10 s lease (accepted before) could run out mid-send.
    expect(configError({ DELIVERY_LEASE_SECONDS: '10' }).problems).toEqual([
      'DELIVERY_LEASE_SECONDS: must exceed the longest SMTP exchange SMTP_SEND_TIMEOUT_MS allows (120 s): ' +
        'a message whose lease ran out while it was being sent would be sent again by another worker (got "10")',
      // and the default WEBHOOK_TIMEOUT_MS is 10 s: not less than the lease either.
      'DELIVERY_LEASE_SECONDS: must exceed WEBHOOK_TIMEOUT_MS (10 s): ' +
        'a call whose lease ran out while it was being made would be made again by another worker (got "10")',
    ]);
    expect(configError({ DELIVERY_LEASE_SECONDS: '120' }).problems).toHaveLength(1); // equal is not more
    expect(
      configError({ DELIVERY_LEASE_SECONDS: '5', SMTP_SEND_TIMEOUT_MS: '4000', WEBHOOK_TIMEOUT_MS: '5000' }).problems,
    ).toEqual([
      'DELIVERY_LEASE_SECONDS: must exceed WEBHOOK_TIMEOUT_MS (5 s): ' +
        'a call whose lease ran out while it was being made would be made again by another worker (got "5")',
    ]);
    expect(loadConfig({ DELIVERY_LEASE_SECONDS: '121' }).delivery.leaseSeconds).toBe(121);
    expect(
      loadConfig({ DELIVERY_LEASE_SECONDS: '2', SMTP_SEND_TIMEOUT_MS: '1500', WEBHOOK_TIMEOUT_MS: '1000' }).mail,
    ).toMatchObject({ smtpSendTimeoutMs: 1500 });
  });

  it('takes the three DKIM variables together, with \\n escapes in the key', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----';
    const config = loadConfig({ DKIM_DOMAIN: 'shop.example.com', DKIM_SELECTOR: 'k1', DKIM_PRIVATE_KEY: pem });
    expect(config.mail.dkim).toEqual({
      domain: 'shop.example.com',
      selector: 'k1',
      privateKey: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
    });
    const names = configError({ DKIM_DOMAIN: 'shop.example.com' })
      .problems.map((p) => p.split(':')[0])
      .sort();
    expect(names).toEqual(['DKIM_PRIVATE_KEY', 'DKIM_SELECTOR']);
    expect(configError({ DKIM_DOMAIN: 'x', DKIM_SELECTOR: 'k', DKIM_PRIVATE_KEY: 'secret' }).message).not.toContain(
      'secret"',
    );
  });

  it('takes the public URL from PORT unless PUBLIC_URL is set', () => {
    // The docs were announced at localhost:3000 while the api listened on PORT=4150.
    expect(loadConfig({ PORT: '4150' }).http.publicUrl).toBe('http://localhost:4150');
    expect(loadConfig({ PORT: '4150', PUBLIC_URL: '' }).http.publicUrl).toBe('http://localhost:4150');
    expect(loadConfig({ PORT: '4150', PUBLIC_URL: 'https://k.example.com/' }).http.publicUrl).toBe(
      'https://k.example.com',
    );
    expect(
      configError({
        NODE_ENV: 'production',
        TOKEN_SIGNING_SECRET: 's'.repeat(32),
        WEBHOOK_SIGNING_SECRET: 'w'.repeat(32),
      }).problems,
    ).toEqual(['PUBLIC_URL: must be an https:// URL in production']);
  });

  it('requires TOKEN_SIGNING_SECRET and WEBHOOK_SIGNING_SECRET in production, and never echoes them', () => {
    expect(configError({ NODE_ENV: 'production', PUBLIC_URL: 'https://k.example.com' }).problems).toEqual([
      'TOKEN_SIGNING_SECRET: is required in production',
      'WEBHOOK_SIGNING_SECRET: is required in production',
    ]);
    expect(configError({ WEBHOOK_SIGNING_SECRET: 'short' }).problems).toEqual([
      'WEBHOOK_SIGNING_SECRET: must be at least 32 characters (got "***")',
    ]);
    const short = configError({ TOKEN_SIGNING_SECRET: 'too-short-secret' });
    expect(short.problems).toEqual(['TOKEN_SIGNING_SECRET: must be at least 32 characters (got "***")']);
    expect(configError({ SMTP_URL: 'http://mail:pw@x' }).message).not.toContain('pw@');
    expect(configError({ SMTP_URL: 'smtp://relay:25' }).problems).toEqual([
      'MAIL_FROM: must be a real sender address when SMTP_URL is set',
    ]);
    expect(
      configError({
        NODE_ENV: 'production',
        TOKEN_SIGNING_SECRET: 's'.repeat(32),
        WEBHOOK_SIGNING_SECRET: 'w'.repeat(32),
        PUBLIC_URL: 'http://k.example.com',
      }).problems,
    ).toEqual(['PUBLIC_URL: must be an https:// URL in production (got "http://k.example.com")']);
  });

  it('reads the sending policy, and refuses rules it cannot read', () => {
    expect(loadConfig({}).sendingPolicy).toEqual({
      frequencyCaps: [
        { limit: 1, windowMs: 16 * 3_600_000 },
        { limit: 3, windowMs: 7 * 86_400_000 },
      ],
      quietHours: { start: 21 * 3600, end: 8 * 3600, text: '21:00-08:00' },
      defaultTimeZone: 'UTC',
    });
    expect(loadConfig({ FREQUENCY_CAP_RULES: '', QUIET_HOURS: '' }).sendingPolicy).toMatchObject({
      frequencyCaps: [],
      quietHours: undefined,
    });
    expect(
      configError({ FREQUENCY_CAP_RULES: '1 per day', QUIET_HOURS: '21-8', DEFAULT_TIMEZONE: 'Tokyo' }).problems,
    ).toEqual([
      'FREQUENCY_CAP_RULES: "1 per day" is not <count>/<ISO-8601 duration>; write rules like 1/PT16H,3/P7D (got "1 per day")',
      'QUIET_HOURS: must be HH:MM-HH:MM (24 h, local time), e.g. 21:00-08:00, or empty (got "21-8")',
      'DEFAULT_TIMEZONE: must be an IANA time zone such as UTC, Europe/Berlin or Asia/Tokyo (got "Tokyo")',
    ]);
  });

  it('reads the shop time zone of the analytics figures, and refuses a name that is not an IANA zone', () => {
    expect(loadConfig({ SHOP_TIMEZONE: 'Asia/Tokyo' }).shop).toEqual({ currency: 'USD', timeZone: 'Asia/Tokyo' });
    expect(configError({ SHOP_TIMEZONE: 'Tokyo' }).problems).toEqual([
      'SHOP_TIMEZONE: must be an IANA time zone such as UTC, America/New_York or Asia/Tokyo (got "Tokyo")',
    ]);
  });

  it('reads how old an event may be to start a journey (ISO-8601), and refuses anything else', () => {
    expect(loadConfig({}).journeys.entryMaxAgeMs).toBe(24 * 3_600_000);
    expect(loadConfig({ JOURNEY_ENTRY_MAX_AGE: 'P2DT30M' }).journeys.entryMaxAgeMs).toBe(2 * 86_400_000 + 30 * 60_000);
    expect(configError({ JOURNEY_ENTRY_MAX_AGE: '86400' }).problems).toEqual([
      'JOURNEY_ENTRY_MAX_AGE: "86400" is not a positive ISO-8601 duration; write e.g. PT24H or P2D (got "86400")',
    ]);
    expect(configError({ JOURNEY_ENTRY_MAX_AGE: 'PT0S' }).problems).toHaveLength(1);
  });
  it('reads where a worker serves its metrics: a port, 0 for one the OS picks, or off', () => {
    expect(loadConfig({ WORKER_METRICS_PORT: '9400', WORKER_METRICS_HOST: '0.0.0.0' }).worker.metrics).toEqual({
      port: 9400,
      host: '0.0.0.0',
    });
    expect(loadConfig({ WORKER_METRICS_PORT: '0' }).worker.metrics.port).toBe(0);
    expect(loadConfig({ WORKER_METRICS_PORT: 'off' }).worker.metrics.port).toBeUndefined();
    for (const bad of ['70000', '-1', 'on', '']) {
      expect(configError({ WORKER_METRICS_PORT: bad }).problems).toEqual([
        `WORKER_METRICS_PORT: must be a port (0-65535; 0: one the OS picks) or off (got "${bad}")`,
      ]);
    }
  });

  it('reads TRUST_PROXY as Express takes it, and refuses to trust every peer', () => {
    const trustProxy = (value: string) => loadConfig({ TRUST_PROXY: value }).http.trustProxy;
    expect(trustProxy('false')).toBe(false);
    expect(trustProxy('1')).toBe(1);
    expect(trustProxy('loopback, 10.0.0.0/8,fd00::/8, 192.0.2.7')).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      '192.0.2.7',
    ]);
    expect(configError({ TRUST_PROXY: 'true' }).problems).toEqual([
      'TRUST_PROXY: true would trust any client to name its own address; give the proxy addresses or a hop count (got "true")',
    ]);
    for (const bad of ['10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/2', 'loopback,']) {
      expect(configError({ TRUST_PROXY: bad }).problems[0]).toMatch(/^TRUST_PROXY: ".*" is not an address/);
    }
  });

  it('reads the rate limits; a per-key limit of 0 switches it off', () => {
    const config = loadConfig({
      RATE_LIMIT_AUTH_FAILURES: '5',
      RATE_LIMIT_AUTH_WINDOW_SECONDS: '600',
      RATE_LIMIT_KEY_REQUESTS: '0',
      RATE_LIMIT_KEY_WINDOW_SECONDS: '10',
    });
    expect(config.rateLimits).toEqual({
      authFailures: { limit: 5, windowMs: 600_000 },
      perKey: { limit: 0, windowMs: 10_000 },
    });
    const names = configError({ RATE_LIMIT_AUTH_FAILURES: '0', RATE_LIMIT_KEY_REQUESTS: '-1' })
      .problems.map((p) => p.slice(0, p.indexOf(':')))
      .sort();
    expect(names).toEqual(['RATE_LIMIT_AUTH_FAILURES', 'RATE_LIMIT_KEY_REQUESTS']);
  });

  it('treats blank optional variables as unset', () => {
    const config = loadConfig({ DATABASE_URL: '  ', ADMIN_API_KEY: '', SHOPIFY_WEBHOOK_SECRET: ' ' });
    expect(config.database.url).toBeUndefined();
    expect(config.auth.adminApiKey).toBeUndefined();
    expect(config.ingest.shopifyWebhookSecret).toBeUndefined();
  });

  it('reports every bad variable in one error, each by name', () => {
    const error = configError({
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      EVENT_DEDUP_WINDOW_HOURS: '1',
      PORT_UNRELATED: 'ignored',
    });
    expect(error.name).toBe('InvalidConfigError');
    expect(error.problems).toHaveLength(3);
    const byName = Object.fromEntries(error.problems.map((p) => [p.slice(0, p.indexOf(':')), p]));
    expect(Object.keys(byName).sort()).toEqual(['DATABASE_URL', 'EVENT_DEDUP_WINDOW_HOURS', 'PORT']);
    expect(byName.PORT).toContain('(got "abc")');
    expect(byName.DATABASE_URL).toContain('must be a postgres:// or postgresql:// URL');
    expect(byName.DATABASE_URL).toContain('(got "mysql://x")');
    expect(byName.EVENT_DEDUP_WINDOW_HOURS).toContain('must be at least 24 (hours)');
    for (const problem of error.problems) {
      expect(error.message).toContain(`  - ${problem}`);
    }
    expect(error.message.startsWith('Invalid configuration:\n')).toBe(true);
  });

  it('rejects values out of range and unknown enum members', () => {
    const error = configError({
      PORT: '70000',
      LOG_LEVEL: 'verbose',
      SHOP_CURRENCY: 'usd',
      NODE_ENV: 'staging',
      PUBLIC_URL: 'ftp://x',
    });
    const names = error.problems.map((p) => p.slice(0, p.indexOf(':'))).sort();
    expect(names).toEqual(['LOG_LEVEL', 'NODE_ENV', 'PORT', 'PUBLIC_URL', 'SHOP_CURRENCY']);
  });

  it('never echoes a secret value', () => {
    const error = configError({ ADMIN_API_KEY: 'hunter2-too-short', PORT: 'abc' });
    const adminProblem = error.problems.find((p) => p.startsWith('ADMIN_API_KEY:'));
    expect(adminProblem).toBe('ADMIN_API_KEY: must be at least 24 characters (got "***")');
    expect(error.message).not.toContain('hunter2');
  });

  it('does not echo the password inside a bad DATABASE_URL', () => {
    const error = configError({ DATABASE_URL: 'mysql://kizuna:s3cr3t-pw@db.internal:3306/kizuna' });
    expect(error.problems).toHaveLength(1);
    expect(error.message).not.toContain('s3cr3t-pw');
    // What is left still shows the operator what is wrong with it.
    expect(error.problems[0]).toContain('mysql://kizuna:***@db.internal:3306/kizuna');
  });
});
