import '../../kizuna/src/register-paths';
import { NestFactory } from '@nestjs/core';
import { Module, type DynamicModule } from '@nestjs/common';
import { createRootLogger, errorMessage, PinoNestLogger } from '@kizuna/common';
import { loadConfig, type KizunaConfig } from '@kizuna/config';
import { databaseBeside, runMigrations, startDatabase, type RunningDatabase } from '@kizuna/database';
import { DEFAULT_DEMO, ReferenceModule, ShopDemo, type DemoSummary } from '@kizuna/reference';
import { KizunaModule } from '../../kizuna/src/kizuna.module';

/**
 * `npm run demo`: the embedded database (or DATABASE_URL), the engine's workers in this process,
 * the reference journeys installed with a day lasting a quarter of a second, and a simulated tea
 * shop trading for five months, then three quiet ones. Email goes to ./var/mail as .eml files
 * (unless SMTP_URL is set). Prints what happened.
 *
 * It runs in a database of its own (`kizuna_demo`, beside the app's on the same server), emptied
 * at the start of each run: the app's data is never touched, and a second run does not add to the
 * first. The sending policy runs on the demo's clock (ShopDemo.sendingPolicyEnv).
 */
const DEMO_DATABASE = 'kizuna_demo';

@Module({})
class DemoModule {
  static forRoot(config: KizunaConfig, databaseUrl: string): DynamicModule {
    return {
      module: DemoModule,
      imports: [KizunaModule.forRoot(config, databaseUrl, { api: false, worker: true }), ReferenceModule],
    };
  }
}

async function main(): Promise<void> {
  const options = { ...DEFAULT_DEMO };
  const env = { LOG_LEVEL: 'warn', ...process.env };
  const config = loadConfig({ ...env, ...ShopDemo.sendingPolicyEnv(loadConfig(env), options.dayMs) });
  const logger = createRootLogger(config.log.level);
  let database: RunningDatabase | undefined;
  try {
    database = await startDatabase(config, () => undefined);
    const demoUrl = await databaseBeside(database.url, DEMO_DATABASE);
    await runMigrations(demoUrl);
    const app = await NestFactory.createApplicationContext(DemoModule.forRoot(config, demoUrl), {
      logger: new PinoNestLogger(logger),
    });
    await app.init();
    const totalDays = options.days + options.quietDays;
    console.log(
      `Kizuna demo: ${options.customers} customers, ${options.days} days of trading and ${options.quietDays} quiet days; ` +
        `a day lasts ${options.dayMs} ms (about ${Math.round((totalDays * options.dayMs) / 1000)} s).\n` +
        `Sending policy on the demo's clock: caps ${config.sendingPolicy.frequencyCaps.length > 0 ? config.sendingPolicy.frequencyCaps.map((c) => `${c.limit} per ${c.windowMs} ms`).join(', ') : 'none'}; no quiet hours.\n` +
        `Database: ${DEMO_DATABASE} (emptied first; the app's own database is left alone).`,
    );
    const summary = await app.get(ShopDemo).run({
      ...options,
      onDay: (day) => {
        if (day % 30 === 0) {
          console.log(`  day ${day} of ${totalDays}`);
        }
      },
    });
    printSummary(summary, config);
    await app.close();
  } finally {
    await database?.embedded?.stop();
  }
}

function printSummary(s: DemoSummary, config: KizunaConfig): void {
  console.log(`\n${s.customers} customers placed ${s.orders} orders.\n\nJourneys`);
  for (const j of s.journeys) {
    console.log(
      `  ${j.name.padEnd(34)} entered ${String(j.entered).padStart(5)}  completed ${String(j.completed).padStart(5)}` +
        `  exited ${String(j.exited).padStart(5)}  still in ${String(j.active).padStart(4)}`,
    );
  }
  console.log('\nEmails by template');
  const byTemplate = new Map<string, string[]>();
  for (const e of s.emails) {
    byTemplate.set(e.templateKey, [...(byTemplate.get(e.templateKey) ?? []), `${e.count} ${e.status}`]);
  }
  for (const [key, counts] of byTemplate) {
    console.log(`  ${key.padEnd(26)} ${counts.join(', ')}`);
  }
  console.log(
    `\nNPS answers: ${s.nps.promoters} promoters, ${s.nps.passives} passives, ${s.nps.detractors} detractors`,
  );
  console.log('\nSegments');
  for (const seg of s.segments) {
    console.log(`  ${seg.key.padEnd(20)} ${seg.members} members`);
  }
  console.log(
    config.mail.smtpUrl
      ? `\nEmails were sent through ${new URL(config.mail.smtpUrl).host}.`
      : `\nEmails are in ${config.mail.dir} (.eml files: open them in any mail client).`,
  );
  console.log('Next: npm start, then read docs/reference-journeys.md to edit the journeys.');
}

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exit(1);
});
