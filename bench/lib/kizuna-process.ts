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

/** Starts a built Kizuna entry point (kizuna | api | worker) as its own process, as in production. */
export async function startKizuna(
  entry: 'kizuna' | 'api' | 'worker',
  env: Record<string, string>,
  port: number,
): Promise<RunningKizuna> {
  // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=var/profiles", profiles the Kizuna processes
  // (Node refuses --cpu-prof in NODE_OPTIONS).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, `dist/apps/${entry}/src/main.js`)], {
    cwd: root,
    // WORKER_METRICS_PORT 0: benchmarks run several workers on one host.
    env: { ...process.env, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', WORKER_METRICS_PORT: '0', ...env },
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

/**
 * Waits until `count` worker processes are draining the inbox of this database: each holds a
 * LISTEN connection on the inbox channel once booted (startKizuna does not wait for a worker,
 * which serves no HTTP).
 */
export async function waitForWorkers(databaseUrl: string, count: number, timeoutMs = 60_000): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'kizuna-listen-kizuna_inbox'`,
      );
      if (Number(rows[0]?.n ?? 0) >= count) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`${count} worker(s) not listening on the inbox within ${timeoutMs / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await client.end();
  }
}
