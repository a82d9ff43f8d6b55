import '../../kizuna/src/register-paths';
import { NestFactory } from '@nestjs/core';
import { ApiKeyService, AuthModule, isRole, ROLES } from '@kizuna/auth';
import { ConfigModule, InvalidConfigError, loadConfig } from '@kizuna/config';
import { DatabaseModule, runMigrations, startDatabase, type RunningDatabase } from '@kizuna/database';
import { Module, type DynamicModule } from '@nestjs/common';
import { Command } from 'commander';

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
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot({ url: databaseUrl, poolSize: 2 }), AuthModule],
    };
  }
}

async function withDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const config = loadConfig();
  let database: RunningDatabase | undefined;
  try {
    database = await startDatabase(config, () => undefined);
    return await work(database.url);
  } finally {
    await database?.embedded?.stop();
  }
}

async function withApiKeys<T>(work: (keys: ApiKeyService) => Promise<T>): Promise<T> {
  return withDatabase(async (url) => {
    await runMigrations(url);
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(url), { logger: ['error'] });
    try {
      return await work(app.get(ApiKeyService));
    } finally {
      await app.close();
    }
  });
}

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

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof InvalidConfigError || error instanceof Error ? error.message : String(error));
  process.exit(1);
});
