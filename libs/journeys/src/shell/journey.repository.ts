import { inTransaction } from '@kizuna/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { JourneyDefinition } from '../core/journey-definition.schema';
import type { RunnableJourney } from '../core/journey.batch';

export type JourneyStatus = 'draft' | 'active' | 'paused' | 'archived';

export interface JourneyVersionRow {
  version: number;
  definition: JourneyDefinition;
  publishedAt: Date | undefined;
  createdAt: Date;
}

export interface JourneyRow {
  id: string;
  name: string;
  status: JourneyStatus;
  activeVersion: number | undefined;
  createdAt: Date;
  updatedAt: Date;
}

/** A journey in the list, with how many instances ever entered it and how many are in it now. */
export interface JourneyListRow extends JourneyRow {
  entered: number;
  activeNow: number;
}

interface JourneyDbRow {
  id: string;
  name: string;
  status: JourneyStatus;
  active_version: number | null;
  created_at: Date;
  updated_at: Date;
}

const toJourney = (r: JourneyDbRow): JourneyRow => ({
  id: r.id,
  name: r.name,
  status: r.status,
  activeVersion: r.active_version ?? undefined,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Journeys and their versions. A published version is never updated (a trigger enforces it). */
@Injectable()
export class JourneyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, work);
  }

  async create(definition: JourneyDefinition): Promise<string> {
    return this.transaction(async (tx) => {
      const [row] = await tx.query<Array<{ id: string }>>(`INSERT INTO journeys (name) VALUES ($1) RETURNING id`, [
        definition.name,
      ]);
      await tx.query(`INSERT INTO journey_versions (journey_id, version, definition) VALUES ($1, 1, $2)`, [
        row!.id,
        JSON.stringify(definition),
      ]);
      return row!.id;
    });
  }

  /** Replaces the draft version, or starts a new one after the latest published. Returns its number. */
  async saveDraft(tx: EntityManager, journeyId: string, definition: JourneyDefinition): Promise<number> {
    const [latest] = await tx.query<Array<{ version: number; published: boolean }>>(
      `SELECT version, published_at IS NOT NULL AS published FROM journey_versions
        WHERE journey_id = $1 ORDER BY version DESC LIMIT 1 FOR UPDATE`,
      [journeyId],
    );
    if (latest && !latest.published) {
      await tx.query(`UPDATE journey_versions SET definition = $3 WHERE journey_id = $1 AND version = $2`, [
        journeyId,
        latest.version,
        JSON.stringify(definition),
      ]);
    } else {
      await tx.query(`INSERT INTO journey_versions (journey_id, version, definition) VALUES ($1, $2, $3)`, [
        journeyId,
        (latest?.version ?? 0) + 1,
        JSON.stringify(definition),
      ]);
    }
    await tx.query(`UPDATE journeys SET name = $2, updated_at = now() WHERE id = $1`, [journeyId, definition.name]);
    return latest && !latest.published ? latest.version : (latest?.version ?? 0) + 1;
  }

  async find(journeyId: string, tx?: EntityManager): Promise<JourneyRow | undefined> {
    const rows = await (tx ?? this.dataSource).query<JourneyDbRow[]>(
      `SELECT * FROM journeys WHERE id = $1 ${tx ? 'FOR UPDATE' : ''}`,
      [journeyId],
    );
    return rows[0] ? toJourney(rows[0]) : undefined;
  }

  /** Every journey, without counts: names and statuses for reports that bring their own figures. */
  async all(): Promise<JourneyRow[]> {
    const rows = await this.dataSource.query<JourneyDbRow[]>('SELECT * FROM journeys ORDER BY created_at DESC, id');
    return rows.map(toJourney);
  }

  /**
   * Every journey with its entered / in-now counts, in one statement (the console's list is one
   * request, whatever the number of journeys): `entered` from the history's rollup
   * (journey_history_counts, decisions/0038), in-now over the instances' (journey_id, status,
   * current_step) index.
   */
  async list(): Promise<JourneyListRow[]> {
    const rows = await this.dataSource.query<Array<JourneyDbRow & { entered: number; active_now: number }>>(
      `SELECT j.*, coalesce(h.entered, 0)::int AS entered, coalesce(i.active_now, 0)::int AS active_now
         FROM journeys j
         LEFT JOIN (SELECT journey_id, sum(n) AS entered FROM journey_history_counts
                     WHERE kind = 'entered' GROUP BY journey_id) h ON h.journey_id = j.id
         LEFT JOIN (SELECT journey_id, count(*) AS active_now FROM journey_instances
                     WHERE status = 'active' GROUP BY journey_id) i ON i.journey_id = j.id
        ORDER BY j.created_at DESC, j.id`,
    );
    return rows.map((r) => ({ ...toJourney(r), entered: r.entered, activeNow: r.active_now }));
  }

  async versions(journeyId: string, tx?: EntityManager): Promise<JourneyVersionRow[]> {
    const rows = await (tx ?? this.dataSource).query<
      Array<{ version: number; definition: JourneyDefinition; published_at: Date | null; created_at: Date }>
    >(
      `SELECT version, definition, published_at, created_at FROM journey_versions WHERE journey_id = $1 ORDER BY version`,
      [journeyId],
    );
    return rows.map((r) => ({
      version: r.version,
      definition: r.definition,
      publishedAt: r.published_at ?? undefined,
      createdAt: r.created_at,
    }));
  }

  /** Versions published in [start, end): when and which journey (the cohorts' launch marks). */
  async publishedBetween(
    start: Date,
    end: Date,
  ): Promise<Array<{ journeyId: string; name: string; publishedAt: Date }>> {
    const rows = await this.dataSource.query<Array<{ journey_id: string; name: string; published_at: Date }>>(
      `SELECT v.journey_id, j.name, v.published_at FROM journey_versions v JOIN journeys j ON j.id = v.journey_id
        WHERE v.published_at >= $1 AND v.published_at < $2 ORDER BY v.published_at, v.journey_id`,
      [start, end],
    );
    return rows.map((r) => ({ journeyId: r.journey_id, name: r.name, publishedAt: r.published_at }));
  }

  async definition(journeyId: string, version: number): Promise<JourneyDefinition | undefined> {
    const [row] = await this.dataSource.query<Array<{ definition: JourneyDefinition }>>(
      `SELECT definition FROM journey_versions WHERE journey_id = $1 AND version = $2`,
      [journeyId, version],
    );
    return row?.definition;
  }

  async publish(tx: EntityManager, journeyId: string, version: number): Promise<void> {
    await tx.query(`UPDATE journey_versions SET published_at = now() WHERE journey_id = $1 AND version = $2`, [
      journeyId,
      version,
    ]);
    await tx.query(
      `UPDATE journeys SET active_version = $2, status = CASE WHEN status = 'draft' THEN 'active' ELSE status END,
              updated_at = now()
        WHERE id = $1`,
      [journeyId, version],
    );
  }

  async setStatus(tx: EntityManager, journeyId: string, status: JourneyStatus): Promise<void> {
    await tx.query(`UPDATE journeys SET status = $2, updated_at = now() WHERE id = $1`, [journeyId, status]);
  }

  /**
   * Active and paused journeys with their active definitions (paused ones still apply exits and
   * goals). Share-locked for the batch, so a pause, publish or archive waits for batches that
   * already decided with the old state, and later batches see the new one.
   */
  async runnable(tx: EntityManager): Promise<RunnableJourney[]> {
    const rows = await tx.query<
      Array<{ id: string; status: 'active' | 'paused'; active_version: number; definition: JourneyDefinition }>
    >(
      `SELECT j.id, j.status, j.active_version, v.definition
         FROM journeys j JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.active_version
        WHERE j.status IN ('active', 'paused')
        ORDER BY j.id
          FOR SHARE OF j`,
    );
    return rows.map((r) => ({ id: r.id, status: r.status, activeVersion: r.active_version, definition: r.definition }));
  }
}
