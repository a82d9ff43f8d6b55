import { MaintenanceJobs } from '../apps/worker/src/maintenance.jobs';
import { startTestApp, type TestApp } from './support/test-app';

describe('maintenance jobs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      processes: { api: false, worker: true },
      env: { EVENT_RETENTION_DAYS: '30', EVENT_DEDUP_WINDOW_HOURS: '24' },
    });
  });
  afterAll(() => t.close());

  it('removes idempotency keys past the dedup window and processed events past retention, nothing else', async () => {
    await t.db.query(`
      INSERT INTO event_idempotency_keys (source, message_id, body_hash, event_id, created_at) VALUES
        ('api', 'old', '\\x00', gen_random_uuid(), now() - interval '25 hours'),
        ('api', 'new', '\\x00', gen_random_uuid(), now() - interval '23 hours')`);
    // Hold the customer's inbox lock (as a busy worker would) so this worker leaves 'c' pending.
    await t.db.query(`SELECT pg_advisory_lock(hashtextextended('id:1', 7))`);
    await t.db.query(`
      INSERT INTO events (source, message_id, name, customer_key, occurred_at, received_at, processed_at) VALUES
        ('api', 'a', 'x', 'id:1', now(), now() - interval '31 days', now() - interval '31 days'),
        ('api', 'b', 'x', 'id:1', now(), now() - interval '29 days', now() - interval '29 days'),
        ('api', 'c', 'x', 'id:1', now(), now() - interval '31 days', NULL)`);
    const jobs = t.app.get(MaintenanceJobs);
    await jobs.pruneIdempotencyKeys();
    await jobs.pruneOldEvents();
    expect(await t.db.query('SELECT message_id FROM event_idempotency_keys ORDER BY 1')).toEqual([
      { message_id: 'new' },
    ]);
    // 'c' is past retention but was never processed: it is kept (and will be processed).
    const left = await t.db.query<{ message_id: string }>('SELECT message_id FROM events ORDER BY 1');
    expect(left.map((r) => r.message_id)).toEqual(['b', 'c']);
    await t.db.query(`SELECT pg_advisory_unlock(hashtextextended('id:1', 7))`);
  });
});
