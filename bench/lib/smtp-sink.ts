/**
 * A real SMTP server for benchmarks, in its own process (a fork of the built smtp-sink.main.js),
 * so reading mail does not take CPU from the process that generates load or measures. The parent
 * asks it for counts and arrivals over IPC. Benchmarks identify a message by its first recipient,
 * so each one sends every message to a unique address (e.g. `c-<run>-<n>@bench.kizuna.test`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface ReceivedMessage {
  /** First RCPT TO of the envelope, lower-cased. */
  to: string;
  /** Date.now() in the sink when DATA was accepted. */
  at: number;
  /** Size of the DATA in bytes. */
  bytes: number;
}

export interface SmtpSinkProcess {
  /** smtp://127.0.0.1:<free port> */
  url: string;
  /** Messages accepted so far. */
  count(): Promise<number>;
  /** All accepted so far, in order. */
  received(): Promise<ReceivedMessage[]>;
  /** The raw DATA of the first `captureRaw` messages accepted (see SmtpSinkOptions), for parsing. */
  captured(): Promise<string[]>;
  /** Forget what was received (and captured). */
  reset(): Promise<void>;
  /** Closes the server; the child exits. */
  stop(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** Keep the raw DATA of this many messages (the first ones accepted after start or reset). Default 0. */
  captureRaw?: number;
}

/** Parent -> child. */
export type SinkRequest = { id: number; op: 'count' | 'received' | 'captured' | 'reset' | 'stop' };
/** Child -> parent: the listening port once, then one reply per request. */
export type SinkMessage = { ready: number } | { id: number; result: unknown } | { id: number; error: string };

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSinkProcess> {
  const child: ChildProcess = fork(path.join(__dirname, 'smtp-sink.main.js'), [], {
    env: { ...process.env, SMTP_SINK_CAPTURE_RAW: String(options.captureRaw ?? 0) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const port = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`SMTP sink exited with ${code} before listening`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.on('message', function onReady(message: SinkMessage) {
      if ('ready' in message) {
        child.off('message', onReady);
        child.off('exit', onExit);
        resolve(message.ready);
      }
    });
  });

  child.on('message', (message: SinkMessage) => {
    if (!('id' in message)) {
      return;
    }
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if ('error' in message) {
      waiter?.reject(new Error(message.error));
    } else {
      waiter?.resolve(message.result);
    }
  });
  child.once('exit', (code) => {
    for (const waiter of pending.values()) {
      waiter.reject(new Error(`SMTP sink exited with ${code}`));
    }
    pending.clear();
  });

  const call = <T>(op: SinkRequest['op']): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (child.exitCode !== null || !child.connected) {
        reject(new Error('SMTP sink is not running'));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve: (value) => resolve(value as T), reject });
      child.send({ id, op } satisfies SinkRequest);
    });

  return {
    url: `smtp://127.0.0.1:${port}`,
    count: () => call<number>('count'),
    received: () => call<ReceivedMessage[]>('received'),
    captured: () => call<string[]>('captured'),
    reset: () => call<void>('reset'),
    stop: async () => {
      if (child.exitCode === null && child.connected) {
        await call<void>('stop').catch(() => undefined);
      }
      await exited;
    },
  };
}
