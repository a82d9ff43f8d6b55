import type { Request, RequestHandler, Response } from 'express';

/** Runs an Express middleware (a body parser) inside a guard or interceptor, as a promise. */
export function runMiddleware(middleware: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    void middleware(req, res, (error?: unknown) => {
      if (error === undefined || error === null) {
        resolve();
      } else {
        reject(error instanceof Error ? error : new Error('middleware failed', { cause: error }));
      }
    });
  });
}
