import path from 'node:path';
import type { Env } from './env.schema';
import { parseEntryMaxAge } from './journeys.config';
import {
  parseFrequencyCapRules,
  parseQuietHours,
  type FrequencyCapRule,
  type Parsed,
  type QuietHours,
} from './sending-policy.config';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.config';

/** The typed, nested configuration every part of Kizuna is given. Built once at boot. */
export class KizunaConfig {
  readonly env: Env['NODE_ENV'];
  readonly http: {
    port: number;
    host: string;
    publicUrl: string;
    bodyLimitBytes: number;
    /** Express's `trust proxy`: which peers' X-Forwarded-For names the client (see trust-proxy.config). */
    trustProxy: TrustProxy;
  };
  /**
   * Abuse limits, counted in each api process's memory (docs/decisions/0016): with N api
   * processes behind a load balancer a client gets up to N times these.
   */
  readonly rateLimits: {
    /** Unknown or revoked API keys one client address may present per window before it gets 429s. */
    authFailures: { limit: number; windowMs: number };
    /** Requests one API key may make per window; `limit` 0: no per-key limit. */
    perKey: { limit: number; windowMs: number };
  };
  readonly log: { level: Env['LOG_LEVEL'] };
  readonly database: {
    /** Set: use that server. Unset: start the embedded PostgreSQL described below. */
    url: string | undefined;
    poolSize: number;
    embedded: { dataDir: string; port: number };
  };
  readonly auth: { adminApiKey: string | undefined };
  readonly ingest: {
    dedupWindowHours: number;
    maxFutureSkewSeconds: number;
    retentionDays: number;
    shopifyWebhookSecret: string | undefined;
  };
  /** The shop's currency (money figures) and time zone (the days and months of every analytics figure). */
  readonly shop: { currency: string; timeZone: string };
  readonly worker: {
    pollIntervalMs: number;
    batchSize: number;
    /** Where a worker-only process serves /metrics and /health; port undefined: not at all, 0: any free one. */
    metrics: { port: number | undefined; host: string };
  };
  readonly journeys: {
    webhookAllowedHosts: string[];
    /** Events older than this (by the engine's clock) start no journey and advance none; see docs/journeys.md. */
    entryMaxAgeMs: number;
  };
  readonly mail: {
    /** Set: deliver over SMTP (pooled). Unset: write .eml files to `dir` and log them. */
    smtpUrl: string | undefined;
    from: { address: string; name: string };
    dir: string;
    unsubscribeMailto: string | undefined;
    /** The longest one message's SMTP exchange may take (connecting included); the lease outlasts it. */
    smtpSendTimeoutMs: number;
    /** Set: every message is DKIM-signed (RFC 8058 asks for a signature covering List-Unsubscribe*). */
    dkim: { domain: string; selector: string; privateKey: string } | undefined;
  };
  readonly tokens: {
    /** Signs unsubscribe, open and click links. Unset outside production: see TokenSigner. */
    signingSecret: string | undefined;
    /** Where a development secret is generated and kept when none is configured. */
    developmentSecretFile: string;
  };
  readonly delivery: {
    batchSize: number;
    concurrency: number;
    retryBaseMs: number;
    retryMaxMs: number;
    giveUpAfterSeconds: number;
    leaseSeconds: number;
    /** Rendered HTML and text of finished messages are dropped after this; the log row stays. */
    contentRetentionDays: number;
  };
  /** Applied to marketing email at send time; transactional mail bypasses it. */
  readonly sendingPolicy: {
    frequencyCaps: FrequencyCapRule[];
    /** Unset: no quiet hours. */
    quietHours: QuietHours | undefined;
    /** For customers without a (valid) profile time zone. */
    defaultTimeZone: string;
  };
  readonly webhooks: {
    /** Signs every webhook body (X-Kizuna-Signature). Unset outside production: see WebhookSigner. */
    signingSecret: string | undefined;
    developmentSecretFile: string;
    timeoutMs: number;
  };

  constructor(env: Env) {
    this.env = env.NODE_ENV;
    this.http = {
      port: env.PORT,
      host: env.HOST,
      publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      trustProxy: parsed(parseTrustProxy(env.TRUST_PROXY)),
    };
    this.rateLimits = {
      authFailures: { limit: env.RATE_LIMIT_AUTH_FAILURES, windowMs: env.RATE_LIMIT_AUTH_WINDOW_SECONDS * 1000 },
      perKey: { limit: env.RATE_LIMIT_KEY_REQUESTS, windowMs: env.RATE_LIMIT_KEY_WINDOW_SECONDS * 1000 },
    };
    this.log = { level: env.LOG_LEVEL };
    this.database = {
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      embedded: { dataDir: path.resolve(env.EMBEDDED_PG_DIR), port: env.EMBEDDED_PG_PORT },
    };
    this.auth = { adminApiKey: env.ADMIN_API_KEY };
    this.ingest = {
      dedupWindowHours: env.EVENT_DEDUP_WINDOW_HOURS,
      maxFutureSkewSeconds: env.EVENT_MAX_FUTURE_SKEW_SECONDS,
      retentionDays: env.EVENT_RETENTION_DAYS,
      shopifyWebhookSecret: env.SHOPIFY_WEBHOOK_SECRET,
    };
    this.shop = { currency: env.SHOP_CURRENCY, timeZone: env.SHOP_TIMEZONE };
    this.worker = {
      pollIntervalMs: env.WORKER_POLL_INTERVAL_MS,
      batchSize: env.WORKER_BATCH_SIZE,
      metrics: {
        port: env.WORKER_METRICS_PORT === 'off' ? undefined : Number(env.WORKER_METRICS_PORT),
        host: env.WORKER_METRICS_HOST,
      },
    };
    this.journeys = {
      webhookAllowedHosts: env.WEBHOOK_ALLOWED_HOSTS,
      entryMaxAgeMs: parsed(parseEntryMaxAge(env.JOURNEY_ENTRY_MAX_AGE)),
    };
    this.mail = {
      smtpUrl: env.SMTP_URL,
      from: { address: env.MAIL_FROM, name: env.MAIL_FROM_NAME },
      dir: path.resolve(env.MAIL_DIR),
      unsubscribeMailto: env.UNSUBSCRIBE_MAILTO,
      smtpSendTimeoutMs: env.SMTP_SEND_TIMEOUT_MS,
      dkim:
        env.DKIM_DOMAIN && env.DKIM_SELECTOR && env.DKIM_PRIVATE_KEY
          ? { domain: env.DKIM_DOMAIN, selector: env.DKIM_SELECTOR, privateKey: env.DKIM_PRIVATE_KEY }
          : undefined,
    };
    this.tokens = {
      signingSecret: env.TOKEN_SIGNING_SECRET,
      developmentSecretFile: path.resolve('./var/token-signing.secret'),
    };
    this.delivery = {
      batchSize: env.DELIVERY_BATCH_SIZE,
      concurrency: env.DELIVERY_CONCURRENCY,
      retryBaseMs: env.DELIVERY_RETRY_BASE_MS,
      retryMaxMs: env.DELIVERY_RETRY_MAX_MS,
      giveUpAfterSeconds: env.DELIVERY_GIVE_UP_SECONDS,
      leaseSeconds: env.DELIVERY_LEASE_SECONDS,
      contentRetentionDays: env.MESSAGE_CONTENT_RETENTION_DAYS,
    };
    this.sendingPolicy = {
      frequencyCaps: parsed(parseFrequencyCapRules(env.FREQUENCY_CAP_RULES)),
      quietHours: parsed(parseQuietHours(env.QUIET_HOURS)),
      defaultTimeZone: env.DEFAULT_TIMEZONE,
    };
    this.webhooks = {
      signingSecret: env.WEBHOOK_SIGNING_SECRET,
      developmentSecretFile: path.resolve('./var/webhook-signing.secret'),
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    };
  }
}

/** The schema has validated the text already. */
function parsed<T>(result: Parsed<T>): T {
  if (!result.ok) {
    throw new Error(`unreachable: validated configuration failed to parse: ${result.message}`);
  }
  return result.value;
}
