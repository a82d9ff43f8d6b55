import type { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export interface SmtpPoolOptions extends SMTPConnection.Options {
  /** At most this many connections at once. */
  size: number;
  /** A connection is closed (and replaced when needed) after this many messages. */
  maxMessages: number;
  /**
   * The longest one send may take, from asking for a connection (opening one included) to the
   * server's reply; then the connection is dropped and the send fails (ETIMEDOUT). nodemailer's
   * own timeouts are per step and idle-based, so they bound no exchange as a whole; this does, and
   * the delivery lease is checked against it.
   */
  sendTimeoutMs: number;
  auth?: { user?: string; pass?: string };
}

interface Pooled {
  connection: SMTPConnection;
  messages: number;
  /** Not to be used again: it failed, or its server closed it. */
  broken: boolean;
  /** No longer counted in the pool. */
  retired: boolean;
}

type Waiter = { resolve: (pooled: Pooled) => void; reject: (error: Error) => void };

/** One send: whether its deadline passed, and the connection it holds meanwhile. */
interface Exchange {
  timedOut: boolean;
  pooled: Pooled | undefined;
}

/**
 * A pool of SMTP connections (nodemailer's SMTPConnection) for messages that are already
 * written: at most `size` connections, opened as needed, one message at a time on each, each
 * reused for up to `maxMessages` messages. Why not nodemailer's Mailer with `pool: true`: it
 * compiles every message again (even one given raw), runs its plugin chain and stream pipeline,
 * about 250 µs of CPU per message against 60 µs for the SMTP conversation itself.
 *
 * Failures are the caller's, unretried (a retry is the delivery worker's decision): a connection
 * that fails is closed; one whose server refused the envelope or the message (not with 421) is
 * reset (RSET) and reused, as nodemailer's pool does.
 */
export class SmtpPool {
  private readonly idle: Pooled[] = [];
  private readonly waiting: Waiter[] = [];
  private open = 0;
  private closed = false;

  constructor(private readonly options: SmtpPoolOptions) {}

  async send(envelope: SMTPConnection.Envelope, message: string | Readable): Promise<SMTPConnection.SentMessageInfo> {
    const exchange: Exchange = { timedOut: false, pooled: undefined };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        exchange.timedOut = true;
        // The connection is in an unknown state mid-conversation: drop it (a waiting send gets a
        // new one). Its late callback, if any, finds the exchange timed out and leaves it alone.
        if (exchange.pooled) {
          exchange.pooled.broken = true;
          this.release(exchange.pooled);
        }
        reject(
          Object.assign(new Error(`the SMTP exchange took longer than ${this.options.sendTimeoutMs} ms`), {
            code: 'ETIMEDOUT',
          }),
        );
      }, this.options.sendTimeoutMs);
    });
    try {
      return await Promise.race([this.exchange(exchange, envelope, message), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async exchange(
    exchange: Exchange,
    envelope: SMTPConnection.Envelope,
    message: string | Readable,
  ): Promise<SMTPConnection.SentMessageInfo> {
    const pooled = await this.acquire();
    if (exchange.timedOut) {
      this.release(pooled); // came too late for this send; fine for the next
      throw new Error('the SMTP exchange timed out');
    }
    exchange.pooled = pooled;
    try {
      const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
        pooled.connection.send(envelope, message, (error, sent) => (error ? reject(error) : resolve(sent))),
      );
      if (exchange.timedOut) {
        return info; // already released, and the caller has its answer
      }
      pooled.messages++;
      this.release(pooled);
      return info;
    } catch (error) {
      if (exchange.timedOut) {
        throw error;
      }
      pooled.messages++;
      const { code, responseCode } = error as { code?: string; responseCode?: number };
      if (!pooled.broken && (code === 'EENVELOPE' || code === 'EMESSAGE') && responseCode !== 421) {
        pooled.connection.reset((resetError) => {
          if (resetError) {
            pooled.broken = true;
          }
          this.release(pooled);
        });
      } else {
        pooled.broken = true;
        this.release(pooled);
      }
      throw error;
    }
  }

  close(): void {
    this.closed = true;
    for (const pooled of this.idle.splice(0)) {
      pooled.connection.quit();
    }
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(new Error('the SMTP pool is closed'));
    }
  }

  private acquire(): Promise<Pooled> {
    if (this.closed) {
      return Promise.reject(new Error('the SMTP pool is closed'));
    }
    const idle = this.idle.pop();
    if (idle) {
      return Promise.resolve(idle);
    }
    if (this.open < this.options.size) {
      return this.connect();
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Back to the pool, or closed, in which case a waiting send gets a new connection. */
  private release(pooled: Pooled): void {
    if (pooled.broken || pooled.messages >= this.options.maxMessages || this.closed) {
      this.retire(pooled);
      if (pooled.broken) {
        pooled.connection.close();
      } else {
        pooled.connection.quit();
      }
      const waiter = this.waiting.shift();
      if (waiter) {
        this.connect().then(waiter.resolve, waiter.reject);
      }
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.resolve(pooled);
    } else {
      this.idle.push(pooled);
    }
  }

  /** Takes a connection out of the count (once), and out of the idle list if it waits there. */
  private retire(pooled: Pooled): void {
    if (pooled.retired) {
      return;
    }
    pooled.retired = true;
    this.open--;
    const at = this.idle.indexOf(pooled);
    if (at >= 0) {
      this.idle.splice(at, 1);
    }
  }

  private connect(): Promise<Pooled> {
    this.open++;
    const { size: _size, maxMessages: _maxMessages, auth, ...options } = this.options;
    const connection = new SMTPConnection(options);
    const pooled: Pooled = { connection, messages: 0, broken: false, retired: false };
    // A connection that fails or is closed (its server timed it out while idle, say) leaves the
    // pool; a send it was busy with fails through its own callback.
    const lost = () => {
      pooled.broken = true;
      this.retire(pooled);
    };
    connection.on('error', lost);
    connection.once('end', lost);
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => {
        lost();
        connection.close();
        reject(error);
      };
      connection.once('error', failed);
      connection.connect(() => {
        const ready = () => {
          connection.off('error', failed);
          resolve(pooled);
        };
        if (auth?.user && connection.allowsAuth) {
          connection.login({ credentials: { user: auth.user, pass: auth.pass } }, (error) =>
            error ? failed(error) : ready(),
          );
        } else {
          ready();
        }
      });
    });
  }
}
