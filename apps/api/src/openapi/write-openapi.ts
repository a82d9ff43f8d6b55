import '../../../kizuna/src/register-paths';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@kizuna/config';
import { KizunaModule } from '../../../kizuna/src/kizuna.module';
import { createOpenApiDocument } from './openapi-document';

/**
 * `node dist/apps/api/src/openapi/write-openapi.js <file>`: writes the api's OpenAPI document
 * without a database. Nest's preview mode builds the module graph (controllers and their
 * metadata) without instantiating providers, so nothing connects anywhere; the build runs this
 * before generating the console's API types (apps/console/src/api/schema.d.ts).
 */
async function main(file: string): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const app = await NestFactory.create<NestExpressApplication>(
    KizunaModule.forRoot(config, 'postgres://unused.invalid/none', { api: true, worker: false }),
    { preview: true, logger: false, abortOnError: false },
  );
  writeFileSync(file, `${JSON.stringify(createOpenApiDocument(app), null, 2)}\n`);
  await app.close();
}

const [file] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: write-openapi <output.json>\n');
  process.exit(2);
}
main(file).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
