import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';

const root = path.resolve(__dirname, '../../..');

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database on the local server for one benchmark run (BENCH_DATABASE_URL names the server). */
export async function createBenchDatabase(name: string): Promise<BenchDatabase> {
  const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface RunningKizuna {
  baseUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a built Kizuna entry point (kizuna | api | worker) as its own process, as in production.
 * `nodeArgs` go to node itself, for flags NODE_OPTIONS does not allow (e.g. --cpu-prof).
 */
export async function startKizuna(
  entry: 'kizuna' | 'api' | 'worker',
  env: Record<string, string>,
  port: number,
  nodeArgs: string[] = [],
): Promise<RunningKizuna> {
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, `dist/apps/${entry}/src/main.js`)], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  if (entry !== 'worker') {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`${entry} exited with ${child.exitCode}`);
      }
      const ok = await fetch(`${baseUrl}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(`${entry} not ready within 60 s`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    baseUrl,
    process: child,
    stop: async () => {
      if (child.exitCode !== null) {
        return;
      }
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
