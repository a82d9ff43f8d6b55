import { z } from 'zod';
import { parseEntryMaxAge } from './journeys.config';
import { isTimeZone, parseFrequencyCapRules, parseQuietHours, type Parsed } from './sending-policy.config';
import { parseTrustProxy } from './trust-proxy.config';

/**
 * Every environment variable Kizuna reads, with its default. config/.env.example documents the
 * same list for operators; a test keeps the two in step.
 */
const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** Text checked by a parser; the typed config parses it again (the example file shows the text). */
const parsedText = (parse: (text: string) => Parsed<unknown>, fallback: string) =>
  z
    .string()
    .default(fallback)
    .superRefine((text, ctx) => {
      const result = parse(text);
      if (!result.ok) {
        ctx.addIssue({ code: 'custom', message: result.message });
      }
    });
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: port.default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    // Unset: http://localhost:<PORT> (see KizunaConfig), so a changed PORT is not announced wrongly.
    PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
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
    TRUST_PROXY: parsedText(parseTrustProxy, 'loopback'),
    RATE_LIMIT_AUTH_FAILURES: positiveInt.default(30),
    RATE_LIMIT_AUTH_WINDOW_SECONDS: positiveInt.max(86_400).default(60),
    RATE_LIMIT_KEY_REQUESTS: z.coerce.number().int().min(0).default(1000),
    RATE_LIMIT_KEY_WINDOW_SECONDS: positiveInt.max(3600).default(1),
    EVENT_DEDUP_WINDOW_HOURS: positiveInt.min(24, 'must be at least 24 (hours)').default(72),
    EVENT_MAX_FUTURE_SKEW_SECONDS: z.coerce.number().int().min(0).default(300),
    EVENT_RETENTION_DAYS: positiveInt.default(400),
    SHOP_CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as USD or JPY')
      .default('USD'),
    SHOP_TIMEZONE: z
      .string()
      .trim()
      .default('UTC')
      .refine(isTimeZone, 'must be an IANA time zone such as UTC, America/New_York or Asia/Tokyo'),

    WORKER_POLL_INTERVAL_MS: positiveInt.default(250),
    WORKER_BATCH_SIZE: positiveInt.max(5000).default(200),
    // A worker-only process serves /metrics and /health here (the api serves its own on PORT).
    WORKER_METRICS_PORT: z
      .string()
      .trim()
      .default('3001')
      .refine(
        (value) => value === 'off' || (/^\d{1,5}$/.test(value) && Number(value) <= 65535),
        'must be a port (0-65535; 0: one the OS picks) or off',
      ),
    WORKER_METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),

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
    JOURNEY_ENTRY_MAX_AGE: parsedText(parseEntryMaxAge, 'PT24H'),

    SMTP_URL: optionalString.pipe(
      z
        .string()
        .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')
        .optional(),
    ),
    MAIL_FROM: z.email().max(254).default('no-reply@kizuna.invalid'),
    MAIL_FROM_NAME: z
      .string()
      .max(100)
      .regex(/^[^\r\n"<>]*$/, 'may not contain line breaks, quotes or angle brackets')
      .default('Kizuna'),
    MAIL_DIR: z.string().min(1).default('./var/mail'),
    SMTP_SEND_TIMEOUT_MS: positiveInt.min(100).max(600_000).default(120_000),
    UNSUBSCRIBE_MAILTO: optionalString.pipe(z.email().max(254).optional()),
    DKIM_DOMAIN: optionalString.pipe(
      z
        .string()
        .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain name')
        .optional(),
    ),
    DKIM_SELECTOR: optionalString.pipe(
      z
        .string()
        .regex(/^[a-z0-9._-]+$/i, 'must be a DNS label')
        .optional(),
    ),
    DKIM_PRIVATE_KEY: optionalString.pipe(
      z
        .string()
        .transform((pem) => pem.replace(/\\n/g, '\n'))
        .refine((pem) => pem.includes('PRIVATE KEY-----'), 'must be a PEM private key (\\n for line breaks is fine)')
        .optional(),
    ),
    TOKEN_SIGNING_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    DELIVERY_BATCH_SIZE: positiveInt.max(1000).default(50),
    DELIVERY_CONCURRENCY: positiveInt.max(100).default(5),
    DELIVERY_RETRY_BASE_MS: positiveInt.default(60_000),
    DELIVERY_RETRY_MAX_MS: positiveInt.default(3_600_000),
    DELIVERY_GIVE_UP_SECONDS: positiveInt.default(172_800),
    // Checked against the SMTP and webhook timeouts below.
    DELIVERY_LEASE_SECONDS: positiveInt.default(300),
    MESSAGE_CONTENT_RETENTION_DAYS: positiveInt.default(90),

    FREQUENCY_CAP_RULES: parsedText(parseFrequencyCapRules, '1/PT16H,3/P7D'),
    QUIET_HOURS: parsedText(parseQuietHours, '21:00-08:00'),
    DEFAULT_TIMEZONE: z
      .string()
      .default('UTC')
      .refine(isTimeZone, 'must be an IANA time zone such as UTC, Europe/Berlin or Asia/Tokyo'),
    WEBHOOK_SIGNING_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    WEBHOOK_TIMEOUT_MS: positiveInt.max(60_000).default(10_000),
  })
  .superRefine((env, ctx) => {
    // Unsubscribe, open and click links are signed with it: a guessable or per-process secret in
    // production would let anyone forge them, or break every link on restart.
    if (env.NODE_ENV === 'production' && env.TOKEN_SIGNING_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['TOKEN_SIGNING_SECRET'], message: 'is required in production' });
    }
    // Receivers verify webhook bodies with it; the same reasons as TOKEN_SIGNING_SECRET.
    if (env.NODE_ENV === 'production' && env.WEBHOOK_SIGNING_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_SIGNING_SECRET'], message: 'is required in production' });
    }
    if (env.SMTP_URL !== undefined && env.MAIL_FROM.endsWith('.invalid')) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAIL_FROM'],
        message: 'must be a real sender address when SMTP_URL is set',
      });
    }
    const dkim = [env.DKIM_DOMAIN, env.DKIM_SELECTOR, env.DKIM_PRIVATE_KEY];
    if (dkim.some((v) => v !== undefined) && dkim.some((v) => v === undefined)) {
      for (const name of ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY'] as const) {
        if (env[name] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY go together',
          });
        }
      }
    }
    // A lease that can end while a message is still being handed over lets a second worker take
    // it and send it again (decision 0013): it must outlast the longest exchange the timeouts allow.
    const leaseMs = env.DELIVERY_LEASE_SECONDS * 1000;
    if (leaseMs <= env.SMTP_SEND_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['DELIVERY_LEASE_SECONDS'],
        message:
          `must exceed the longest SMTP exchange SMTP_SEND_TIMEOUT_MS allows (${env.SMTP_SEND_TIMEOUT_MS / 1000} s): ` +
          'a message whose lease ran out while it was being sent would be sent again by another worker',
      });
    }
    if (leaseMs <= env.WEBHOOK_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['DELIVERY_LEASE_SECONDS'],
        message:
          `must exceed WEBHOOK_TIMEOUT_MS (${env.WEBHOOK_TIMEOUT_MS / 1000} s): ` +
          'a call whose lease ran out while it was being made would be made again by another worker',
      });
    }
    // Unsubscribe and tracking links are built from it; RFC 8058 one-click needs HTTPS.
    if (env.NODE_ENV === 'production' && !env.PUBLIC_URL?.startsWith('https://')) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'must be an https:// URL in production' });
    }
  });

export type Env = z.infer<typeof envSchema>;
