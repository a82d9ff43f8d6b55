import { z } from 'zod';

/**
 * Every environment variable Kizuna reads, with its default. config/.env.example documents the
 * same list for operators; a test keeps the two in step.
 */
const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:3000'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  DATABASE_POOL_SIZE: positiveInt.max(200).default(10),
  EMBEDDED_PG_DIR: z.string().min(1).default('./var/pg'),
  EMBEDDED_PG_PORT: port.default(54329),

  ADMIN_API_KEY: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  SHOPIFY_WEBHOOK_SECRET: optionalString,

  BODY_LIMIT_BYTES: positiveInt.default(2 * 1024 * 1024),
  EVENT_DEDUP_WINDOW_HOURS: positiveInt.min(24, 'must be at least 24 (hours)').default(72),
  EVENT_MAX_FUTURE_SKEW_SECONDS: z.coerce.number().int().min(0).default(300),
  EVENT_RETENTION_DAYS: positiveInt.default(400),
  SHOP_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as USD or JPY')
    .default('USD'),

  WORKER_POLL_INTERVAL_MS: positiveInt.default(250),
  WORKER_BATCH_SIZE: positiveInt.max(5000).default(200),

  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((host) => host.trim().toLowerCase())
        .filter((host) => host !== ''),
    )
    .pipe(z.array(z.string().regex(/^[a-z0-9.-]+$/, 'must be a comma-separated list of host names'))),
});

export type Env = z.infer<typeof envSchema>;
