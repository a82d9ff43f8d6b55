import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { KizunaConfig } from '@kizuna/config';
import DKIM from 'nodemailer/lib/dkim';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import { composeMessage } from './mime-message.util';
import { SmtpPool } from './smtp-pool';

/** A message ready to hand over; `to` has passed checkRecipient. */
export interface OutgoingMail {
  from: { name: string; address: string };
  to: string;
  /** `<id@domain>`, stored before sending so a retry reuses it. */
  messageId: string;
  subject: string;
  html: string;
  text: string;
  /** Header values must already be single-line. */
  headers: Record<string, string>;
}

export interface MailReceipt {
  /** The server's reply (`250 2.0.0 OK ...`), or where the file was written. */
  response: string;
}

/**
 * Where mail goes: SMTP when SMTP_URL is set, else .eml files (so a default install never
 * emails anyone). Two implementations, hence an abstract class as the injection token.
 */
export abstract class MailTransport implements OnApplicationShutdown {
  abstract send(mail: OutgoingMail): Promise<MailReceipt>;
  abstract close(): void;

  onApplicationShutdown(): void {
    this.close();
  }
}

/**
 * Pooled SMTP (SmtpPool over nodemailer's SMTPConnection): the message is written by
 * composeMessage, signed with DKIM when configured (nodemailer's signer), and handed over with
 * an explicit envelope. No requeue on a dropped connection: a retry is the delivery worker's
 * decision, made with the attempt recorded.
 */
export class SmtpMailTransport extends MailTransport {
  private readonly pool: SmtpPool;
  private readonly dkim: DKIM | undefined;

  constructor(url: string, maxConnections: number, dkim: KizunaConfig['mail']['dkim'], sendTimeoutMs = 120_000) {
    super();
    // As nodemailer reads SMTP_URL: smtp:// (STARTTLS when offered) or smtps://, user:password,
    // and query options such as ?requireTLS=true or ?tls.rejectUnauthorized=false.
    const { host, port, secure, auth, tls, ...query } = parseConnectionUrl(url);
    this.pool = new SmtpPool({
      host,
      port,
      secure,
      auth,
      tls,
      ignoreTLS: query.ignoreTLS === true,
      requireTLS: query.requireTLS === true,
      size: maxConnections,
      // nodemailer's pool default: a long-lived connection is renewed now and then.
      maxMessages: 100,
      sendTimeoutMs,
      // Per step, idle-based; the whole exchange is bounded by sendTimeoutMs.
      connectionTimeout: Math.min(30_000, sendTimeoutMs),
      greetingTimeout: Math.min(30_000, sendTimeoutMs),
      socketTimeout: Math.min(60_000, sendTimeoutMs),
    });
    this.dkim =
      dkim &&
      new DKIM({
        domainName: dkim.domain,
        keySelector: dkim.selector,
        privateKey: dkim.privateKey,
        // nodemailer's default list plus List-Unsubscribe-Post, which RFC 8058 wants signed.
        headerFieldNames:
          'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:' +
          'Content-Transfer-Encoding:In-Reply-To:References:List-Id:List-Unsubscribe:List-Unsubscribe-Post',
      });
  }

  async send(mail: OutgoingMail): Promise<MailReceipt> {
    const message = composeMessage(mail);
    const info = await this.pool.send(
      { from: mail.from.address, to: [mail.to] },
      this.dkim ? this.dkim.sign(message) : message,
    );
    return { response: String(info.response) };
  }

  close(): void {
    this.pool.close();
  }
}

/** Writes each message as an .eml file (exactly what SMTP would have carried) and logs it. */
export class FileMailTransport extends MailTransport {
  private readonly logger = new Logger(FileMailTransport.name);

  constructor(private readonly dir: string) {
    super();
  }

  async send(mail: OutgoingMail): Promise<MailReceipt> {
    await mkdir(this.dir, { recursive: true });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.messageId.replace(/[^\w.-]/g, '')}.eml`;
    const file = path.join(this.dir, name);
    await writeFile(file, composeMessage(mail));
    this.logger.log({ msg: 'SMTP_URL is not set: message written to a file, not sent', file, to: mail.to });
    return { response: `written to ${file}` };
  }

  close(): void {
    // nothing held open
  }
}

export function mailTransportFor(config: KizunaConfig): MailTransport {
  return config.mail.smtpUrl
    ? new SmtpMailTransport(
        config.mail.smtpUrl,
        config.delivery.concurrency,
        config.mail.dkim,
        config.mail.smtpSendTimeoutMs,
      )
    : new FileMailTransport(config.mail.dir);
}
