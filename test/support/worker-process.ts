import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { journeyDefinitionSchema } from '@kizuna/journeys';
import type { JourneyDefinitionInput } from '../../libs/journeys/src/core/journey-definition.schema';
import type { TestDatabase } from './test-database';

const WORKER = path.resolve(__dirname, '../../dist/apps/worker/src/main.js');

/** A real worker process (the built one, as production runs it) against a test database. */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private output = '';
  readonly exited: Promise<number | null>;

  constructor(databaseUrl: string, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [WORKER], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        WORKER_POLL_INTERVAL_MS: '50',
        FREQUENCY_CAP_RULES: '',
        QUIET_HOURS: '',
        // Never a fixed port: several workers (and other checkouts' tests) run at once.
        WORKER_METRICS_PORT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** What it logged (warnings and errors by default). */
  get log(): string {
    return this.output;
  }

  /** Waits until the log has a line matching `pattern`, and returns the match. */
  async waitForLog(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.match(pattern);
      if (match) {
        return match;
      }
      if (Date.now() > deadline) {
        throw new Error(`no log line matching ${String(pattern)} within ${timeoutMs} ms; the log:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Graceful stop (SIGTERM): finishes the batch in progress. */
  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await this.exited;
  }

  /** kill -9: no chance to finish or roll back anything itself. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Stores and publishes a journey straight in the tables (what POST + publish do). */
export async function publishJourney(db: TestDatabase, input: JourneyDefinitionInput): Promise<string> {
  const definition = journeyDefinitionSchema.parse(input);
  const [journey] = await db.query<{ id: string }>(
    `INSERT INTO journeys (name, status, active_version) VALUES ($1, 'active', 1) RETURNING id`,
    [definition.name],
  );
  await db.query(
    `INSERT INTO journey_versions (journey_id, version, definition, published_at) VALUES ($1, 1, $2, now())`,
    [journey!.id, JSON.stringify(definition)],
  );
  return journey!.id;
}

/**
 * Puts events in the inbox as the api would (one statement, in the order given), each with its
 * timestamp (`occurredAt`; default: now).
 */
export async function insertEvents(
  db: TestDatabase,
  events: Array<{ customerId: string; name: string; properties?: Record<string, unknown>; occurredAt?: Date }>,
): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    const chunk = events.slice(i, i + 1000);
    await db.query(
      `INSERT INTO events (source, message_id, name, customer_key, customer_id, occurred_at, properties)
       SELECT 'api', gen_random_uuid()::text, e.name, 'id:' || e.customer_id, e.customer_id,
              COALESCE(e.occurred_at, now()), e.properties::jsonb
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
              WITH ORDINALITY AS e(name, customer_id, properties, occurred_at, n)
        ORDER BY e.n`,
      [
        chunk.map((e) => e.name),
        chunk.map((e) => e.customerId),
        chunk.map((e) => JSON.stringify(e.properties ?? {})),
        chunk.map((e) => e.occurredAt?.toISOString() ?? null),
      ],
    );
  }
  await db.query(`SELECT pg_notify('kizuna_inbox', '')`);
}
