import type { HistoryImporter, ImportSummary } from '@kizuna/events';

/**
 * A one-line progress bar on a terminal (redrawn in place, at most ten times a second), or a line
 * per tenth of the way when the output is a file or a pipe. Written here rather than taken from a
 * package: it is a dozen lines, and the import needs nothing else of one.
 */
export class ProgressLine {
  private lastDraw = 0;
  private lastTenth = -1;
  private readonly started = Date.now();

  constructor(private readonly out: NodeJS.WriteStream) {}

  show(fraction: number, detail: string): void {
    const now = Date.now();
    const share = Math.min(1, Math.max(0, fraction));
    if (this.out.isTTY) {
      if (now - this.lastDraw < 100 && share < 1) {
        return;
      }
      this.lastDraw = now;
      const width = 30;
      const filled = Math.round(share * width);
      this.out.write(
        `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${detail}  ${this.elapsed()}   `,
      );
    } else if (Math.floor(share * 10) > this.lastTenth) {
      this.lastTenth = Math.floor(share * 10);
      this.out.write(`${(share * 100).toFixed(0)}%  ${detail}  ${this.elapsed()}\n`);
    }
  }

  done(): void {
    if (this.out.isTTY) {
      this.out.write('\n');
    }
  }

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)} s`;
  }
}

export function printImportSummary(summary: ImportSummary, file: string): void {
  const rate = summary.seconds > 0 ? Math.round(summary.rows / summary.seconds) : summary.rows;
  const n = (value: number): string => value.toLocaleString('en');
  console.log(`Imported ${file} (${summary.format}) in ${summary.seconds.toFixed(1)} s, ${n(rate)} rows/s`);
  console.log(`  rows        ${n(summary.rows)}`);
  console.log(`  imported    ${n(summary.imported)}  (${n(summary.events)} events)`);
  console.log(`  duplicates  ${n(summary.duplicates)}  (imported before: nothing added)`);
  console.log(`  changed     ${n(summary.changed)}  (imported before with other content: left as it was)`);
  console.log(`  rejected    ${n(summary.rejected)}`);
  for (const problem of summary.problems) {
    console.log(`    line ${problem.line}: ${problem.kind === 'changed' ? 'changed: ' : ''}${problem.why}`);
  }
  const shown = summary.problems.length;
  if (summary.rejected + summary.changed > shown) {
    console.log(`    and ${n(summary.rejected + summary.changed - shown)} more`);
  }
}

/** The line after the summary when the command does not wait (`--wait` not given). */
export function printNotWaiting(summary: ImportSummary, applied: number): void {
  const n = (value: number): string => value.toLocaleString('en');
  if (summary.events === 0) {
    console.log('Nothing new to apply: profiles, stats, segments and KPIs already include this file.');
    return;
  }
  console.log(
    `The engine applies the imported events (profiles, stats, segments, KPIs); no journey acts on them. ` +
      `Applied so far: ${n(applied)} of ${n(summary.events)}. ` +
      'KPIs include the file once all are applied: `kizuna import --wait` waits for that.',
  );
}

/**
 * `--wait`: polls the inbox until the engine's workers have applied every event the import
 * stored, with a progress line "applied N of M", then says that the figures include the file.
 * Waits for a worker when none is running (saying so); the import itself is already committed.
 */
export async function waitForApplication(
  importer: HistoryImporter,
  summary: ImportSummary,
  progress: NodeJS.WriteStream,
  pollMs = 1000,
): Promise<void> {
  const n = (value: number): string => value.toLocaleString('en');
  if (summary.events === 0) {
    console.log('Nothing new to apply: profiles, stats, segments and KPIs already include this file.');
    return;
  }
  console.log(
    `Waiting for the engine to apply ${n(summary.events)} events (Ctrl-C stops waiting; the import is kept).`,
  );
  const started = Date.now();
  const bar = new ProgressLine(progress);
  let toldNoWorker = false;
  for (;;) {
    const asked = Date.now();
    const state = await importer.application(summary);
    // Counting what is still pending reads the import's pending events: over a million of them
    // that takes a while, and asking every second would take a share of the database from the
    // workers it waits for. Asking again after ten times the count's own time keeps it under ~10%.
    const wait = Math.max(pollMs, 10 * (Date.now() - asked));
    bar.show(state.applied / state.events, `applied ${n(state.applied)} of ${n(state.events)} events`);
    if (state.applied >= state.events) {
      break;
    }
    if (state.workers === 0 && !toldNoWorker) {
      toldNoWorker = true;
      progress.write(
        '\nNo worker is draining the inbox of this database: start the engine (`npm start`, or `npm run start:worker`) to apply the events.\n',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  bar.done();
  const seconds = (Date.now() - started) / 1000;
  const failed = await importer.failedApplications(summary);
  const rate = seconds > 0 ? Math.round(summary.events / seconds) : summary.events;
  console.log(`Applied ${n(summary.events)} events in ${seconds.toFixed(1)} s, ${n(rate)} events/s`);
  if (failed > 0) {
    console.log(
      `  ${n(failed)} of them failed to apply and are left out of every figure (events.processing_error says why).`,
    );
  }
  console.log('Profiles, purchase stats, segments and KPIs now include this file; no journey acted on it.');
}
