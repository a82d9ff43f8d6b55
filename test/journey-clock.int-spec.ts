import { Test, type TestingModule } from '@nestjs/testing';
import { ClockModule } from '@kizuna/common';
import { ConfigModule, loadConfig } from '@kizuna/config';
import { DatabaseModule } from '@kizuna/database';
import { EngineClock } from '@kizuna/journeys';
import type { EntityManager } from 'typeorm';
import { InboxProcessor } from '../apps/worker/src/inbox.processor';
import { TimerProcessor } from '../apps/worker/src/timer.processor';
import { WorkerModule } from '../apps/worker/src/worker.module';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { insertEvents, publishJourney } from './support/worker-process';

/** A clock the test moves by hand: days pass in no time, and nothing fires early. */
class VirtualClock extends EngineClock {
  constructor(public current: Date) {
    super();
  }
  now(_tx: EntityManager): Promise<Date> {
    return Promise.resolve(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

const H = 3_600_000;
const DAY = 24 * H;

/**
 * The worker's inbox and timer processors, as production wires them, on real PostgreSQL but on
 * a virtual engine clock, driven batch by batch (no pollers running).
 */
describe('journey engine on a virtual clock', () => {
  let db: TestDatabase;
  let module: TestingModule;
  const clock = new VirtualClock(new Date('2026-03-02T09:00:00Z')); // a Monday
  let inbox: InboxProcessor;
  let timers: TimerProcessor;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      WEBHOOK_ALLOWED_HOSTS: 'hooks.example.com',
    });
    module = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        ClockModule,
        DatabaseModule.forRoot({ url: db.url, poolSize: 2 }),
        WorkerModule,
      ],
    })
      .overrideProvider(EngineClock)
      .useValue(clock)
      .compile();
    inbox = module.get(InboxProcessor);
    timers = module.get(TimerProcessor);
  });
  afterAll(async () => {
    await module.close();
    await db.drop();
  });

  const drain = async (): Promise<void> => {
    while ((await inbox.processBatch()) > 0 || (await timers.processBatch()) > 0) {
      // until neither has work at the current virtual time
    }
  };
  const sent = (journeyId: string) =>
    db.query<{ customer_id: string; step_id: string }>(
      `SELECT c.customer_id, o.step_id FROM outbox_messages o JOIN customers c ON c.id = o.customer_uuid
        WHERE o.journey_id = $1 ORDER BY c.customer_id, o.created_at`,
      [journeyId],
    );

  it('a three-day wait and a 10:00-local wait fire when the clock passes them, not before', async () => {
    const journeyId = await publishJourney(db, {
      name: 'post-purchase',
      entry: { event: 'order.done' },
      steps: [
        { id: 'three-days', type: 'wait', duration: 'P3D', next: 'tips' },
        { id: 'tips', type: 'send', template: 'tips', category: 'marketing', next: 'morning' },
        { id: 'morning', type: 'wait', until: { time: '10:00' }, next: 'review' },
        { id: 'review', type: 'send', template: 'review', category: 'marketing' },
      ],
    });
    // A customer in Tokyo: 10:00 there is 01:00 UTC.
    await db.query(`INSERT INTO customers (customer_id, timezone) VALUES ('tokyo', 'Asia/Tokyo')`);
    await insertEvents(db, [{ customerId: 'tokyo', name: 'order.done' }]);
    await drain();
    expect(await sent(journeyId)).toEqual([]);

    clock.advance(3 * DAY - 1000);
    await drain();
    expect(await sent(journeyId)).toEqual([]);

    clock.advance(1000); // 2026-03-05T09:00Z = 18:00 in Tokyo
    await drain();
    expect((await sent(journeyId)).map((s) => s.step_id)).toEqual(['tips']);
    const [timer] = await db.query<{ due_at: Date }>('SELECT due_at FROM journey_timers WHERE journey_id = $1', [
      journeyId,
    ]);
    expect(timer!.due_at.toISOString()).toBe('2026-03-06T01:00:00.000Z');

    clock.current = new Date('2026-03-06T01:00:00Z');
    await drain();
    expect((await sent(journeyId)).map((s) => s.step_id)).toEqual(['tips', 'review']);
  });

  it('held-out customers enter and are recorded, and nothing is sent to them', async () => {
    const journeyId = await publishJourney(db, {
      name: 'holdout',
      entry: { event: 'joined' },
      holdout: 0.5,
      steps: [{ id: 'hello', type: 'send', template: 'hello', category: 'marketing' }],
    });
    const customers = Array.from({ length: 60 }, (_, i) => `h-${i}`);
    await insertEvents(
      db,
      customers.map((customerId) => ({ customerId, name: 'joined' })),
    );
    await drain();
    const [row] = await db.query<{ entered: number; held: number }>(
      `SELECT count(*)::int AS entered, count(*) FILTER (WHERE holdout)::int AS held FROM journey_instances WHERE journey_id = $1`,
      [journeyId],
    );
    expect(row!.entered).toBe(60);
    expect(row!.held).toBeGreaterThan(15);
    expect(row!.held).toBeLessThan(45);
    expect(await sent(journeyId)).toHaveLength(60 - row!.held);
    const [history] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM journey_instance_history WHERE journey_id = $1 AND kind = 'held-out'`,
      [journeyId],
    );
    expect(history!.n).toBe(row!.held);
  });

  it('enqueues webhooks to allowed hosts only, even for a definition saved before the list changed', async () => {
    const allowed = await publishJourney(db, {
      name: 'hook',
      entry: { event: 'hooked' },
      steps: [{ id: 'call', type: 'webhook', url: 'https://hooks.example.com/kizuna' }],
    });
    const removed = await publishJourney(db, {
      name: 'old hook',
      entry: { event: 'hooked' },
      steps: [{ id: 'call', type: 'webhook', url: 'https://old.example.net/kizuna' }],
    });
    await insertEvents(db, [{ customerId: 'w-1', name: 'hooked' }]);
    await drain();
    const rows = await db.query<{ journey_id: string; channel: string; webhook_url: string }>(
      `SELECT journey_id, channel, webhook_url FROM outbox_messages WHERE journey_id = ANY($1::uuid[])`,
      [[allowed, removed]],
    );
    expect(rows).toEqual([
      { journey_id: allowed, channel: 'webhook', webhook_url: 'https://hooks.example.com/kizuna' },
    ]);
  });
});
