import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { AnalyticsRebuildModule, AnalyticsRebuildService } from '@kizuna/analytics';
import { ClockModule } from '@kizuna/common';
import { ConfigModule, type KizunaConfig } from '@kizuna/config';
import { DatabaseClock, DatabaseModule } from '@kizuna/database';
import { JourneysModule, LiftService } from '@kizuna/journeys';
import { ProgressLine } from './import-report';

/** Host for `analytics rebuild`: the analytics and journeys services on the database; no api, no workers. */
@Module({})
export class CliAnalyticsModule {
  static forRoot(config: KizunaConfig, databaseUrl: string): DynamicModule {
    return {
      module: CliAnalyticsModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.using(DatabaseClock),
        DatabaseModule.forRoot({ url: databaseUrl, poolSize: 2 }),
        AnalyticsRebuildModule,
        JourneysModule,
      ],
    };
  }
}

export interface RebuildSummary {
  messages: { read: number; rekeyed: number; reclassified: number };
  orders: { customers: number; orders: number; moved: number };
  entries: { rekeyed: number; rows: number };
  shopRollups: { rebuilt: boolean };
  seconds: number;
}

/**
 * `kizuna analytics rebuild` (docs/analytics.md, "Reading, rebuilding, scaling"): the message
 * figures (day keys, engagement verdicts, credits), the entries rollup and the shop's order
 * rollups recomputed from the facts under the current SHOP_TIMEZONE and analytics settings, phase
 * after phase: a line as each phase ends (`out`), a progress bar on `progress` during the long
 * ones, then the summary. Messages and orders are rebuilt by the analytics lib, entries by the
 * journeys lib that owns them (analytics may not import journeys: decision 0035).
 */
export async function rebuildAnalytics(
  app: INestApplicationContext,
  out: (line: string) => void,
  progress?: NodeJS.WriteStream,
): Promise<RebuildSummary> {
  const analytics = app.get(AnalyticsRebuildService);
  const n = (value: number): string => value.toLocaleString('en');
  const started = Date.now();
  const timed = async <T>(work: (bar: ProgressLine | undefined) => Promise<T>, line: (done: T) => string) => {
    const t0 = Date.now();
    const bar = progress && new ProgressLine(progress);
    const done = await work(bar);
    bar?.done();
    out(`${line(done)}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return done;
  };
  out(`Rebuilding analytics for SHOP_TIMEZONE ${analytics.timeZone} and the current analytics settings`);
  const messages = await timed(
    (bar) => analytics.messages((share, read) => bar?.show(share, `${n(read)} messages`)),
    (m) =>
      `messages      ${n(m.read)} read: ${n(m.rekeyed)} re-keyed to ${analytics.timeZone} days, ` +
      `${n(m.reclassified)} reclassified`,
  );
  const orders = await timed(
    (bar) => analytics.orders((share, customers) => bar?.show(share, `${n(customers)} customers`)),
    (o) =>
      `orders        ${n(o.orders)} orders of ${n(o.customers)} customers decided again: ` +
      `${n(o.moved)} credits moved`,
  );
  const entries = await timed(
    () => app.get(LiftService).rebuildEntries(),
    (e) => `entries       ${n(e.rekeyed)} re-keyed, entry_daily rebuilt: ${n(e.rows)} rows`,
  );
  const shopRollups = await timed(
    () => analytics.shopRollups(),
    (s) => `shop rollups  ${s.rebuilt ? 'rebuilt' : 'already built'} for ${s.timeZone}, ${s.currency}`,
  );
  const seconds = (Date.now() - started) / 1000;
  out(`Analytics rebuilt in ${seconds.toFixed(1)} s:`);
  out(`  messages re-keyed      ${n(messages.rekeyed)} of ${n(messages.read)}`);
  out(`  messages reclassified  ${n(messages.reclassified)}`);
  out(`  orders re-attributed   ${n(orders.orders)} (credits moved: ${n(orders.moved)})`);
  out(`  entries re-keyed       ${n(entries.rekeyed)}`);
  out(`  entry_daily rows       ${n(entries.rows)}`);
  out(`  shop order rollups     ${shopRollups.rebuilt ? 'rebuilt' : 'already current'}`);
  return { messages, orders, entries, shopRollups, seconds };
}
