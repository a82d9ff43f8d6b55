import path from 'node:path';
import type { Env } from './env.schema';

/** The typed, nested configuration every part of Kizuna is given. Built once at boot. */
export class KizunaConfig {
  readonly env: Env['NODE_ENV'];
  readonly http: { port: number; host: string; publicUrl: string; bodyLimitBytes: number };
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
  readonly shop: { currency: string };
  readonly worker: { pollIntervalMs: number; batchSize: number };
  readonly journeys: { webhookAllowedHosts: string[] };

  constructor(env: Env) {
    this.env = env.NODE_ENV;
    this.http = {
      port: env.PORT,
      host: env.HOST,
      publicUrl: env.PUBLIC_URL.replace(/\/+$/, ''),
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
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
    this.shop = { currency: env.SHOP_CURRENCY };
    this.worker = { pollIntervalMs: env.WORKER_POLL_INTERVAL_MS, batchSize: env.WORKER_BATCH_SIZE };
    this.journeys = { webhookAllowedHosts: env.WEBHOOK_ALLOWED_HOSTS };
  }
}
