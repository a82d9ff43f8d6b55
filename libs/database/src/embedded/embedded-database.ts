import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  database: string;
  onLog?: (line: string) => void;
}

type SupervisorMessage =
  | { type: 'ready'; url: string }
  | { type: 'attached'; url: string }
  | { type: 'failed'; message: string }
  | { type: 'log'; line: string };

/**
 * The app's handle on the embedded PostgreSQL, which runs under a small supervisor child
 * process (embedded-postgres.process.ts explains why).
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly child: ChildProcess | undefined,
    readonly url: string,
  ) {}

  /** True when another Kizuna process owns the server and this one only connects to it. */
  get attached(): boolean {
    return this.child === undefined;
  }

  static async launch(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
    const child = fork(path.join(__dirname, 'embedded-postgres.process.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const outcome = await new Promise<{ url: string; owned: boolean }>((resolve, reject) => {
      child.on('message', (message: SupervisorMessage) => {
        if (message.type === 'log') {
          options.onLog?.(message.line);
        } else if (message.type === 'ready') {
          resolve({ url: message.url, owned: true });
        } else if (message.type === 'attached') {
          resolve({ url: message.url, owned: false });
        } else {
          reject(new Error(message.message));
        }
      });
      child.once('exit', (code) => reject(new Error(`embedded PostgreSQL supervisor exited (code ${code})`)));
      child.send({ type: 'start', dataDir: options.dataDir, port: options.port, database: options.database });
    });
    return new EmbeddedDatabase(outcome.owned ? child : undefined, outcome.url);
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) {
      return;
    }
    const child = this.child;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.send({ type: 'stop' });
    await exited;
  }
}
