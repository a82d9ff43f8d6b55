import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** RCPT TO addresses of the SMTP envelope: who the server was actually asked to deliver to. */
  envelopeTo: string[];
  mail: ParsedMail;
}

type Reply = { code: number; message: string };

/**
 * A real SMTP server for e2e tests (npm smtp-server on 127.0.0.1, a free port). Accepts
 * everything unless a recipient is scripted: `atData` replies are used one per DATA for that
 * recipient (250 = accept), `atRcpt` refuses the recipient itself.
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  /** Every DATA the server answered, accepted or not, per recipient. */
  readonly dataReplies: Array<{ to: string; code: number }> = [];
  /** How long the server takes to answer each DATA (a slow relay). */
  replyDelayMs = 0;
  private readonly server: SMTPServer;
  private readonly dataScript = new Map<string, number[]>();
  private readonly rcptRefusals = new Map<string, Reply>();

  private constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const refusal = this.rcptRefusals.get(address.address.toLowerCase());
        callback(refusal ? smtpError(refusal) : null);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => setTimeout(answer, this.replyDelayMs));
        const answer = () => {
          const envelopeTo = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
          const code = envelopeTo.map((to) => this.dataScript.get(to)?.shift()).find((c) => c !== undefined) ?? 250;
          for (const to of envelopeTo) {
            this.dataReplies.push({ to, code });
          }
          if (code !== 250) {
            callback(
              smtpError({ code, message: code >= 500 ? '5.7.1 Message refused by policy' : '4.3.0 Try again later' }),
            );
            return;
          }
          simpleParser(Buffer.concat(chunks))
            .then((mail) => {
              this.received.push({ envelopeTo, mail });
              callback(null, 'Queued as test');
            })
            .catch((error: Error) => callback(error));
        };
      },
    });
  }

  static async start(): Promise<SmtpSink> {
    const sink = new SmtpSink();
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  /** Replies for the next DATA commands carrying this recipient, e.g. [451, 250]. */
  scriptData(recipient: string, codes: number[]): void {
    this.dataScript.set(recipient.toLowerCase(), [...codes]);
  }

  refuseRecipient(recipient: string, code: number, message: string): void {
    this.rcptRefusals.set(recipient.toLowerCase(), { code, message });
  }

  to(recipient: string): ReceivedMail[] {
    return this.received.filter((r) => r.envelopeTo.includes(recipient.toLowerCase()));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function smtpError(reply: Reply): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

/** A header exactly as sent (unfolded), which mailparser otherwise turns into structures. */
export function rawHeader(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  return line
    ?.replace(/\r?\n[ \t]+/g, ' ')
    .slice(name.length + 1)
    .trim();
}
