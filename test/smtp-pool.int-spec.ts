import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SmtpPool } from '../libs/messaging/src/delivery/email/smtp-pool';

/** A real SMTP server that counts connections and can refuse a recipient or drop idle clients. */
async function server(options: Partial<SMTPServerOptions> = {}) {
  let connections = 0;
  let open = 0;
  let mostOpen = 0;
  const received: string[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onConnect: (_session, callback) => {
      connections++;
      mostOpen = Math.max(mostOpen, ++open);
      callback();
    },
    onClose: () => {
      open--;
    },
    onRcptTo: (address, _session, callback) =>
      callback(
        address.address.startsWith('refused')
          ? Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 })
          : null,
      ),
    onData: (stream, session, callback) => {
      stream.resume();
      stream.on('end', () => {
        received.push(session.envelope.rcptTo[0]!.address);
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  return {
    port: (smtp.server.address() as AddressInfo).port,
    connections: () => connections,
    mostOpen: () => mostOpen,
    received,
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

const message = (to: string) => `From: a@kizuna.test\r\nTo: ${to}\r\nSubject: hi\r\n\r\nhello\r\n`;
const envelope = (to: string) => ({ from: 'a@kizuna.test', to: [to] });

describe('SmtpPool', () => {
  it('sends over at most `size` connections, reused until maxMessages', async () => {
    const s = await server();
    const pool = new SmtpPool({ host: '127.0.0.1', port: s.port, size: 3, maxMessages: 10, sendTimeoutMs: 10_000 });
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) => pool.send(envelope(`r${i}@x.test`), message(`r${i}@x.test`))),
    );
    expect(replies.every((r) => r.response.startsWith('250'))).toBe(true);
    expect(new Set(s.received).size).toBe(60);
    // Never more than 3 at a time; a connection is replaced after its 10th message, so 60
    // messages take at least 6 (more when the last ones end with fewer than 10 each).
    expect(s.mostOpen()).toBe(3);
    expect(s.connections()).toBeGreaterThanOrEqual(6);
    expect(s.connections()).toBeLessThanOrEqual(8);
    pool.close();
    await s.close();
  });

  it('fails a refused recipient with the reply, and goes on over the same connection', async () => {
    const s = await server();
    const pool = new SmtpPool({ host: '127.0.0.1', port: s.port, size: 1, maxMessages: 100, sendTimeoutMs: 10_000 });
    await expect(pool.send(envelope('refused@x.test'), message('refused@x.test'))).rejects.toMatchObject({
      responseCode: 550,
      command: 'RCPT TO',
    });
    await expect(pool.send(envelope('ok@x.test'), message('ok@x.test'))).resolves.toMatchObject({
      accepted: ['ok@x.test'],
    });
    expect(s.received).toEqual(['ok@x.test']);
    expect(s.connections()).toBe(1);
    pool.close();
    await s.close();
  });

  it('replaces a connection the server closed while it was idle', async () => {
    const s = await server({ socketTimeout: 200 });
    const pool = new SmtpPool({ host: '127.0.0.1', port: s.port, size: 1, maxMessages: 100, sendTimeoutMs: 10_000 });
    await pool.send(envelope('one@x.test'), message('one@x.test'));
    await new Promise((r) => setTimeout(r, 600));
    await pool.send(envelope('two@x.test'), message('two@x.test'));
    expect(s.received).toEqual(['one@x.test', 'two@x.test']);
    expect(s.connections()).toBe(2);
    pool.close();
    await s.close();
  });

  it('fails each send while the server is unreachable (a connection error, no reply code), holding no slot', async () => {
    const s = await server();
    const { port } = s;
    await s.close();
    const pool = new SmtpPool({
      host: '127.0.0.1',
      port,
      size: 1,
      maxMessages: 100,
      connectionTimeout: 2000,
      sendTimeoutMs: 10_000,
    });
    // With one slot, a failed connection still counted would make the next send wait forever.
    for (const to of ['a@x.test', 'b@x.test', 'c@x.test']) {
      const error = await pool.send(envelope(to), message(to)).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ESOCKET' });
      expect((error as { responseCode?: number }).responseCode).toBeUndefined();
    }
    pool.close();
  });

  it('fails a send whose exchange outlasts sendTimeoutMs (however slowly the server trickles), and goes on', async () => {
    // The first DATA is answered after 1.5 s: within nodemailer's idle timeouts, past the deadline.
    let first = true;
    const s = await server({
      onData: (stream, session, callback) => {
        stream.resume();
        stream.on('end', () => {
          const delay = first ? 1500 : 0;
          first = false;
          setTimeout(() => {
            s.received.push(session.envelope.rcptTo[0]!.address);
            callback();
          }, delay);
        });
      },
    });
    const pool = new SmtpPool({ host: '127.0.0.1', port: s.port, size: 1, maxMessages: 100, sendTimeoutMs: 500 });
    const started = Date.now();
    const slow = await pool.send(envelope('slow@x.test'), message('slow@x.test')).catch((e: unknown) => e);
    expect(slow).toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(1500);
    // The dropped connection freed the only slot: the next send gets a fresh one.
    await expect(pool.send(envelope('next@x.test'), message('next@x.test'))).resolves.toMatchObject({
      accepted: ['next@x.test'],
    });
    expect(s.connections()).toBe(2);
    pool.close();
    await s.close();
  });
});
