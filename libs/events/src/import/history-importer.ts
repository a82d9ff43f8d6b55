import { stat } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import type { ValidationIssue } from '@kizuna/common';
import { EventInboxRepository } from '../event-inbox.repository';
import { EventIngestService, type EventCandidate, type ImportOutcome } from '../event-ingest.service';
import { readHistory, type HistoryFormat } from './history-file';

/** What an import did, row by row (a row may stand for several events: an order and its refund). */
export interface ImportSummary {
  format: HistoryFormat;
  rows: number;
  /** Rows with at least one new event stored. */
  imported: number;
  /** Rows whose every event was there already (an earlier import of the same file). */
  duplicates: number;
  /** Rows whose key was imported before with other content: left as they were. */
  changed: number;
  rejected: number;
  /** Events stored. */
  events: number;
  /** The rejected rows (and changed ones), by line, with why; at most `keepProblems` of them. */
  problems: Array<{ line: number; kind: 'rejected' | 'changed'; why: string }>;
  seconds: number;
  /** The inbox's last seq before the import: its events come after it (HistoryImporter.application). */
  afterSeq: string;
}

/** How far the engine's workers are in applying an import's events (docs/import.md, "Waiting"). */
export interface ImportApplication {
  /** The import's events applied so far, of `events` (the events it stored). */
  applied: number;
  events: number;
  /** Worker processes draining the inbox now; 0: nothing is applying them. */
  workers: number;
}

export interface ImportProgress {
  rows: number;
  /** Bytes of the file read so far, of `totalBytes`: how far along the import is. */
  bytes: number;
  totalBytes: number;
}

/** Events per transaction: large enough to amortise the round trips, small enough to hold. */
const CHUNK_EVENTS = 2000;

/**
 * Loads a shop's history into the inbox through ingest's validation (docs/import.md). Rows are
 * stored in file order, a chunk per transaction; the engine's workers then apply them as any
 * other events: profiles, order facts, stats and segments, but no journey (imported history is
 * never acted on).
 */
@Injectable()
export class HistoryImporter {
  constructor(
    private readonly ingest: EventIngestService,
    private readonly inbox: EventInboxRepository,
  ) {}

  async import(
    path: string,
    format: HistoryFormat,
    options: { onProgress?: (progress: ImportProgress) => void; keepProblems?: number } = {},
  ): Promise<ImportSummary> {
    const started = Date.now();
    const afterSeq = await this.inbox.lastSeq();
    const totalBytes = (await stat(path)).size;
    const keep = options.keepProblems ?? 1000;
    const summary: ImportSummary = {
      format,
      rows: 0,
      imported: 0,
      duplicates: 0,
      changed: 0,
      rejected: 0,
      events: 0,
      problems: [],
      seconds: 0,
      afterSeq,
    };
    const note = (line: number, kind: 'rejected' | 'changed', why: string): void => {
      if (summary.problems.length < keep) {
        summary.problems.push({ line, kind, why });
      }
    };
    let bytes = 0;
    let chunk: Array<{ line: number; candidates: EventCandidate[] }> = [];
    let size = 0;
    // One chunk is stored while the next is read and checked; chunks commit in file order.
    let storing: Promise<void> = Promise.resolve();
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) {
        return;
      }
      const rows = chunk;
      const prepared = this.ingest.prepareImport(rows.flatMap((row) => row.candidates));
      chunk = [];
      size = 0;
      await storing;
      storing = this.ingest.storeImport(prepared).then((outcomes) => tally(rows, outcomes));
      // Awaited at the next chunk or at the end; until then a failure must not count as unhandled.
      storing.catch(() => undefined);
    };
    const tally = (rows: Array<{ line: number; candidates: EventCandidate[] }>, outcomes: ImportOutcome[]): void => {
      let at = 0;
      for (const row of rows) {
        const mine = outcomes.slice(at, at + row.candidates.length);
        at += row.candidates.length;
        const issues = mine.flatMap((o): ValidationIssue[] => (o.status === 'rejected' ? o.issues : []));
        if (issues.length > 0) {
          summary.rejected++;
          note(row.line, 'rejected', issues.map((i) => `${i.path}: ${i.message}`).join('; '));
        } else if (mine.some((o) => o.status === 'conflict')) {
          summary.changed++;
          // A row stands for several events (an order and its refund): those new in this file
          // are applied even when the order itself changed, and the report says so.
          note(
            row.line,
            'changed',
            mine.some((o) => o.status === 'accepted')
              ? 'imported before with other content; left as it was, but its refund or cancellation, new in this file, was applied'
              : 'imported before with other content; left as it was',
          );
        } else if (mine.some((o) => o.status === 'accepted')) {
          summary.imported++;
        } else {
          summary.duplicates++;
        }
        summary.events += mine.filter((o) => o.status === 'accepted').length;
      }
      options.onProgress?.({ rows: summary.rows, bytes, totalBytes });
    };
    for await (const row of readHistory(path, format, (read) => (bytes = read))) {
      summary.rows++;
      chunk.push(row);
      size += row.candidates.length;
      if (size >= CHUNK_EVENTS) {
        await flush();
      }
    }
    bytes = totalBytes;
    await flush();
    await storing;
    summary.seconds = (Date.now() - started) / 1000;
    return summary;
  }

  /**
   * The import's events applied so far: those it stored minus those of source `import` stored
   * after it began that are still pending (an import running beside it at the same time counts
   * towards "pending" too, so this never claims too much).
   */
  async application(summary: ImportSummary): Promise<ImportApplication> {
    const [pending, workers] = await Promise.all([
      this.inbox.countPendingImported(summary.afterSeq),
      this.inbox.countInboxListeners(),
    ]);
    return { applied: Math.max(0, summary.events - pending), events: summary.events, workers };
  }

  /** The import's events whose application failed (kept with their processing_error); read once, at the end. */
  failedApplications(summary: ImportSummary): Promise<number> {
    return this.inbox.countFailedImported(summary.afterSeq);
  }
}
