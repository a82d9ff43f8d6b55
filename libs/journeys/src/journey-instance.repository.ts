import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { InstanceOutcome, InstanceRecord, InstanceStatus } from './instance-transitions';
import type { PersistedSnapshot } from './journey.engine';

interface InstanceDbRow {
  customer_uuid: string;
  id: string;
  journey_id: string;
  version: number;
  instance_key: string;
  entry_count: number;
  status: InstanceStatus;
  current_step: string | null;
  snapshot: PersistedSnapshot;
  entered_at: Date;
  exited_at: Date | null;
  exit_reason: string | null;
  holdout: boolean;
  last_message_at: Date | null;
  goal_reached_at: Date | null;
}

export type StoredInstance = InstanceRecord;

const toInstance = (r: InstanceDbRow): StoredInstance => ({
  id: r.id,
  journeyId: r.journey_id,
  version: r.version,
  customerUuid: r.customer_uuid,
  key: r.instance_key,
  entryCount: r.entry_count,
  status: r.status,
  snapshot: r.snapshot,
  currentStep: r.current_step ?? undefined,
  enteredAt: r.entered_at.getTime(),
  exitedAt: r.exited_at?.getTime(),
  exitReason: r.exit_reason ?? undefined,
  holdout: r.holdout,
  lastMessageAt: r.last_message_at?.getTime(),
  goalReachedAt: r.goal_reached_at?.getTime(),
});

const at = (ms: number | undefined): Date | null => (ms === undefined ? null : new Date(ms));

export interface DueTimer {
  customerUuid: string;
  instanceId: string;
  timerId: string;
  journeyId: string;
  event: string;
  dueAt: Date;
}

export interface HistoryRow {
  instanceId: string;
  journeyId: string;
  version: number;
  entryCount: number;
  kind: string;
  stepId: string | null;
  reason: string | null;
  at: Date;
}

export interface JourneyCounts {
  entered: number;
  heldOut: number;
  goalReached: number;
  currentlyIn: number;
  exited: Record<string, number>;
  steps: Array<{ stepId: string; entered: number; currentlyIn: number }>;
}

/**
 * Journey instances, their timers and history. Writes take the worker's transaction; the
 * caller holds the customer's row lock, which serialises everything done for one customer.
 */
@Injectable()
export class JourneyInstanceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async forCustomer(tx: EntityManager, customerUuid: string, journeyIds: string[]): Promise<StoredInstance[]> {
    const rows = await tx.query<InstanceDbRow[]>(
      `SELECT * FROM journey_instances WHERE customer_uuid = $1 AND journey_id = ANY($2::uuid[]) ORDER BY entered_at, id`,
      [customerUuid, journeyIds],
    );
    return rows.map(toInstance);
  }

  async find(tx: EntityManager, customerUuid: string, instanceId: string): Promise<StoredInstance | undefined> {
    const [row] = await tx.query<InstanceDbRow[]>(
      `SELECT * FROM journey_instances WHERE customer_uuid = $1 AND id = $2`,
      [customerUuid, instanceId],
    );
    return row ? toInstance(row) : undefined;
  }

  /** The journeys an inbox event already changed for this customer: a replay skips them. */
  async journeysApplied(tx: EntityManager, customerUuid: string, eventSeq: string): Promise<Set<string>> {
    const rows = await tx.query<Array<{ journey_id: string }>>(
      `SELECT DISTINCT journey_id FROM journey_instance_history WHERE customer_uuid = $1 AND event_seq = $2`,
      [customerUuid, eventSeq],
    );
    return new Set(rows.map((r) => r.journey_id));
  }

  /** Stores one outcome: the instance row, its timers and its history (tagged with the event). */
  async save(tx: EntityManager, outcome: InstanceOutcome, eventSeq: string | undefined): Promise<void> {
    const i = outcome.instance;
    await tx.query(
      `INSERT INTO journey_instances (customer_uuid, id, journey_id, version, instance_key, entry_count, status,
                                      current_step, snapshot, entered_at, exited_at, exit_reason, holdout,
                                      last_message_at, goal_reached_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (customer_uuid, id) DO UPDATE SET
         version = EXCLUDED.version, entry_count = EXCLUDED.entry_count, status = EXCLUDED.status,
         current_step = EXCLUDED.current_step, snapshot = EXCLUDED.snapshot, entered_at = EXCLUDED.entered_at,
         exited_at = EXCLUDED.exited_at, exit_reason = EXCLUDED.exit_reason, holdout = EXCLUDED.holdout,
         last_message_at = EXCLUDED.last_message_at, goal_reached_at = EXCLUDED.goal_reached_at, updated_at = now()`,
      [
        i.customerUuid,
        i.id,
        i.journeyId,
        i.version,
        i.key,
        i.entryCount,
        i.status,
        i.currentStep ?? null,
        JSON.stringify(i.snapshot),
        at(i.enteredAt),
        at(i.exitedAt),
        i.exitReason ?? null,
        i.holdout,
        at(i.lastMessageAt),
        at(i.goalReachedAt),
      ],
    );
    if (outcome.cancelAllTimers) {
      await tx.query(`DELETE FROM journey_timers WHERE customer_uuid = $1 AND instance_id = $2`, [
        i.customerUuid,
        i.id,
      ]);
    } else if (outcome.timersToCancel.length > 0) {
      await tx.query(
        `DELETE FROM journey_timers WHERE customer_uuid = $1 AND instance_id = $2 AND timer_id = ANY($3::text[])`,
        [i.customerUuid, i.id, outcome.timersToCancel],
      );
    }
    if (outcome.timersToSet.length > 0) {
      await tx.query(
        `INSERT INTO journey_timers (customer_uuid, instance_id, timer_id, journey_id, event, due_at)
         SELECT $1, $2, t.timer_id, $3, t.event, t.due_at
           FROM unnest($4::text[], $5::text[], $6::timestamptz[]) AS t(timer_id, event, due_at)
         ON CONFLICT (customer_uuid, instance_id, timer_id) DO UPDATE SET event = EXCLUDED.event, due_at = EXCLUDED.due_at`,
        [
          i.customerUuid,
          i.id,
          i.journeyId,
          outcome.timersToSet.map((t) => t.timerId),
          outcome.timersToSet.map((t) => t.event),
          outcome.timersToSet.map((t) => new Date(t.dueAt).toISOString()),
        ],
      );
    }
    if (outcome.history.length > 0) {
      await tx.query(
        `INSERT INTO journey_instance_history (customer_uuid, instance_id, journey_id, version, entry_count, kind, step_id,
                                               reason, at, event_seq)
         SELECT $1, $2, $3, $4, $5, h.kind, h.step_id, h.reason, h.at, $10
           FROM unnest($6::text[], $7::text[], $8::text[], $9::timestamptz[]) WITH ORDINALITY AS h(kind, step_id, reason, at, n)
          ORDER BY h.n`,
        [
          i.customerUuid,
          i.id,
          i.journeyId,
          i.version,
          i.entryCount,
          outcome.history.map((h) => h.kind),
          outcome.history.map((h) => h.stepId ?? null),
          outcome.history.map((h) => h.reason ?? null),
          outcome.history.map((h) => new Date(h.at).toISOString()),
          eventSeq ?? null,
        ],
      );
    }
  }

  /**
   * Claims due timers of running (active) journeys: rows locked with SKIP LOCKED, then only
   * those whose customer row this transaction can lock at once (SKIP LOCKED again), so a timer
   * never runs beside an inbox event of the same customer, and this claim never waits.
   */
  async claimDue(tx: EntityManager, now: Date, limit: number): Promise<DueTimer[]> {
    const rows = await tx.query<
      Array<{
        customer_uuid: string;
        instance_id: string;
        timer_id: string;
        journey_id: string;
        event: string;
        due_at: Date;
      }>
    >(
      `SELECT t.* FROM journey_timers t JOIN journeys j ON j.id = t.journey_id AND j.status = 'active'
        WHERE t.due_at <= $1
        ORDER BY t.due_at
        LIMIT $2
        FOR UPDATE OF t SKIP LOCKED
        FOR SHARE OF j`,
      [now, limit],
    );
    if (rows.length === 0) {
      return [];
    }
    const customers = [...new Set(rows.map((r) => r.customer_uuid))].sort();
    const locked = await tx.query<Array<{ id: string }>>(
      `SELECT id FROM customers WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE SKIP LOCKED`,
      [customers],
    );
    const mine = new Set(locked.map((r) => r.id));
    return rows
      .filter((r) => mine.has(r.customer_uuid))
      .map((r) => ({
        customerUuid: r.customer_uuid,
        instanceId: r.instance_id,
        timerId: r.timer_id,
        journeyId: r.journey_id,
        event: r.event,
        dueAt: r.due_at,
      }));
  }

  async deleteTimer(tx: EntityManager, timer: DueTimer): Promise<void> {
    await tx.query(`DELETE FROM journey_timers WHERE customer_uuid = $1 AND instance_id = $2 AND timer_id = $3`, [
      timer.customerUuid,
      timer.instanceId,
      timer.timerId,
    ]);
  }

  async postponeTimer(tx: EntityManager, timer: DueTimer, until: Date): Promise<void> {
    await tx.query(
      `UPDATE journey_timers SET due_at = $4 WHERE customer_uuid = $1 AND instance_id = $2 AND timer_id = $3`,
      [timer.customerUuid, timer.instanceId, timer.timerId, until],
    );
  }

  /** Ends every active instance of a journey (archiving it) and drops their timers. */
  async exitAll(tx: EntityManager, journeyId: string, reason: string, now: Date): Promise<number> {
    const ended = await tx.query<Array<{ customer_uuid: string; id: string; version: number; entry_count: number }>>(
      `WITH ended AS (
         UPDATE journey_instances
            SET status = 'exited', exit_reason = $2, exited_at = $3, current_step = NULL, updated_at = now()
          WHERE journey_id = $1 AND status = 'active'
          RETURNING customer_uuid, id, version, entry_count)
       SELECT * FROM ended`,
      [journeyId, reason, now],
    );
    await tx.query(`DELETE FROM journey_timers WHERE journey_id = $1`, [journeyId]);
    if (ended.length > 0) {
      await tx.query(
        `INSERT INTO journey_instance_history (customer_uuid, instance_id, journey_id, version, entry_count, kind, reason, at)
         SELECT e.customer_uuid, e.id, $1, e.version, e.entry_count, 'exited', $2, $3
           FROM unnest($4::uuid[], $5::uuid[], $6::int[], $7::int[]) AS e(customer_uuid, id, version, entry_count)`,
        [
          journeyId,
          reason,
          now,
          ended.map((e) => e.customer_uuid),
          ended.map((e) => e.id),
          ended.map((e) => e.version),
          ended.map((e) => e.entry_count),
        ],
      );
    }
    return ended.length;
  }

  /** Active instances of one version, locked, for a migration. */
  async activeOnVersion(tx: EntityManager, journeyId: string, version: number): Promise<StoredInstance[]> {
    const rows = await tx.query<InstanceDbRow[]>(
      `SELECT * FROM journey_instances WHERE journey_id = $1 AND version = $2 AND status = 'active' FOR UPDATE`,
      [journeyId, version],
    );
    return rows.map(toInstance);
  }

  async listForCustomer(customerUuid: string): Promise<{ instances: StoredInstance[]; history: HistoryRow[] }> {
    const rows = await this.dataSource.query<InstanceDbRow[]>(
      `SELECT * FROM journey_instances WHERE customer_uuid = $1 ORDER BY entered_at DESC, id`,
      [customerUuid],
    );
    const history = await this.dataSource.query<
      Array<{
        instance_id: string;
        journey_id: string;
        version: number;
        entry_count: number;
        kind: string;
        step_id: string | null;
        reason: string | null;
        at: Date;
      }>
    >(
      `SELECT instance_id, journey_id, version, entry_count, kind, step_id, reason, at
         FROM journey_instance_history WHERE customer_uuid = $1 ORDER BY seq`,
      [customerUuid],
    );
    return {
      instances: rows.map(toInstance),
      history: history.map((h) => ({
        instanceId: h.instance_id,
        journeyId: h.journey_id,
        version: h.version,
        entryCount: h.entry_count,
        kind: h.kind,
        stepId: h.step_id,
        reason: h.reason,
        at: h.at,
      })),
    };
  }

  /** Counts from the stored facts: history rows and the instances' current state. */
  async counts(journeyId: string): Promise<JourneyCounts> {
    const [totals] = await this.dataSource.query<Array<{ entered: number; held_out: number; goal: number }>>(
      `SELECT count(*) FILTER (WHERE kind = 'entered')::int AS entered,
              count(*) FILTER (WHERE kind = 'held-out')::int AS held_out,
              count(*) FILTER (WHERE kind = 'goal')::int AS goal
         FROM journey_instance_history WHERE journey_id = $1`,
      [journeyId],
    );
    const exits = await this.dataSource.query<Array<{ reason: string; n: number }>>(
      `SELECT reason, count(*)::int AS n FROM journey_instance_history
        WHERE journey_id = $1 AND kind = 'exited' GROUP BY reason ORDER BY reason`,
      [journeyId],
    );
    const steps = await this.dataSource.query<Array<{ step_id: string; entered: number }>>(
      `SELECT step_id, count(*)::int AS entered FROM journey_instance_history
        WHERE journey_id = $1 AND kind = 'step' GROUP BY step_id ORDER BY step_id`,
      [journeyId],
    );
    const current = await this.dataSource.query<Array<{ step_id: string; n: number }>>(
      `SELECT current_step AS step_id, count(*)::int AS n FROM journey_instances
        WHERE journey_id = $1 AND status = 'active' GROUP BY current_step`,
      [journeyId],
    );
    const currentByStep = new Map(current.map((c) => [c.step_id, c.n]));
    return {
      entered: totals?.entered ?? 0,
      heldOut: totals?.held_out ?? 0,
      goalReached: totals?.goal ?? 0,
      currentlyIn: current.reduce((sum, c) => sum + c.n, 0),
      exited: Object.fromEntries(exits.map((e) => [e.reason, e.n])),
      steps: steps.map((s) => ({
        stepId: s.step_id,
        entered: s.entered,
        currentlyIn: currentByStep.get(s.step_id) ?? 0,
      })),
    };
  }
}
