import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createRootLogger, PinoNestLogger } from '@kizuna/common';
import { InvalidConfigError, loadConfig, type KizunaConfig } from '@kizuna/config';
import { runMigrations, startDatabase, type RunningDatabase } from '@kizuna/database';
import type { INestApplicationContext } from '@nestjs/common';
import { configureHttp, expressErrorHandler, HTTP_APPLICATION_OPTIONS } from '../../api/src/http/configure-http';
import { WorkerMetricsServer } from '../../worker/src/worker-metrics.server';
import { KizunaModule, type KizunaProcesses } from './kizuna.module';

const SHUTDOWN_GRACE_MS = 30_000;

/**
 * Starts a Kizuna process: validate config, bring up the database (DATABASE_URL or embedded),
 * apply migrations, then serve HTTP and/or run the workers. SIGTERM/SIGINT drain and exit.
 */
export async function startKizuna(processes: KizunaProcesses): Promise<void> {
  let config: KizunaConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof InvalidConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createRootLogger(config.log.level);
  const nestLogger = new PinoNestLogger(logger);
  let database: RunningDatabase | undefined;
  let metrics: WorkerMetricsServer | undefined;
  try {
    // A process without the api has no /metrics of its own: it serves the same registry on a port
    // of its own, from the start (liveness while the database starts) until it exits.
    const metricsPort = config.worker.metrics.port;
    if (processes.worker && !processes.api && metricsPort !== undefined) {
      metrics = await WorkerMetricsServer.start({ port: metricsPort, host: config.worker.metrics.host }, logger);
    }
    database = await startDatabase(config, (line) => logger.debug({ component: 'embedded-postgres' }, line));
    logger.info(
      { embedded: database.embedded !== undefined },
      database.embedded ? 'embedded PostgreSQL ready' : 'using DATABASE_URL',
    );
    const applied = await runMigrations(database.url);
    if (applied.length > 0) {
      logger.info({ migrations: applied }, 'migrations applied');
    }
    const module = KizunaModule.forRoot(config, database.url, processes);
    let app: INestApplicationContext;
    if (processes.api) {
      const http = await NestFactory.create<NestExpressApplication>(module, {
        ...HTTP_APPLICATION_OPTIONS,
        logger: nestLogger,
      });
      configureHttp(http, config, logger);
      await http.init();
      http.use(expressErrorHandler);
      await http.listen(config.http.port, config.http.host);
      logger.info(
        { url: `http://${config.http.host}:${config.http.port}`, docs: `${config.http.publicUrl}/docs` },
        'Kizuna api listening',
      );
      app = http;
    } else {
      app = await NestFactory.createApplicationContext(module, { logger: nestLogger });
      await app.init();
    }
    logger.info({ processes }, 'Kizuna started');
    handleShutdown(app, database, metrics, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'Kizuna failed to start');
    await metrics?.close();
    await database?.embedded?.stop().catch(() => undefined);
    process.exit(1);
  }
}

function handleShutdown(
  app: INestApplicationContext,
  database: RunningDatabase,
  metrics: WorkerMetricsServer | undefined,
  logger: ReturnType<typeof createRootLogger>,
): void {
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      return;
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: draining work in progress');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    void (async () => {
      await app.close();
      await metrics?.close();
      await database.embedded?.stop();
      logger.info('stopped');
      process.exit(0);
    })();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
