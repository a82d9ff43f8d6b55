import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { exactInstantSql, type PagePosition } from '@kizuna/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { HistoryEntry, InstanceRecord, InstanceStatus } from '../core/instance-transitions';
import type { DueTimer, InstanceChange } from '../core/journey.batch';
import type { TimerRequest } from '../core/journey-machine.types';
import type { PersistedSnapshot } from '../core/journey.engine';

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

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** What a batch of changes leaves of one instance's timers. */
interface NetTimers {
  customerUuid: string;
  instanceId: string;
  /** Every stored timer of the instance goes (it finished or re-entered). */
  wipe: boolean;
  /** Stored timers that go. */
  cancel: Set<string>;
  /** Timers to store, by id. */
  set: Map<string, { journeyId: string; timer: TimerRequest }>;
}

/** A customer's journey instances, their history, each one's next timer and the journeys' names. */
export interface CustomerJourneys {
  instances: StoredInstance[];
  history: HistoryRow[];
  nextTimers: Map<string, { event: string; dueAt: Date }>;
  journeyNames: Map<string, string>;
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

/** An instance resting in a step now, for the console's "who is here" list. */
export interface InstanceAtStep {
  customerUuid: string;
  instanceKey: string;
  version: number;
  enteredAt: Date;
  since: Date;
  nextTimerAt: Date | null;
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

  /** Every instance of these customers, on any journey, oldest entry first. */
  async forCustomers(tx: EntityManager, customerUuids: string[]): Promise<Map<string, StoredInstance[]>> {
    const rows = await tx.query<InstanceDbRow[]>(
      `SELECT * FROM journey_instances WHERE customer_uuid = ANY($1::uuid[]) ORDER BY entered_at, id`,
      [customerUuids],
    );
    const instances = new Map(customerUuids.map((id) => [id, [] as StoredInstance[]]));
    for (const row of rows) {
      instances.get(row.customer_uuid)?.push(toInstance(row));
    }
    return instances;
  }

  /**
   * Which journeys inbox events already changed (by `<customerUuid>:<eventSeq>`): a replayed
   * event skips them.
   */
  async journeysApplied(
    tx: EntityManager,
    events: Array<{ customerUuid: string; eventSeq: string }>,
  ): Promise<Map<string, Set<string>>> {
    const rows = await tx.query<Array<{ customer_uuid: string; event_seq: string; journey_id: string }>>(
      `SELECT DISTINCT h.customer_uuid, h.event_seq::text AS event_seq, h.journey_id
         FROM journey_instance_history h
         JOIN unnest($1::uuid[], $2::bigint[]) AS e(customer_uuid, event_seq)
           ON h.customer_uuid = e.customer_uuid AND h.event_seq = e.event_seq`,
      [events.map((e) => e.customerUuid), events.map((e) => e.eventSeq)],
    );
    const applied = new Map<string, Set<string>>();
    for (const row of rows) {
      const key = `${row.customer_uuid}:${row.event_seq}`;
      applied.set(key, (applied.get(key) ?? new Set()).add(row.journey_id));
    }
    return applied;
  }

  /**
   * Stores a batch of changes in a fixed handful of statements, whatever its size: each
   * instance's last state, the net effect on its timers of everything in order (fired timers
   * go, cancelled ones go, new ones are set), and every history entry, tagged with its event.
   */
  async saveAll(tx: EntityManager, changes: InstanceChange[]): Promise<void> {
    const instances = new Map<string, InstanceRecord>();
    const timers = new Map<string, NetTimers>();
    const history: Array<{ instance: InstanceRecord; entry: HistoryEntry; eventSeq: string | null }> = [];
    const timersOf = (customerUuid: string, instanceId: string): NetTimers => {
      const key = `${customerUuid}:${instanceId}`;
      let net = timers.get(key);
      if (!net) {
        net = { customerUuid, instanceId, wipe: false, cancel: new Set(), set: new Map() };
        timers.set(key, net);
      }
      return net;
    };
    for (const change of changes) {
      if ('firedTimer' in change) {
        const net = timersOf(change.firedTimer.customerUuid, change.firedTimer.instanceId);
        net.set.delete(change.firedTimer.timerId);
        net.cancel.add(change.firedTimer.timerId);
        continue;
      }
      const { outcome } = change;
      const i = outcome.instance;
      instances.set(`${i.customerUuid}:${i.id}`, i);
      const net = timersOf(i.customerUuid, i.id);
      if (outcome.cancelAllTimers) {
        net.wipe = true;
        net.cancel.clear();
        net.set.clear();
      }
      for (const timerId of outcome.timersToCancel) {
        net.set.delete(timerId);
        net.cancel.add(timerId);
      }
      for (const timer of outcome.timersToSet) {
        net.set.set(timer.timerId, { journeyId: i.journeyId, timer });
      }
      for (const entry of outcome.history) {
        history.push({ instance: i, entry, eventSeq: change.eventSeq ?? null });
      }
    }
    await this.upsertInstances(tx, [...instances.values()]);
    const nets = [...timers.values()];
    const wiped = nets.filter((n) => n.wipe);
    if (wiped.length > 0) {
      await tx.query(
        `DELETE FROM journey_timers t USING unnest($1::uuid[], $2::uuid[]) AS w(customer_uuid, instance_id)
          WHERE t.customer_uuid = w.customer_uuid AND t.instance_id = w.instance_id`,
        [wiped.map((n) => n.customerUuid), wiped.map((n) => n.instanceId)],
      );
    }
    const cancelled = nets.flatMap((n) => [...n.cancel].map((timerId) => ({ ...n, timerId })));
    if (cancelled.length > 0) {
      await tx.query(
        `DELETE FROM journey_timers t
          USING unnest($1::uuid[], $2::uuid[], $3::text[]) AS c(customer_uuid, instance_id, timer_id)
          WHERE t.customer_uuid = c.customer_uuid AND t.instance_id = c.instance_id AND t.timer_id = c.timer_id`,
        [cancelled.map((c) => c.customerUuid), cancelled.map((c) => c.instanceId), cancelled.map((c) => c.timerId)],
      );
    }
    const set = nets.flatMap((n) => [...n.set.values()].map((s) => ({ ...s, net: n })));
    if (set.length > 0) {
      await tx.query(
        `INSERT INTO journey_timers (customer_uuid, instance_id, timer_id, journey_id, event, due_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::timestamptz[])
         ON CONFLICT (customer_uuid, instance_id, timer_id) DO UPDATE SET event = EXCLUDED.event, due_at = EXCLUDED.due_at`,
        [
          set.map((s) => s.net.customerUuid),
          set.map((s) => s.net.instanceId),
          set.map((s) => s.timer.timerId),
          set.map((s) => s.journeyId),
          set.map((s) => s.timer.event),
          set.map((s) => new Date(s.timer.dueAt).toISOString()),
        ],
      );
    }
    if (history.length > 0) {
      await tx.query(
        `INSERT INTO journey_instance_history (customer_uuid, instance_id, journey_id, version, entry_count, kind, step_id,
                                               reason, at, event_seq)
         SELECT h.customer_uuid, h.instance_id, h.journey_id, h.version, h.entry_count, h.kind, h.step_id, h.reason,
                h.at, h.event_seq
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[],
                       $9::timestamptz[], $10::bigint[])
                WITH ORDINALITY AS h(customer_uuid, instance_id, journey_id, version, entry_count, kind, step_id, reason,
                                     at, event_seq, n)
          ORDER BY h.n`,
        [
          history.map((h) => h.instance.customerUuid),
          history.map((h) => h.instance.id),
          history.map((h) => h.instance.journeyId),
          history.map((h) => h.instance.version),
          history.map((h) => h.instance.entryCount),
          history.map((h) => h.entry.kind),
          history.map((h) => h.entry.stepId ?? null),
          history.map((h) => h.entry.reason ?? null),
          history.map((h) => new Date(h.entry.at).toISOString()),
          history.map((h) => h.eventSeq),
        ],
      );
    }
  }

  private async upsertInstances(tx: EntityManager, instances: InstanceRecord[]): Promise<void> {
    if (instances.length === 0) {
      return;
    }
    await tx.query(
      `INSERT INTO journey_instances (customer_uuid, id, journey_id, version, instance_key, entry_count, status,
                                      current_step, snapshot, entered_at, exited_at, exit_reason, holdout,
                                      last_message_at, goal_reached_at)
       SELECT i.customer_uuid, i.id, i.journey_id, i.version, i.instance_key, i.entry_count, i.status, i.current_step,
              i.snapshot::jsonb, i.entered_at, i.exited_at, i.exit_reason, i.holdout, i.last_message_at,
              i.goal_reached_at
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::int[], $7::text[], $8::text[],
                     $9::text[], $10::timestamptz[], $11::timestamptz[], $12::text[], $13::boolean[],
                     $14::timestamptz[], $15::timestamptz[])
              AS i(customer_uuid, id, journey_id, version, instance_key, entry_count, status, current_step, snapshot,
                   entered_at, exited_at, exit_reason, holdout, last_message_at, goal_reached_at)
       ON CONFLICT (customer_uuid, id) DO UPDATE SET
         version = EXCLUDED.version, entry_count = EXCLUDED.entry_count, status = EXCLUDED.status,
         current_step = EXCLUDED.current_step, snapshot = EXCLUDED.snapshot, entered_at = EXCLUDED.entered_at,
         exited_at = EXCLUDED.exited_at, exit_reason = EXCLUDED.exit_reason, holdout = EXCLUDED.holdout,
         last_message_at = EXCLUDED.last_message_at, goal_reached_at = EXCLUDED.goal_reached_at, updated_at = now()`,
      [
        instances.map((i) => i.customerUuid),
        instances.map((i) => i.id),
        instances.map((i) => i.journeyId),
        instances.map((i) => i.version),
        instances.map((i) => i.key),
        instances.map((i) => i.entryCount),
        instances.map((i) => i.status),
        instances.map((i) => i.currentStep ?? null),
        instances.map((i) => JSON.stringify(i.snapshot)),
        instances.map((i) => iso(i.enteredAt)),
        instances.map((i) => iso(i.exitedAt)),
        instances.map((i) => i.exitReason ?? null),
        instances.map((i) => i.holdout),
        instances.map((i) => iso(i.lastMessageAt)),
        instances.map((i) => iso(i.goalReachedAt)),
      ],
    );
  }

  /**
   * Claims due timers of running (active) journeys: the earliest due of each running journey
   * (per journey, so a paused journey's waiting timers are never walked past), locked with SKIP
   * LOCKED. The caller then keeps only those whose customer it can lock at once (the customer
   * lock, `skip-locked`), so a timer never runs beside an inbox event of the same customer, and
   * the claim never waits. With several journeys due at once, up to `limit` per journey stay
   * locked until commit though not all are returned; other workers skip them and take them next time.
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
      `SELECT t.* FROM journeys j
        CROSS JOIN LATERAL (
              SELECT * FROM journey_timers
               WHERE journey_id = j.id AND due_at <= $1
               ORDER BY due_at
               LIMIT $2
                 FOR UPDATE SKIP LOCKED) t
        WHERE j.status = 'active'
        ORDER BY t.due_at
        LIMIT $2
          FOR SHARE OF j`,
      [now, limit],
    );
    return rows.map((r) => ({
      customerUuid: r.customer_uuid,
      instanceId: r.instance_id,
      timerId: r.timer_id,
      journeyId: r.journey_id,
      event: r.event,
      dueAt: r.due_at,
    }));
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

  async listForCustomer(customerUuid: string): Promise<CustomerJourneys> {
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
    // Each instance's next timer (the earliest due), and the journeys' names: by the customer's key.
    const timers = await this.dataSource.query<Array<{ instance_id: string; event: string; due_at: Date }>>(
      `SELECT DISTINCT ON (instance_id) instance_id, event, due_at
         FROM journey_timers WHERE customer_uuid = $1 ORDER BY instance_id, due_at, timer_id`,
      [customerUuid],
    );
    const names = await this.dataSource.query<Array<{ id: string; name: string }>>(
      `SELECT id, name FROM journeys WHERE id = ANY($1::uuid[])`,
      [[...new Set(rows.map((r) => r.journey_id))]],
    );
    return {
      nextTimers: new Map(timers.map((t) => [t.instance_id, { event: t.event, dueAt: t.due_at }])),
      journeyNames: new Map(names.map((n) => [n.id, n.name])),
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

  /**
   * Instances active now, per journey, for every journey at once (the journeys list): one grouped
   * read, index-only through (journey_id, status, current_step).
   */
  async activeByJourney(): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<Array<{ journey_id: string; active_now: number }>>(
      `SELECT journey_id, count(*)::int AS active_now FROM journey_instances WHERE status = 'active'
        GROUP BY journey_id`,
    );
    return new Map(rows.map((r) => [r.journey_id, r.active_now]));
  }

  /**
   * The active instances resting in one step, earliest entry first, a keyset page at a time
   * (position: the last row's exact entered_at and instance id). With each, its next timer.
   */
  async atStep(
    journeyId: string,
    stepId: string,
    limit: number,
    after: PagePosition | undefined,
  ): Promise<{ instances: InstanceAtStep[]; next: PagePosition | undefined }> {
    const rows = await this.dataSource.query<
      Array<{
        customer_uuid: string;
        id: string;
        instance_key: string;
        version: number;
        entered_at: Date;
        updated_at: Date;
        at_text: string;
        next_timer_at: Date | null;
      }>
    >(
      `SELECT i.customer_uuid, i.id, i.instance_key, i.version, i.entered_at, i.updated_at,
              ${exactInstantSql('i.entered_at')} AS at_text,
              (SELECT min(t.due_at) FROM journey_timers t
                WHERE t.customer_uuid = i.customer_uuid AND t.instance_id = i.id) AS next_timer_at
         FROM journey_instances i
        WHERE i.journey_id = $1 AND i.status = 'active' AND i.current_step = $2
          AND ($3::timestamptz IS NULL OR (i.entered_at, i.id) > ($3::timestamptz, $4::uuid))
        ORDER BY i.entered_at, i.id
        LIMIT $5`,
      [journeyId, stepId, after?.at ?? null, after?.after ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      instances: page.map((r) => ({
        customerUuid: r.customer_uuid,
        instanceKey: r.instance_key,
        version: r.version,
        enteredAt: r.entered_at,
        since: r.updated_at,
        nextTimerAt: r.next_timer_at,
      })),
      next: rows.length > limit && last ? { at: last.at_text, after: last.id } : undefined,
    };
  }

  /** Counts from the stored facts: history rows and the instances' current state. */
  async counts(journeyId: string): Promise<JourneyCounts> {
    // From the history's rollup (kept by a trigger in the history's own transactions,
    // decisions/0038), not from the history: a few rows per journey, whatever its age.
    const counted = await this.dataSource.query<
      Array<{ kind: string; step_id: string | null; reason: string | null; n: number }>
    >(
      `SELECT kind, step_id, reason, sum(n)::int AS n FROM journey_history_counts
        WHERE journey_id = $1 AND kind IN ('entered', 'held-out', 'goal', 'exited', 'step')
        GROUP BY kind, step_id, reason ORDER BY kind, step_id, reason`,
      [journeyId],
    );
    const of = (kind: string) => counted.filter((c) => c.kind === kind);
    const total = (kind: string) => of(kind).reduce((sum, c) => sum + c.n, 0);
    const current = await this.dataSource.query<Array<{ step_id: string; n: number }>>(
      `SELECT current_step AS step_id, count(*)::int AS n FROM journey_instances
        WHERE journey_id = $1 AND status = 'active' GROUP BY current_step`,
      [journeyId],
    );
    const currentByStep = new Map(current.map((c) => [c.step_id, c.n]));
    return {
      entered: total('entered'),
      heldOut: total('held-out'),
      goalReached: total('goal'),
      currentlyIn: current.reduce((sum, c) => sum + c.n, 0),
      exited: Object.fromEntries(of('exited').map((e) => [e.reason!, e.n])),
      steps: of('step').map((s) => ({
        stepId: s.step_id!,
        entered: s.n,
        currentlyIn: currentByStep.get(s.step_id!) ?? 0,
      })),
    };
  }
}
