import { Logger } from '@nestjs/common';
import { Client } from 'pg';

/**
 * LISTENs on a channel with its own connection and calls back on each NOTIFY; reconnects
 * after a lost connection. Notifications only wake pollers early; nothing depends on them
 * arriving, since pollers also run on an interval.
 */
export class PgNotificationListener {
  private readonly logger = new Logger(PgNotificationListener.name);
  private client: Client | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotify: () => void,
  ) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: `kizuna-listen-${this.channel}` });
    client.on('notification', () => this.onNotify());
    client.on('error', (error) => {
      this.logger.warn(`LISTEN ${this.channel} connection lost: ${error.message}`);
      this.reconnectSoon();
    });
    await client.connect();
    await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    this.client = client;
  }

  private reconnectSoon(): void {
    const old = this.client;
    this.client = undefined;
    old?.end().catch(() => undefined);
    if (this.closed || this.retryTimer) {
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed) {
        this.start().catch(() => this.reconnectSoon());
      }
    }, 1000);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
