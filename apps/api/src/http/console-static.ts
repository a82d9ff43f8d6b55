import { existsSync } from 'node:fs';
import path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';

/** Paths the api itself serves: the console's fallback never answers for them. */
const API_PATHS = /^\/(?:v1|docs|health|metrics|u|t|n)(?:\/|$)/;
/** A request for a file (`/favicon.ico`, `/assets/x.js`): a missing one is a 404, not the app. */
const FILE_PATH = /\/[^/]*\.[^/]*$/;

/** dist/console under the checkout: found from this file, compiled (dist/apps/...) or not (jest). */
export function consoleBuildDir(from = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) {
    dir = path.dirname(dir);
  }
  return path.join(dir, 'dist', 'console');
}

/**
 * Serves the console's build (apps/console, built by `npm run build` into dist/console) at `/`,
 * same origin as the API: the session cookie and no CORS. Hashed assets are cached for a year;
 * index.html never (a new build is picked up at once). Any other GET outside the api's own paths
 * is a client-side route and gets index.html (the SPA fallback).
 */
export function serveConsole(app: NestExpressApplication, logger: Logger, dir = consoleBuildDir()): void {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) {
    logger.warn({ dir }, 'the console is not built (npm run build): / serves nothing');
    return;
  }
  app.use(
    '/assets',
    express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: true }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || API_PATHS.test(req.path) || FILE_PATH.test(req.path)) {
      next();
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}
