import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy between Kizuna and PostgreSQL that a test can cut and restore: the honest way to
 * make the database unreachable for one app without stopping the server other tests share.
 * Cut, it drops every open connection (as a crashed or restarted server does) and resets each
 * new one at once; restored, it forwards again. It listens on a port the OS picks.
 */
export class TcpProxy {
  private readonly open = new Set<net.Socket>();
  private cutOff = false;

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Starts a proxy to the server of `url` (a postgres:// URL). */
  static async start(url: string): Promise<TcpProxy> {
    const parsed = new URL(url);
    const server = net.createServer();
    const proxy = new TcpProxy(server, { host: parsed.hostname, port: Number(parsed.port || 5432) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** The database becomes unreachable: open connections are dropped, new ones reset. */
  cut(): void {
    this.cutOff = true;
    for (const socket of this.open) {
      socket.destroy();
    }
    this.open.clear();
  }

  restore(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.cutOff) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    this.open.add(client);
    this.open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.open.delete(client);
      this.open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
