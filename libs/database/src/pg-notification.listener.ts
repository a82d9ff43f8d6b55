import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import type { DatabaseOutage } from './database-outage.service';
import { errorMessage } from '@kizuna/common';

const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 10_000;

/**
 * LISTENs on a channel with its own connection and calls back on each NOTIFY; reconnects
 * after a lost connection, backing off while the database stays unreachable (reported to the
 * process's DatabaseOutage, which logs it once, not to the log on every try). Notifications
 * only wake pollers early; nothing depends on them arriving, since pollers also run on an
 * interval.
 */
export class PgNotificationListener {
  private readonly logger = new Logger(PgNotificationListener.name);
  private client: Client | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_FIRST_MS;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotify: () => void,
    private readonly outage?: DatabaseOutage,
  ) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: `kizuna-listen-${this.channel}` });
    let listening = false;
    client.on('notification', () => this.onNotify());
    // Before LISTEN succeeds a failure is the rejection below; afterwards it arrives only here.
    client.on('error', (error) => {
      if (listening) {
        listening = false;
        this.lost(error);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
      listening = true;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      // close() ran while this reconnect was under way.
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = RETRY_FIRST_MS;
    this.outage?.succeeded();
  }

  private lost(error: unknown): void {
    if (!this.outage?.failed(`LISTEN ${this.channel}`, error)) {
      this.logger.warn(`LISTEN ${this.channel} connection lost: ${errorMessage(error)}`);
    }
    this.reconnectSoon();
  }

  private reconnectSoon(): void {
    const old = this.client;
    this.client = undefined;
    old?.end().catch(() => undefined);
    if (this.closed || this.retryTimer) {
      return;
    }
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed) {
        this.start().catch((error: unknown) => this.lost(error));
      }
    }, delay);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
