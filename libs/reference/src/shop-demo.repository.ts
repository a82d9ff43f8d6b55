import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Clock } from '@kizuna/common';
import { CustomerRepository } from '@kizuna/customers';
import { inTransaction, retryOnDeadlock } from '@kizuna/database';
import type { DataSource } from 'typeorm';

export interface ReviewRequest {
  messageId: string;
  customerId: string;
  journeyId: string;
  instanceKey: string;
}

/** What one run sent: the summary's counts, read from the database, must match it. */
export interface DemoRunCounts {
  checkouts: number;
  orders: number;
}

export interface DemoSummary {
  journeys: Array<{ name: string; entered: number; active: number; completed: number; exited: number }>;
  emails: Array<{ templateKey: string; status: string; count: number }>;
  nps: { detractors: number; passives: number; promoters: number };
  segments: Array<{ key: string; members: number }>;
  customers: number;
  orders: number;
  /** What this run sent (set by ShopDemo.run). */
  sent: DemoRunCounts;
}

/** The settings row that marks a database as the demo's own, so a run may empty it. */
const DEMO_MARK = 'demo';

/** Every table but TypeORM's migration log: what a fresh demo database has empty. */
const KEEP = ['typeorm_migrations'];

/** The demo's reads: review emails to answer, and the numbers of its closing summary. */
@Injectable()
export class ShopDemoRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly customers: CustomerRepository,
  ) {}

  /**
   * Empties the database for a new run, so a second run does not add to the first one's
   * customers, orders and journeys. Only a database the demo marked as its own (or one without
   * customers yet) is emptied; anything else is refused, never truncated.
   */
  reset(): Promise<void> {
    // TRUNCATE takes each table's strongest lock in turn while the engine's own loops poll them:
    // a deadlock between the two is possible and harmless (PostgreSQL rolls the reset back), so
    // the reset is tried again.
    return retryOnDeadlock(() => this.resetOnce());
  }

  private async resetOnce(): Promise<void> {
    await inTransaction(this.dataSource, async (tx) => {
      const [state] = await tx.query<Array<{ marked: boolean }>>(
        `SELECT EXISTS (SELECT 1 FROM settings WHERE key = $1) AS marked`,
        [DEMO_MARK],
      );
      if (!state!.marked && (await this.customers.count(tx)).customers > 0) {
        throw new Error(
          'This database has customers the demo did not create; the demo runs only in a database of its own',
        );
      }
      const tables = await tx.query<Array<{ name: string }>>(
        `SELECT quote_ident(tablename) AS name FROM pg_tables
          WHERE schemaname = current_schema() AND tablename <> ALL($1::text[]) ORDER BY tablename`,
        [KEEP],
      );
      await tx.query(`TRUNCATE ${tables.map((t) => t.name).join(', ')} RESTART IDENTITY CASCADE`);
      await tx.query(`INSERT INTO settings (key, value, updated_at) VALUES ($1, 'true'::jsonb, now())`, [DEMO_MARK]);
    });
  }

  /** Review requests sent (or written to file) whose NPS the demo has not answered yet. */
  async reviewRequestsSent(answered: ReadonlySet<string>): Promise<ReviewRequest[]> {
    const rows = await this.dataSource.query<
      Array<{ id: string; customer_uuid: string; journey_id: string | null; instance_key: string | null }>
    >(
      `SELECT m.id, m.customer_uuid, m.payload->>'journeyId' AS journey_id, m.payload->>'instanceKey' AS instance_key
         FROM outbox_messages m
        WHERE m.template_key = 'review-request' AND m.status = 'sent'`,
    );
    const unanswered = rows.filter((r) => !answered.has(r.id) && r.journey_id !== null);
    const contacts = await this.customers.contactsOf(
      undefined,
      unanswered.map((r) => r.customer_uuid),
    );
    return unanswered.flatMap((r) => {
      const customerId = contacts.get(r.customer_uuid)?.customerId;
      return customerId
        ? [{ messageId: r.id, customerId, journeyId: r.journey_id!, instanceKey: r.instance_key ?? '' }]
        : [];
    });
  }

  async summary(): Promise<Omit<DemoSummary, 'sent'>> {
    const journeys = await this.dataSource.query<
      Array<{ name: string; entered: number; active: number; completed: number; exited: number }>
    >(
      `SELECT j.name, count(i.id)::int AS entered,
              count(*) FILTER (WHERE i.status = 'active')::int AS active,
              count(*) FILTER (WHERE i.status = 'completed')::int AS completed,
              count(*) FILTER (WHERE i.status = 'exited')::int AS exited
         FROM journeys j LEFT JOIN journey_instances i ON i.journey_id = j.id
        GROUP BY j.name ORDER BY j.name`,
    );
    const emails = await this.dataSource.query<Array<{ template_key: string; status: string; count: number }>>(
      `SELECT template_key, status, count(*)::int AS count FROM outbox_messages
        WHERE channel = 'email' GROUP BY template_key, status ORDER BY template_key, status`,
    );
    const [nps] = await this.dataSource.query<Array<DemoSummary['nps']>>(
      `SELECT count(*) FILTER (WHERE (properties->>'score')::int <= 6)::int AS detractors,
              count(*) FILTER (WHERE (properties->>'score')::int IN (7, 8))::int AS passives,
              count(*) FILTER (WHERE (properties->>'score')::int >= 9)::int AS promoters
         FROM events WHERE name = 'nps.responded'`,
    );
    const segments = await this.dataSource.query<Array<{ key: string; members: number }>>(
      `SELECT s.key, count(m.customer_uuid)::int AS members FROM segments s
         LEFT JOIN segment_memberships m ON m.segment_id = s.id
        WHERE s.archived_at IS NULL GROUP BY s.key ORDER BY s.key`,
    );
    const counts = await this.customers.count();
    return {
      journeys,
      emails: emails.map((e) => ({ templateKey: e.template_key, status: e.status, count: e.count })),
      nps: nps!,
      segments,
      customers: counts.customers,
      orders: counts.orders,
    };
  }

  /** Events not yet applied by the workers, and email due but not yet delivered. */
  async pendingWork(): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ n: number }>>(
      `SELECT ((SELECT count(*) FROM events WHERE processed_at IS NULL)
             + (SELECT count(*) FROM outbox_messages
                 WHERE status IN ('queued', 'sending') AND not_before <= $1))::int AS n`,
      [this.clock.now()],
    );
    return row!.n;
  }
}
