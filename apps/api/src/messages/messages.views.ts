import type { MessageDetail, MessageSummary, SendingHealth, Suppression } from '@kizuna/messaging';
import { SUPPRESSION_REASONS } from '@kizuna/messaging';
import { z } from 'zod';

/**
 * Response shapes of the message log, sending and suppression routes, declared in the OpenAPI
 * document so the console's client is typed from them (a renamed field breaks its build).
 */
export const STATUSES = ['queued', 'sending', 'sent', 'deferred', 'failed', 'suppressed', 'skipped'] as const;

const instant = z.string().describe('ISO-8601 date-time');
const count = z.number().int();

export const messageSummaryView = z.object({
  id: z.string(),
  effectKey: z.string(),
  customerId: z.string().nullable().describe("the shop's id of the customer; null when they have none"),
  channel: z.enum(['email', 'webhook']),
  category: z.enum(['marketing', 'transactional']),
  templateKey: z.string().nullable(),
  webhookUrl: z.string().nullable(),
  priority: count,
  whenCapped: z.enum(['defer', 'skip']),
  journeyId: z.string().nullable(),
  stepId: z.string().nullable(),
  status: z.enum(STATUSES),
  statusReason: z.string().nullable(),
  recipient: z.string().nullable(),
  subject: z.string().nullable(),
  attempts: count,
  notBefore: instant,
  createdAt: instant,
  sentAt: instant.nullable(),
});

export const messagePageView = z.object({
  messages: z.array(messageSummaryView),
  nextCursor: z.string().nullable().describe('pass as `before` for the next (older) page; null on the last'),
});

export const messageDetailView = messageSummaryView.extend({
  payload: z.record(z.string(), z.unknown()),
  locale: z.string().nullable(),
  templateVersion: count.nullable(),
  smtpMessageId: z.string().nullable(),
  html: z.string().nullable().describe('null until rendered, and after MESSAGE_CONTENT_RETENTION_DAYS'),
  text: z.string().nullable(),
  attemptLog: z.array(
    z.object({
      attempt: count,
      startedAt: instant,
      finishedAt: instant.nullable(),
      outcome: z.enum(['sent', 'deferred', 'failed', 'unknown']).nullable().describe('null while in progress'),
      smtpCode: count.nullable(),
      response: z.string().nullable().describe("the server's reply (SMTP) or the error"),
    }),
  ),
});

export const filtersView = z.object({
  journeys: z.array(z.object({ id: z.string(), name: z.string(), status: z.string() })),
  templates: z.array(z.object({ key: z.string(), kind: z.string(), description: z.string() })),
});

const channelCounts = z.object({ total: count, inPeriod: count });
export const healthView = z.object({
  period: z.object({ from: instant, to: instant }),
  asOf: instant,
  unknownAttempts: z.object({ email: channelCounts, webhook: channelCounts }),
  queue: z.object({
    queued: count,
    deferred: count,
    sending: count,
    due: count.describe('queued or deferred, and due now'),
    oldestDueAt: instant.nullable(),
    lagSeconds: z.number().describe('how long the oldest due message has waited past its time; 0 when none'),
  }),
  deferredByReason: z.object({ frequency_cap: count, quiet_hours: count, temporary_failure: count }),
  attempts: z.object({
    bucket: z.enum(['hour', 'day']),
    buckets: z.array(
      z.object({
        start: instant,
        sent: count,
        deferred: count,
        failed: count,
        unknown: count,
        failureRate: z
          .object({ numerator: count, denominator: count, value: z.number().nullable() })
          .describe('failed / (sent + failed); value null when nothing finished for good'),
      }),
    ),
  }),
});

export const suppressionView = z.object({
  email: z.string(),
  reason: z.enum(SUPPRESSION_REASONS),
  source: z.string().describe('smtp, unsubscribe-link:..., api:<key id or user:email>'),
  note: z.string().nullable(),
  createdAt: instant,
});
export const suppressionPageView = z.object({
  suppressions: z.array(suppressionView),
  nextCursor: z.string().nullable(),
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const toSummary = (m: MessageSummary): z.infer<typeof messageSummaryView> => ({
  id: m.id,
  effectKey: m.effectKey,
  customerId: m.customerId,
  channel: m.channel,
  category: m.category,
  templateKey: m.templateKey,
  webhookUrl: m.webhookUrl,
  priority: m.priority,
  whenCapped: m.whenCapped,
  journeyId: m.journeyId,
  stepId: m.stepId,
  status: m.status,
  statusReason: m.statusReason,
  recipient: m.recipient,
  subject: m.subject,
  attempts: m.attempts,
  notBefore: m.notBefore.toISOString(),
  createdAt: m.createdAt.toISOString(),
  sentAt: iso(m.sentAt),
});

export const toDetail = (m: MessageDetail): z.infer<typeof messageDetailView> => ({
  ...toSummary(m),
  payload: m.payload,
  locale: m.locale,
  templateVersion: m.templateVersion,
  smtpMessageId: m.smtpMessageId,
  html: m.html,
  text: m.text,
  attemptLog: m.attemptLog.map((a) => ({
    ...a,
    startedAt: a.startedAt.toISOString(),
    finishedAt: iso(a.finishedAt),
  })),
});

export const toSuppression = (s: Suppression): z.infer<typeof suppressionView> => ({
  ...s,
  createdAt: s.createdAt.toISOString(),
});

export const toHealth = (from: Date, to: Date, now: Date, h: SendingHealth): z.infer<typeof healthView> => ({
  period: { from: from.toISOString(), to: to.toISOString() },
  asOf: now.toISOString(),
  unknownAttempts: h.unknownAttempts,
  queue: {
    ...h.queue,
    oldestDueAt: iso(h.queue.oldestDueAt),
    lagSeconds: h.queue.oldestDueAt ? Math.max(0, (now.getTime() - h.queue.oldestDueAt.getTime()) / 1000) : 0,
  },
  deferredByReason: h.deferredByReason,
  attempts: {
    bucket: h.attempts.bucket,
    buckets: h.attempts.buckets.map((b) => {
      const denominator = b.sent + b.failed;
      return {
        ...b,
        start: b.start.toISOString(),
        failureRate: { numerator: b.failed, denominator, value: denominator === 0 ? null : b.failed / denominator },
      };
    }),
  },
});

/** The CSV export's columns, in order. */
export const EXPORT_COLUMNS = [
  'id',
  'created_at',
  'sent_at',
  'status',
  'status_reason',
  'channel',
  'category',
  'customer_id',
  'recipient',
  'journey_id',
  'journey_name',
  'step_id',
  'template_key',
  'subject',
  'attempts',
] as const;

export const exportRow = (m: MessageSummary, journeyNames: Map<string, string>): Array<string | number | null> => [
  m.id,
  m.createdAt.toISOString(),
  iso(m.sentAt),
  m.status,
  m.statusReason,
  m.channel,
  m.category,
  m.customerId,
  m.recipient,
  m.journeyId,
  m.journeyId === null ? null : (journeyNames.get(m.journeyId) ?? null),
  m.stepId,
  m.templateKey,
  m.subject,
  m.attempts,
];
