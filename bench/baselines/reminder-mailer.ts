import Handlebars from 'handlebars';
import { createTransport } from 'nodemailer';
import { MAIL_FROM, REMINDER_TEMPLATE, smtpPoolOptions, type Cart } from './workload';

/** The job a baseline schedules: the cart as its checkout.started event carried it. */
export type ReminderJob = Omit<Cart, 'n'>;

/**
 * What a developer's reminder job does in the baselines: render the shared template with
 * Handlebars (compiled once) and send it over a pooled nodemailer transport configured like
 * Kizuna's.
 */
export class ReminderMailer {
  private readonly transport;
  private readonly subject = Handlebars.compile(REMINDER_TEMPLATE.subject, { noEscape: true });
  private readonly html = Handlebars.compile(REMINDER_TEMPLATE.html);
  private readonly text = Handlebars.compile(REMINDER_TEMPLATE.text, { noEscape: true });

  constructor(smtpUrl: string) {
    this.transport = createTransport(smtpPoolOptions(smtpUrl));
  }

  async send(job: ReminderJob): Promise<void> {
    const data = {
      customer: { id: job.customerId, email: job.email },
      trigger: {
        name: 'checkout.started',
        properties: { cartId: job.cartId, items: job.items, total: job.total, currency: job.currency },
      },
    };
    await this.transport.sendMail({
      from: MAIL_FROM,
      to: [{ name: '', address: job.email }],
      envelope: { from: MAIL_FROM.address, to: [job.email] },
      subject: this.subject(data),
      html: this.html(data),
      text: this.text(data),
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  close(): void {
    this.transport.close();
  }
}
