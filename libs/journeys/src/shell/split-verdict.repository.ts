import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** A split's A/B verdict, taken once at its horizon (docs/analytics.md, "Peeking"). */
export interface SplitVerdict {
  journeyId: string;
  stepId: string;
  /** The winning path, or null: no path won. */
  winner: string | null;
  /** The figures the verdict was taken on, as the report showed them. */
  figures: unknown;
  decidedAt: Date;
}

/**
 * The journey's history of A/B verdicts (`journey_split_verdicts`). A verdict is recorded once
 * and never revisited: a second recording of the same split changes nothing. The engine reads
 * the winners of autoWinner splits when it assigns a path.
 */
@Injectable()
export class SplitVerdictRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Winners by journey, then split step id (splits without a winner are left out). */
  async winners(tx: EntityManager, journeyIds: string[]): Promise<Map<string, Readonly<Record<string, string>>>> {
    const winners = new Map<string, Record<string, string>>();
    if (journeyIds.length === 0) {
      return winners;
    }
    const rows = await tx.query<Array<{ journey_id: string; step_id: string; winner: string }>>(
      `SELECT journey_id, step_id, winner FROM journey_split_verdicts
        WHERE journey_id = ANY($1::uuid[]) AND winner IS NOT NULL`,
      [journeyIds],
    );
    for (const r of rows) {
      const of = winners.get(r.journey_id) ?? {};
      of[r.step_id] = r.winner;
      winners.set(r.journey_id, of);
    }
    return winners;
  }

  async verdicts(journeyId: string): Promise<SplitVerdict[]> {
    const rows = await this.dataSource.query<
      Array<{ journey_id: string; step_id: string; winner: string | null; figures: unknown; decided_at: Date }>
    >(`SELECT * FROM journey_split_verdicts WHERE journey_id = $1 ORDER BY step_id`, [journeyId]);
    return rows.map((r) => ({
      journeyId: r.journey_id,
      stepId: r.step_id,
      winner: r.winner,
      figures: r.figures,
      decidedAt: r.decided_at,
    }));
  }

  /** Records a verdict unless one is recorded already; true when this one was. */
  async record(verdict: SplitVerdict): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `INSERT INTO journey_split_verdicts (journey_id, step_id, winner, figures, decided_at)
       VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT (journey_id, step_id) DO NOTHING
       RETURNING step_id`,
      [verdict.journeyId, verdict.stepId, verdict.winner, JSON.stringify(verdict.figures), verdict.decidedAt],
    );
    return rows.length > 0;
  }
}
