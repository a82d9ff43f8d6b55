import http from 'node:http';
import { Client } from 'pg';
import { api, postJson } from '../lib/http-load';
import {
  createBenchDatabase,
  startKizuna,
  waitForWorkers,
  type BenchDatabase,
  type RunningKizuna,
} from '../lib/kizuna-process';
import type { CartSystem } from './cart-system';
import {
  DB_POOL,
  DELAY_SECONDS,
  MAIL_FROM,
  REMINDER_TEMPLATE,
  SEND_BATCH,
  SMTP_CONNECTIONS,
  WORKERS,
  type Cart,
} from './workload';

const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const API_PORT = 3941;
const WORKER_BATCH = 500;

/** The journey a shop would write for this workload: enter per cart, wait D, send the reminder. */
const journey = {
  name: 'Bench cart reminder (baselines)',
  entry: { event: 'checkout.started', key: 'cartId' },
  steps: [
    { id: 'wait', type: 'wait', duration: `PT${DELAY_SECONDS}S`, next: 'remind' },
    { id: 'remind', type: 'send', template: 'bench-cart-reminder', category: 'marketing' },
  ],
};

/**
 * Kizuna itself: one api process and BENCH_WORKERS worker processes on a fresh database, events
 * through POST /v1/events/batch. An event counts as scheduled once a worker has turned it into a
 * journey instance; the instance and its pending timer commit in the same transaction.
 */
export class KizunaSystem implements CartSystem {
  readonly name = 'Kizuna';
  readonly settings =
    `one api process and ${WORKERS} worker process(es), DATABASE_POOL_SIZE=${DB_POOL}, WORKER_BATCH_SIZE=${WORKER_BATCH} ` +
    `(as in the processing benchmark), DELIVERY_BATCH_SIZE=${SEND_BATCH} and DELIVERY_CONCURRENCY=${SMTP_CONNECTIONS} (messages ` +
    `in flight and SMTP connections per worker: the best setting bench:delivery found), FREQUENCY_CAP_RULES='' and QUIET_HOURS='' (no sending policy delays); events posted as ` +
    `POST /v1/events/batch with the customer's email on the event; journey: entry on checkout.started keyed by cartId ` +
    `-> wait PT${DELAY_SECONDS}S -> send (marketing); an event counts as scheduled once its journey instance exists ` +
    `(the worker commits the instance and its pending timer in one transaction with the event marked processed)`;

  private database?: BenchDatabase;
  private apiProcess?: RunningKizuna;
  private workers: RunningKizuna[] = [];
  private db?: Client;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  async start(smtpUrl: string): Promise<void> {
    this.database = await createBenchDatabase('kizuna_bench_baselines_kizuna');
    const env = {
      DATABASE_URL: this.database.url,
      ADMIN_API_KEY: ADMIN_KEY,
      DATABASE_POOL_SIZE: String(DB_POOL),
      WORKER_BATCH_SIZE: String(WORKER_BATCH),
      SMTP_URL: smtpUrl,
      MAIL_FROM: MAIL_FROM.address,
      MAIL_FROM_NAME: MAIL_FROM.name,
      DELIVERY_BATCH_SIZE: String(SEND_BATCH),
      DELIVERY_CONCURRENCY: String(SMTP_CONNECTIONS),
      FREQUENCY_CAP_RULES: '',
      QUIET_HOURS: '',
    };
    this.apiProcess = await startKizuna('api', env, API_PORT);
    const base = this.apiProcess.baseUrl;
    await api(base, ADMIN_KEY, 'POST', '/v1/templates', {
      key: 'bench-cart-reminder',
      defaultLocale: 'en',
      variants: { en: REMINDER_TEMPLATE },
    });
    const created = await api<{ id: string }>(base, ADMIN_KEY, 'POST', '/v1/journeys', journey);
    await api(base, ADMIN_KEY, 'POST', `/v1/journeys/${created.id}/publish`, {});
    for (let i = 0; i < WORKERS; i++) {
      this.workers.push(await startKizuna('worker', env, API_PORT + 1 + i));
    }
    await waitForWorkers(this.database.url, WORKERS);
    this.db = new Client({ connectionString: this.database.url });
    await this.db.connect();
  }

  async accept(carts: Cart[], at: number): Promise<void> {
    const timestamp = new Date(at).toISOString();
    const events = carts.map((c) => ({
      name: 'checkout.started',
      customerId: c.customerId,
      email: c.email,
      messageId: `${c.cartId}-checkout`,
      timestamp,
      properties: { cartId: c.cartId, items: c.items, total: c.total, currency: c.currency },
    }));
    const status = await postJson(
      this.agent,
      API_PORT,
      '/v1/events/batch',
      JSON.stringify({ events }),
      `Bearer ${ADMIN_KEY}`,
    );
    if (status !== 202) {
      throw new Error(`POST /v1/events/batch: ${status}`);
    }
  }

  async scheduled(): Promise<number> {
    const { rows } = await this.db!.query<{ n: string }>('SELECT count(*) AS n FROM journey_instances');
    return Number(rows[0]?.n ?? 0);
  }

  /** Kizuna's wait starts when the worker applies the event (entry), not at the event's time. */
  async ownDueTimes(): Promise<Map<number, number>> {
    const { rows } = await this.db!.query<{ key: string; entered_at: Date }>(
      'SELECT instance_key AS key, entered_at FROM journey_instances',
    );
    return new Map(
      rows.map((r) => [Number(r.key.slice(r.key.lastIndexOf('-') + 1)), r.entered_at.getTime() + DELAY_SECONDS * 1000]),
    );
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    await Promise.all(this.workers.map((w) => w.stop()));
    await this.apiProcess?.stop();
    await this.db?.end();
    await this.database?.drop();
  }
}
