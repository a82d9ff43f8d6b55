import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const dist = path.resolve(__dirname, '..');

export interface BenchProcess {
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Forks a built bench entry (`dist/bench/<entry>.js`) as its own process, as the baselines'
 * workers run in production, and waits for it to send `'ready'` over IPC. It gets SIGTERM on
 * stop and SIGKILL if it is still there 10 s later.
 */
export async function forkBenchProcess(entry: string, env: Record<string, string>): Promise<BenchProcess> {
  const child = fork(path.join(dist, `${entry}.js`), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${entry} exited with ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      if (message === 'ready') {
        resolve();
      } else {
        reject(new Error(`${entry} said ${JSON.stringify(message)} instead of ready`));
      }
    });
  });
  return {
    process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

/**
 * The other side of forkBenchProcess, for a bench entry's main: starts the work, says 'ready'
 * over IPC, and on SIGTERM runs what `start` returned to stop it, then exits.
 */
export function runBenchProcess(name: string, start: () => Promise<() => Promise<void>>): void {
  start()
    .then((stop) => {
      process.once('SIGTERM', () => {
        void stop().finally(() => process.exit(0));
      });
      process.send?.('ready');
    })
    .catch((error: unknown) => {
      console.error(`${name}:`, error);
      process.exit(1);
    });
}
