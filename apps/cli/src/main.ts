import '../../kizuna/src/register-paths';
import { NestFactory } from '@nestjs/core';
import {
  ApiKeyService,
  AuthModule,
  CONSOLE_ROLES,
  ConsoleUserService,
  isRole,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  ROLES,
  type ConsoleRole,
} from '@kizuna/auth';
import { ClockModule, errorMessage } from '@kizuna/common';
import { ConfigModule, KizunaConfig, loadConfig } from '@kizuna/config';
import { DatabaseClock, DatabaseModule, runMigrations, startDatabase, type RunningDatabase } from '@kizuna/database';
import { detectFormat, EventsModule, HISTORY_FORMATS, HistoryImporter, type HistoryFormat } from '@kizuna/events';
import { ReferenceInstaller, ReferenceModule } from '@kizuna/reference';
import { CliAnalyticsModule, rebuildAnalytics } from './analytics-rebuild';
import { printImportSummary, printNotWaiting, ProgressLine, waitForApplication } from './import-report';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { Command } from 'commander';
import { readPassword } from './read-password';

/**
 * Operator commands: `npm run kizuna -- <command>`. They use the same configuration as the
 * engine (DATABASE_URL, or the embedded server, joined if the engine is running).
 */
@Module({})
class CliModule {
  static forRoot(databaseUrl: string): DynamicModule {
    const config = loadConfig();
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.using(DatabaseClock),
        DatabaseModule.forRoot({ url: databaseUrl, poolSize: 2 }),
        AuthModule,
      ],
    };
  }
}

/** `startedHere`: this command started the embedded server (so the engine is not running on it). */
async function withDatabase<T>(work: (url: string, startedHere: boolean) => Promise<T>): Promise<T> {
  const config = loadConfig();
  let database: RunningDatabase | undefined;
  try {
    database = await startDatabase(config, () => undefined);
    return await work(database.url, database.embedded !== undefined);
  } finally {
    await database?.embedded?.stop();
  }
}

async function withAuth<T>(work: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  return withDatabase(async (url) => {
    await runMigrations(url);
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(url), { logger: ['error'] });
    try {
      return await work(app);
    } finally {
      await app.close();
    }
  });
}

const withApiKeys = <T>(work: (keys: ApiKeyService) => Promise<T>): Promise<T> =>
  withAuth((app) => work(app.get(ApiKeyService)));

const program = new Command('kizuna').description('Kizuna operator commands');

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(() =>
    withDatabase(async (url) => {
      const applied = await runMigrations(url);
      console.log(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
    }),
  );

const apiKeys = program.command('api-keys').description('create, list and revoke API keys');

apiKeys
  .command('create')
  .description('create a key and print its secret (shown once)')
  .requiredOption('--name <name>', 'what the key is for, e.g. "shop backend"')
  .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
  .action((options: { name: string; role: string }) => {
    const role = options.role;
    if (!isRole(role)) {
      throw new Error(`--role must be one of ${ROLES.join(', ')}`);
    }
    return withApiKeys(async (keys) => {
      const { apiKey, secret } = await keys.create(options.name, role);
      console.log(JSON.stringify({ id: apiKey.id, name: apiKey.name, role: apiKey.role, key: secret }, null, 2));
    });
  });

apiKeys
  .command('list')
  .description('list keys (never their secrets)')
  .action(() =>
    withApiKeys(async (keys) => {
      for (const k of await keys.list()) {
        console.log(`${k.id}  ${k.role.padEnd(8)}  ${k.keyPrefix}…  ${k.revokedAt ? 'revoked' : 'active '}  ${k.name}`);
      }
    }),
  );

apiKeys
  .command('revoke <id>')
  .description('revoke a key by id')
  .action((id: string) =>
    withApiKeys(async (keys) => {
      const key = await keys.revoke(id);
      console.log(`Revoked ${key.id} (${key.name}).`);
    }),
  );

/** Host for `import`: ingest and its database, nothing else. */
@Module({})
class CliImportModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: CliImportModule,
      imports: [
        ConfigModule.forRoot(loadConfig()),
        ClockModule.using(DatabaseClock),
        DatabaseModule.forRoot({ url: databaseUrl, poolSize: 2 }),
        EventsModule,
      ],
    };
  }
}

const users = program.command('users').description('console users (people who sign in to the web console)');

users
  .command('create')
  .description(
    'create a console user; the password is read from a prompt that does not echo it, or from ' +
      'the first line of stdin when stdin is not a terminal (never from the command line)',
  )
  .requiredOption('--email <email>', 'the email they sign in with')
  .requiredOption('--role <role>', `one of ${CONSOLE_ROLES.join(', ')}`)
  .action(async (options: { email: string; role: string }) => {
    const role = options.role as ConsoleRole;
    if (!CONSOLE_ROLES.includes(role)) {
      throw new Error(`--role must be one of ${CONSOLE_ROLES.join(', ')}`);
    }
    const password = await readPassword(`Password for ${options.email}: `);
    if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
      throw new Error(`The password must have ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`);
    }
    return withAuth(async (app) => {
      const { user } = await app.get(ConsoleUserService).create({ email: options.email, role, password }, 'cli');
      console.log(`Created ${user.role} ${user.email}: sign in at ${app.get(KizunaConfig).http.publicUrl}/`);
    });
  });

users
  .command('list')
  .description('list console users')
  .action(() =>
    withAuth(async (app) => {
      for (const u of await app.get(ConsoleUserService).list()) {
        const status = u.disabledAt ? 'disabled' : u.hasPassword ? 'active' : 'invited';
        console.log(`${u.id}  ${u.role.padEnd(8)}  ${status.padEnd(8)}  ${u.email}`);
      }
    }),
  );

/** Host for commands that use the domain services (no api, no workers). */
@Module({})
class CliContentModule {
  static forRoot(databaseUrl: string): DynamicModule {
    const config = loadConfig();
    return {
      module: CliContentModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.using(DatabaseClock),
        DatabaseModule.forRoot({ url: databaseUrl, poolSize: 2 }),
        ReferenceModule,
      ],
    };
  }
}

program
  .command('install-reference')
  .description(
    'install the reference segments, templates and journeys (config/reference); safe to run again: ' +
      'existing items are left alone, and edited ones reported',
  )
  .option(
    '--duration-scale <factor>',
    'multiply every journey and segment duration (e.g. 0.0000116 = a day lasts a second); for demos and tests',
    '1',
  )
  .action((options: { durationScale: string }) => {
    const durationScale = Number(options.durationScale);
    if (!(durationScale > 0)) {
      throw new Error('--duration-scale must be a positive number');
    }
    return withDatabase(async (url) => {
      await runMigrations(url);
      const app = await NestFactory.createApplicationContext(CliContentModule.forRoot(url), { logger: ['error'] });
      try {
        const report = await app.get(ReferenceInstaller).install({ durationScale });
        for (const item of report.items) {
          const note = item.outcome === 'edited' ? '  (differs from the shipped content: left alone)' : '';
          console.log(`${item.outcome.padEnd(9)}  ${item.kind.padEnd(8)}  ${item.name}${note}`);
        }
      } finally {
        await app.close();
      }
    });
  });

program
  .command('import <file>')
  .description(
    "load shop history: NDJSON of native events, or CSV of customers, of orders, or Shopify's order export " +
      '(docs/import.md); safe to run again. Updates profiles, stats and segments; starts no journey',
  )
  .option('--format <format>', `one of ${HISTORY_FORMATS.join(', ')} (default: told from the file)`)
  .option(
    '--wait',
    "after loading, wait until the engine's workers have applied every imported event (progress shown): " +
      'then KPIs, stats and segments include the file',
  )
  .action((file: string, options: { format?: string; wait?: boolean }) =>
    withDatabase(async (url, embedded) => {
      const format = options.format ?? (await detectFormat(file));
      if (!HISTORY_FORMATS.includes(format as HistoryFormat)) {
        throw new Error(
          options.format === undefined
            ? `cannot tell the format of ${file}: pass --format (${HISTORY_FORMATS.join(', ')}); docs/import.md lists the columns`
            : `--format must be one of ${HISTORY_FORMATS.join(', ')}`,
        );
      }
      await runMigrations(url);
      const app = await NestFactory.createApplicationContext(CliImportModule.forRoot(url), { logger: ['error'] });
      const bar = new ProgressLine(process.stderr);
      const importer = app.get(HistoryImporter);
      try {
        const summary = await importer.import(file, format as HistoryFormat, {
          onProgress: (p) => bar.show(p.bytes / p.totalBytes, `${p.rows.toLocaleString('en')} rows`),
        });
        bar.done();
        printImportSummary(summary, file);
        if (!options.wait) {
          printNotWaiting(summary, (await importer.application(summary)).applied);
        } else if (embedded) {
          // This command started the embedded server, so no engine is running on it to apply them.
          console.log(
            'The engine is not running (this command started the embedded database): start it and it applies the ' +
              'imported events; `--wait` has nothing to wait for.',
          );
        } else {
          await waitForApplication(importer, summary, process.stderr);
        }
      } finally {
        await app.close();
      }
    }),
  );

const analytics = program.command('analytics').description('analytics figures');

analytics
  .command('rebuild')
  .description(
    'after a change of SHOP_TIMEZONE or of an engagement or attribution setting: recompute the message figures ' +
      '(day keys, machine verdicts, order credits), the entries rollup and the order rollups from the facts, ' +
      'under the current settings (docs/analytics.md); safe while the engine runs, and to run again',
  )
  .action(() =>
    withDatabase(async (url) => {
      await runMigrations(url);
      const app = await NestFactory.createApplicationContext(CliAnalyticsModule.forRoot(loadConfig(), url), {
        logger: ['error'],
      });
      try {
        await rebuildAnalytics(app, (line) => console.log(line), process.stderr);
      } finally {
        await app.close();
      }
    }),
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exit(1);
});
