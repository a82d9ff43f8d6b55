import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics, one registry per process, served at GET /metrics. Metric objects are
 * process-wide like the registry, so libs record into them directly.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'kizuna_' });

export const eventsIngested = new Counter({
  name: 'kizuna_events_ingested_total',
  help: 'Events offered at the edge, by source and result (accepted, duplicate, skipped)',
  labelNames: ['source', 'result'] as const,
  registers: [metricsRegistry],
});

export const inboxProcessed = new Counter({
  name: 'kizuna_inbox_events_processed_total',
  help: 'Inbox events applied by workers, by outcome (ok, failed)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const inboxLag = new Histogram({
  name: 'kizuna_inbox_lag_seconds',
  help: 'Time from an event being stored to its processing commit',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [metricsRegistry],
});

export const httpRequestDuration = new Histogram({
  name: 'kizuna_http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const journeyTimersFired = new Counter({
  name: 'kizuna_journey_timers_fired_total',
  help: 'Journey timers claimed and applied by workers, by outcome (ok, failed)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const journeyTimerLag = new Histogram({
  name: 'kizuna_journey_timer_lag_seconds',
  help: 'Time from a journey timer being due to its processing',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [metricsRegistry],
});

export const journeyEffects = new Counter({
  name: 'kizuna_journey_effects_total',
  help: 'Effects decided by journeys, by kind (send, webhook, updateProfile) and whether suppressed (holdout)',
  labelNames: ['kind', 'suppressed'] as const,
  registers: [metricsRegistry],
});
