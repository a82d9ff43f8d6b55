import { metricsRegistry } from '@kizuna/common';
import { Counter, Gauge } from 'prom-client';

export const databaseUnreachable = new Gauge({
  name: 'kizuna_database_unreachable',
  help: "1 while this process's background loops find PostgreSQL unreachable, else 0",
  registers: [metricsRegistry],
});

export const databaseUnreachableFailures = new Counter({
  name: 'kizuna_database_unreachable_failures_total',
  help: 'Background attempts (worker batches, LISTEN reconnects) that failed because PostgreSQL was unreachable',
  registers: [metricsRegistry],
});

export const databaseClockOffset = new Gauge({
  name: 'kizuna_database_clock_offset_seconds',
  help: "PostgreSQL's clock minus this host's, as last measured; Kizuna runs on PostgreSQL's (decisions/0019)",
  registers: [metricsRegistry],
});
