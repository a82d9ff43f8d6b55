import { metricsRegistry } from '@kizuna/common';
import { Counter } from 'prom-client';

export const emailsDelivered = new Counter({
  name: 'kizuna_email_outcomes_total',
  help: 'Outcomes of email delivery attempts (sent, deferred, failed, suppressed, skipped)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

/** The one duplicate window: a worker died between the SMTP server's reply and recording it. */
export const possiblyDuplicated = new Counter({
  name: 'kizuna_email_possibly_duplicated_total',
  help: 'Messages found mid-send after a crash and sent again; the first attempt may have been delivered',
  registers: [metricsRegistry],
});

export const webhooksDelivered = new Counter({
  name: 'kizuna_webhook_outcomes_total',
  help: 'Outcomes of webhook delivery attempts (sent, deferred, failed)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});
