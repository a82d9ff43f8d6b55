import { inParallel } from '../lib/poll';
import type { SmtpSinkProcess } from '../lib/smtp-sink';
import { ReminderMailer } from './reminder-mailer';
import { reminderJob } from './cart-events';
import { SEND_BATCH, type Cart } from './workload';

export interface SmtpCeiling {
  messages: number;
  messagesPerSecond: number;
}

/**
 * What one process's pooled SMTP transport can hand to the sink at most: reminders rendered and
 * sent with as many in flight as a worker has (SEND_BATCH), no queue and no database. The
 * delivered rates are measured against it.
 */
export async function smtpCeiling(sink: SmtpSinkProcess, carts: Cart[]): Promise<SmtpCeiling> {
  await sink.reset();
  const mailer = new ReminderMailer(sink.url);
  try {
    const started = performance.now();
    await inParallel(carts, SEND_BATCH, (c) => mailer.send(reminderJob(c)));
    const seconds = (performance.now() - started) / 1000;
    return { messages: carts.length, messagesPerSecond: carts.length / seconds };
  } finally {
    mailer.close();
    await sink.reset();
  }
}
