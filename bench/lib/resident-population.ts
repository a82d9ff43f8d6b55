/**
 * The resident population of a scale benchmark: customers in the middle of a journey's wait,
 * each with one active instance whose timer is due days ahead.
 *
 * A few residents are made by the real engine (events posted, a worker applies them); one of
 * those is the template, and the rest are copies of it made in SQL, a chunk of rows per
 * statement. A copy is the template's row with only what identifies it replaced (ids, keys,
 * the cart, the customer's id and email) and every timestamptz column moved by the same amount,
 * so that customers entered at different times over the last `spreadSeconds`. The column lists
 * come from information_schema, so a column added by a later migration is copied too. Per resident: the customer, its processed
 * checkout event, the instance (snapshot with its own key, cart, customer and entry time), its
 * pending timers, its history rows (pointing at its own event) and its first reminder in the
 * outbox, marked sent (without stored content: delivery is not what this measures).
 */
import type { Client } from 'pg';

export interface ResidentTemplate {
  customerUuid: string;
  instanceId: string;
  enteredAt: Date;
  eventSeq: string;
  historySeqs: string[];
  outboxIds: string[];
  timers: number;
}

/** Tables a resident has rows in, in the order they are written (foreign keys). */
export const RESIDENT_TABLES = [
  'customers',
  'events',
  'journey_instances',
  'journey_timers',
  'journey_instance_history',
  'outbox_messages',
] as const;

export type ResidentTable = (typeof RESIDENT_TABLES)[number];

export class ResidentPopulation {
  /** Copies made so far; copy n is customer `r-<tag>-<n>`. */
  private copies = 0;
  private columns: Partial<Record<ResidentTable, Array<{ name: string; timestamptz: boolean }>>> = {};

  constructor(
    private readonly db: Client,
    private readonly tag: string,
    readonly template: ResidentTemplate,
    private readonly spreadSeconds: number,
  ) {}

  /** Takes an instance the engine made (active, waiting, with its event in history) as the template. */
  static async fromEngine(db: Client, journeyId: string, tag: string, spreadSeconds: number) {
    const { rows } = await db.query<{ customer_uuid: string; id: string; entered_at: Date; snapshot: unknown }>(
      `SELECT customer_uuid, id, entered_at, snapshot FROM journey_instances
        WHERE journey_id = $1 AND status = 'active' ORDER BY entered_at LIMIT 1`,
      [journeyId],
    );
    const instance = rows[0];
    if (!instance) {
      throw new Error('no active instance made by the engine to copy');
    }
    const context = (instance.snapshot as { context?: { trigger?: { properties?: { cartId?: unknown } } } }).context;
    if (context?.trigger?.properties?.cartId === undefined) {
      throw new Error('snapshot shape changed: context.trigger.properties.cartId not found; update the copy');
    }
    const history = await db.query<{ seq: string; event_seq: string | null }>(
      `SELECT seq::text, event_seq::text FROM journey_instance_history
        WHERE customer_uuid = $1 AND instance_id = $2 ORDER BY seq`,
      [instance.customer_uuid, instance.id],
    );
    const eventSeq = history.rows.find((h) => h.event_seq !== null)?.event_seq;
    if (!eventSeq) {
      throw new Error('template instance has no history row pointing at its event');
    }
    const outbox = await db.query<{ id: string }>(
      `SELECT id FROM outbox_messages WHERE customer_uuid = $1 AND instance_id = $2`,
      [instance.customer_uuid, instance.id],
    );
    const timers = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM journey_timers WHERE customer_uuid = $1 AND instance_id = $2`,
      [instance.customer_uuid, instance.id],
    );
    return new ResidentPopulation(
      db,
      tag,
      {
        customerUuid: instance.customer_uuid,
        instanceId: instance.id,
        enteredAt: instance.entered_at,
        eventSeq,
        historySeqs: history.rows.map((h) => h.seq),
        outboxIds: outbox.rows.map((o) => o.id),
        timers: Number(timers.rows[0]!.n),
      },
      spreadSeconds,
    );
  }

  /** How many rows one resident has in each table. */
  rowsPerResident(): Record<ResidentTable, number> {
    return {
      customers: 1,
      events: 1,
      journey_instances: 1,
      journey_timers: this.template.timers,
      journey_instance_history: this.template.historySeqs.length,
      outbox_messages: this.template.outboxIds.length,
    };
  }

  get copiesMade(): number {
    return this.copies;
  }

  customerId(n: number): string {
    return `r-${this.tag}-${n}`;
  }

  email(n: number): string {
    return `r-${this.tag}-${n}@bench.kizuna.test`;
  }

  /** Adds `count` copies, `chunk` per transaction; `progress` after each chunk. */
  async add(count: number, chunk = 50_000, progress?: (done: number) => void): Promise<void> {
    const now = (await this.db.query<{ now: Date }>('SELECT now()')).rows[0]!.now;
    for (let done = 0; done < count; done += chunk) {
      const from = this.copies + done;
      const to = this.copies + Math.min(count, done + chunk);
      await this.db.query('BEGIN');
      try {
        await this.db.query('SET LOCAL synchronous_commit = off');
        await this.copyChunk(from, to, now);
        await this.db.query('COMMIT');
      } catch (error) {
        await this.db.query('ROLLBACK');
        throw error;
      }
      progress?.(to - this.copies);
    }
    this.copies += count;
  }

  /** VACUUM ANALYZE of every table a resident lives in (autovacuum may be off on the server). */
  async vacuumAnalyze(): Promise<void> {
    for (const table of RESIDENT_TABLES) {
      await this.db.query(`VACUUM (ANALYZE) ${table}`);
    }
  }

  /**
   * INSERT ... SELECT of one table's template rows, once per copy: every column as the template
   * has it, timestamptz columns moved by s.d, `overrides` replaced, identity columns `omit`ted
   * (the table numbers them). Built from information_schema, so new columns are copied too.
   */
  private async copySql(
    table: ResidentTable,
    alias: string,
    overrides: Record<string, string>,
    omit: string[] = [],
  ): Promise<string> {
    let columns = this.columns[table];
    if (!columns) {
      const { rows } = await this.db.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      );
      columns = rows.map((r) => ({ name: r.column_name, timestamptz: r.data_type === 'timestamp with time zone' }));
      this.columns[table] = columns;
    }
    const unknown = Object.keys(overrides).filter((o) => !columns.some((c) => c.name === o));
    if (unknown.length > 0) {
      throw new Error(`${table} has no column ${unknown.join(', ')}; update the copy`);
    }
    const kept = columns.filter((c) => !omit.includes(c.name));
    const values = kept.map(
      (c) => overrides[c.name] ?? (c.timestamptz ? `${alias}.${c.name} + s.d` : `${alias}.${c.name}`),
    );
    return `INSERT INTO ${table} (${kept.map((c) => c.name).join(', ')})${table === 'events' ? ' OVERRIDING SYSTEM VALUE' : ''}
            SELECT ${values.join(', ')} FROM ${table} ${alias} CROSS JOIN ${COPIES}`;
  }

  private async copyChunk(from: number, to: number, now: Date): Promise<void> {
    const t = this.template;
    const [eventBase] = (
      await this.db.query<{ base: string }>(
        `SELECT GREATEST((SELECT COALESCE(max(seq), 0) FROM events),
                         (SELECT last_value FROM events_seq_seq))::text AS base`,
      )
    ).rows;
    const base = eventBase!.base;
    const params = [this.tag, from, to, now, this.spreadSeconds, base, t.enteredAt];
    const customer = { customer_uuid: 's.customer_uuid' };
    const instance = { ...customer, instance_id: 's.instance_id' };
    await this.db.query(
      `${await this.copySql('customers', 'c', {
        id: 's.customer_uuid',
        customer_id: 's.customer_id',
        email: 's.email',
        email_normalized: 's.email',
      })} WHERE c.id = $8`,
      [...params, t.customerUuid],
    );
    await this.db.query(
      `${await this.copySql('events', 'e', {
        ...customer,
        seq: 's.event_seq',
        id: `md5($1 || ':e:' || n)::uuid`,
        message_id: `s.customer_id || '-checkout'`,
        customer_key: `'id:' || s.customer_id`,
        customer_id: 's.customer_id',
        email: 's.email',
        properties: `jsonb_set(e.properties, '{cartId}', to_jsonb(s.cart))`,
      })} WHERE e.seq = $8 ORDER BY n`,
      [...params, t.eventSeq],
    );
    await this.db.query(`SELECT setval('events_seq_seq', $1::bigint + $2::int)`, [base, to - from]);
    await this.db.query(
      `${await this.copySql('journey_instances', 'i', {
        ...customer,
        id: 's.instance_id',
        instance_key: 's.cart',
        snapshot: `jsonb_set(jsonb_set(jsonb_set(jsonb_set(i.snapshot,
                     '{context,key}', to_jsonb(s.cart)),
                     '{context,trigger,properties,cartId}', to_jsonb(s.cart)),
                     '{context,customerUuid}', to_jsonb(s.customer_uuid::text)),
                     '{context,enteredAt}', to_jsonb(floor(extract(epoch FROM i.entered_at + s.d) * 1000)::bigint))`,
      })} WHERE i.customer_uuid = $8 AND i.id = $9`,
      [...params, t.customerUuid, t.instanceId],
    );
    await this.db.query(
      `${await this.copySql('journey_timers', 'tm', instance)} WHERE tm.customer_uuid = $8 AND tm.instance_id = $9`,
      [...params, t.customerUuid, t.instanceId],
    );
    // History keeps its own identity (seq omitted), in the template's order per copy.
    await this.db.query(
      `${await this.copySql(
        'journey_instance_history',
        'h',
        { ...instance, event_seq: 'CASE WHEN h.event_seq IS NULL THEN NULL ELSE s.event_seq END' },
        ['seq'],
      )} WHERE h.customer_uuid = $8 AND h.instance_id = $9 AND h.seq = ANY($10::bigint[]) ORDER BY n, h.seq`,
      [...params, t.customerUuid, t.instanceId, t.historySeqs],
    );
    await this.db.query(
      `${await this.copySql('outbox_messages', 'o', {
        ...instance,
        id: `md5($1 || ':o:' || o.id || ':' || n)::uuid`,
        effect_key: 'replace(o.effect_key, o.instance_id::text, s.instance_id::text)',
        payload: `jsonb_set(jsonb_set(o.payload, '{instanceKey}', to_jsonb(s.cart)),
                            '{trigger,properties,cartId}', to_jsonb(s.cart))`,
        status: `'sent'`,
        recipient: 's.email',
        attempts: '1',
        sent_at: `o.created_at + s.d + interval '2 seconds'`,
      })} WHERE o.id = ANY($8::uuid[])`,
      [...params, t.outboxIds],
    );
  }
}

// One row per copy n: its customer and instance ids, cart, event seq, and d, how far its
// timestamps move from the template's (entry times spread over $5 seconds before $4).
const COPIES = `
  generate_series($2::int, $3::int - 1) AS n
  CROSS JOIN LATERAL (SELECT
    md5($1 || ':c:' || n)::uuid AS customer_uuid,
    md5($1 || ':i:' || n)::uuid AS instance_id,
    'r-' || $1 || '-' || n AS customer_id,
    'r-' || $1 || '-' || n || '@bench.kizuna.test' AS email,
    'r-cart-' || $1 || '-' || n AS cart,
    $6::bigint + n - $2 + 1 AS event_seq,
    ($4::timestamptz - ((n::bigint * 7919) % $5) * interval '1 second') - $7::timestamptz AS d) s`;
