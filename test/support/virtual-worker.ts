import { Test, type TestingModule } from '@nestjs/testing';
import { ClockModule } from '@kizuna/common';
import type { VirtualClock } from '../../libs/common/src/clock';
import { ConfigModule, loadConfig } from '@kizuna/config';
import { DatabaseModule } from '@kizuna/database';
import { InboxProcessor } from '../../apps/worker/src/inbox.processor';
import { TimerProcessor } from '../../apps/worker/src/timer.processor';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface VirtualWorker {
  db: TestDatabase;
  module: TestingModule;
  /** Applies inbox events and fires due timers until neither has work at the clock's time. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The worker's modules, as production wires them, on a fresh database and on a virtual clock,
 * driven batch by batch by the test (no pollers run). `env` overrides configuration.
 */
export async function startVirtualWorker(
  clock: VirtualClock,
  env: Record<string, string> = {},
): Promise<VirtualWorker> {
  const db = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: db.url, ...env });
  const module = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config),
      ClockModule.using(clock),
      DatabaseModule.forRoot({ url: db.url, poolSize: 2 }),
      WorkerModule,
    ],
  }).compile();
  const inbox = module.get(InboxProcessor);
  const timers = module.get(TimerProcessor);
  return {
    db,
    module,
    drain: async () => {
      while ((await inbox.processBatch()) > 0 || (await timers.processBatch()) > 0) {
        // until neither has work at the current virtual time
      }
    },
    close: async () => {
      await module.close();
      await db.drop();
    },
  };
}
