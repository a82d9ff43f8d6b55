/**
 * The SMTP sink's own process (forked by smtp-sink.ts): accepts every message with 250, no AUTH
 * or STARTTLS, reads DATA fully to count its bytes but never MIME-parses it, and answers the
 * parent's questions over IPC. Exits when the parent asks it to stop or goes away.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { ReceivedMessage, SinkMessage, SinkRequest } from './smtp-sink';

const captureRaw = Number(process.env.SMTP_SINK_CAPTURE_RAW ?? 0);
let received: ReceivedMessage[] = [];
let captured: string[] = [];

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  hideSTARTTLS: true,
  disableReverseLookup: true,
  maxClients: 1000,
  logger: false,
  onData: (stream, session, callback) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const keep = captured.length < captureRaw;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (keep) {
        chunks.push(chunk);
      }
    });
    stream.on('end', () => {
      const to = session.envelope.rcptTo[0]?.address.toLowerCase() ?? '';
      received.push({ to, at: Date.now(), bytes });
      if (keep && captured.length < captureRaw) {
        captured.push(Buffer.concat(chunks).toString('utf8'));
      }
      callback(null, 'Accepted');
    });
  },
});
server.on('error', (error) => console.error('smtp sink:', error.message));

const send = (message: SinkMessage): void => {
  process.send?.(message);
};

function answer(request: SinkRequest): void {
  switch (request.op) {
    case 'count':
      send({ id: request.id, result: received.length });
      return;
    case 'received':
      send({ id: request.id, result: received });
      return;
    case 'captured':
      send({ id: request.id, result: captured });
      return;
    case 'reset':
      received = [];
      captured = [];
      send({ id: request.id, result: undefined });
      return;
    case 'stop':
      // Not waiting for server.close(): a client's pooled connections may stay open for a while.
      server.close();
      process.send?.({ id: request.id, result: undefined } satisfies SinkMessage, () => process.exit(0));
      return;
  }
}

process.on('message', (request: SinkRequest) => answer(request));
// The parent died or closed the channel: nobody can ask any more, and the port should not linger.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  send({ ready: (server.server.address() as AddressInfo).port });
});
