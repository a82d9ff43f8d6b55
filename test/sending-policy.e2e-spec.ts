import { Role } from '@kizuna/auth';
import { DateTime } from 'luxon';
import { EmailFixtures } from './support/email-fixtures';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The sending policy end to end: the real app and worker, a real SMTP server. Time is driven by
 * configuration, not faked: a 3-second frequency cap, and quiet hours that began an hour ago in
 * Tokyo and end a few seconds after the app starts.
 */

const QUIET_ZONE = 'Asia/Tokyo';
const QUIET_SECONDS = 15;

interface MessageView {
  status: string;
  statusReason: string | null;
  notBefore: string;
  sentAt: string | null;
  attempts: number;
}

describe('sending policy (e2e)', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let f: EmailFixtures;
  let opsKey: string;
  let quietEnd: DateTime;
  let quietHours: string;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    const tokyo = DateTime.now().setZone(QUIET_ZONE).startOf('second');
    quietEnd = tokyo.plus({ seconds: QUIET_SECONDS });
    quietHours = `${tokyo.minus({ hours: 1 }).toFormat('HH:mm:ss')}-${quietEnd.toFormat('HH:mm:ss')}`;
    t = await startTestApp({
      env: {
        SMTP_URL: sink.url,
        MAIL_FROM: 'shop@kizuna-tea.example',
        FREQUENCY_CAP_RULES: '1/PT3S',
        QUIET_HOURS: quietHours,
        DEFAULT_TIMEZONE: 'UTC',
      },
    });
    f = new EmailFixtures(t, await t.keyFor(Role.Marketer), await t.keyFor(Role.Ingest));
    opsKey = await t.keyFor(Role.Ops);
    await f.template({
      key: 'news',
      defaultLocale: 'en',
      variants: { en: { subject: 'News {{n}}', html: '<p>News {{n}}</p>' } },
    });
    await f.template({
      key: 'receipt',
      defaultLocale: 'en',
      variants: { en: { subject: 'Receipt {{n}}', html: '<p>Receipt {{n}}</p>' } },
    });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  const view = async (id: string): Promise<MessageView> => {
    const res = await f.api<MessageView>('GET', `/v1/messages/${id}`, opsKey);
    expect(res.status).toBe(200);
    return res.body;
  };
  const subjects = (to: string) => sink.to(to).map((r) => r.mail.subject);
  /** As the message log writes times: whole seconds, shown when not zero. */
  const stamp = (ms: number, round: (x: number) => number, zone = 'UTC') =>
    DateTime.fromMillis(round(ms / 1000) * 1000, { zone }).toISO({ suppressMilliseconds: true, suppressSeconds: true });

  // First: the quiet window is only open for a few seconds after start.
  it('holds marketing email in quiet hours of the customer zone and sends it when they end; transactional goes through', async () => {
    const night = await f.customer('c-night', 'night@example.test', { timezone: QUIET_ZONE });
    const day = await f.customer('c-day', 'day@example.test', { timezone: 'America/New_York' });
    const held = await f.enqueue(night, 'news', { n: 1 });
    const receipt = await f.enqueue(night, 'receipt', { n: 1 }, 'transactional');
    const elsewhere = await f.enqueue(day, 'news', { n: 2 });

    await f.settled(held, ['deferred']);
    const deferred = await view(held);
    expect(deferred.statusReason).toBe(
      `quiet hours ${quietHours} ${QUIET_ZONE}; held until ${stamp(quietEnd.toMillis(), Math.ceil, QUIET_ZONE)}`,
    );
    expect(Date.parse(deferred.notBefore)).toBe(quietEnd.toMillis());
    expect(deferred.attempts).toBe(0);
    // The receipt is not held, nor is marketing mail to a customer whose evening it is not.
    await f.settled(receipt, ['sent']);
    await f.settled(elsewhere, ['sent']);
    expect((await view(held)).status).toBe('deferred');
    expect(subjects('night@example.test')).toEqual(['Receipt 1']);

    await f.settled(held, ['sent'], (QUIET_SECONDS + 10) * 1000);
    const sent = await view(held);
    expect(Date.parse(sent.sentAt!)).toBeGreaterThanOrEqual(quietEnd.toMillis());
    expect(sent.statusReason).toBeNull();
    expect(subjects('night@example.test')).toEqual(['Receipt 1', 'News 1']);
  });

  it('defers the second marketing email within the cap with the reason, delivers it once allowed; transactional passes the cap', async () => {
    const uuid = await f.customer('c-cap', 'cap@example.test');
    const first = await f.enqueue(uuid, 'news', { n: 1 });
    await f.settled(first, ['sent']);
    const firstSentAt = (await view(first)).sentAt!;
    const second = await f.enqueue(uuid, 'news', { n: 2 });
    await f.settled(second, ['deferred']);
    const receipt = await f.enqueue(uuid, 'receipt', { n: 3 }, 'transactional');
    await f.settled(receipt, ['sent']);

    const deferred = await view(second);
    expect(deferred.status).toBe('deferred');
    const nextAllowed = Date.parse(firstSentAt) + 3000;
    expect(Date.parse(deferred.notBefore)).toBe(nextAllowed);
    expect(deferred.statusReason).toBe(
      `frequency cap: 1 per 3s reached (last marketing email ${stamp(Date.parse(firstSentAt), Math.floor)}); ` +
        `next allowed ${stamp(nextAllowed, Math.ceil)}`,
    );
    expect(deferred.attempts).toBe(0);

    await f.settled(second, ['sent']);
    expect(Date.parse((await view(second)).sentAt!)).toBeGreaterThanOrEqual(nextAllowed);
    expect(subjects('cap@example.test')).toEqual(['News 1', 'Receipt 3', 'News 2']);
  });

  it('skips a capped message whose journey said whenCapped: skip, with the reason', async () => {
    const uuid = await f.customer('c-skip', 'skip@example.test');
    const first = await f.enqueue(uuid, 'news', { n: 1 });
    await f.settled(first, ['sent']);
    const second = await f.enqueue(uuid, 'news', { n: 2 }, 'marketing', { whenCapped: 'skip' });
    await f.settled(second, ['skipped']);
    expect((await view(second)).statusReason).toMatch(
      /^frequency cap: 1 per 3s reached \(last marketing email [\dT:.-]+Z\); the journey skips capped messages$/,
    );
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect((await view(second)).status).toBe('skipped');
    expect(subjects('skip@example.test')).toEqual(['News 1']);
  });

  it("carries a journey's priority and a send step's whenCapped into the outbox", async () => {
    const marketer = await t.keyFor(Role.Marketer);
    const created = await f.api<{ id: string }>('POST', '/v1/journeys', marketer, {
      name: 'Flash sale',
      priority: 7,
      entry: { event: 'product.viewed' },
      steps: [{ id: 'flash', type: 'send', template: 'news', category: 'marketing', whenCapped: 'skip' }],
    });
    expect(created.status).toBe(201);
    expect((await f.api('POST', `/v1/journeys/${created.body.id}/publish`, marketer, {})).status).toBe(200);
    const uuid = await f.customer('c-flash', 'flash@example.test');
    const earlier = await f.enqueue(uuid, 'news', { n: 0 });
    await f.settled(earlier, ['sent']);
    await f.event({
      name: 'product.viewed',
      customerId: 'c-flash',
      messageId: 'view-1',
      properties: { productId: 'sku-1' },
    });
    const [row] = await t.db.query<{ id: string; priority: number; when_capped: string }>(
      'SELECT id, priority, when_capped FROM outbox_messages WHERE journey_id = $1',
      [created.body.id],
    );
    expect(row).toMatchObject({ priority: 7, when_capped: 'skip' });
    // Within the 3-second cap of the earlier email: skipped, as the step said.
    expect((await f.settled(row!.id, ['skipped', 'sent'])).status).toBe('skipped');
  });

  it('sends the higher-priority message first when capped messages come due together', async () => {
    const uuid = await f.customer('c-prio', 'prio@example.test');
    const first = await f.enqueue(uuid, 'news', { n: 1 });
    await f.settled(first, ['sent']);
    const low = await f.enqueue(uuid, 'news', { n: 'low' }, 'marketing', { priority: 0 });
    const high = await f.enqueue(uuid, 'news', { n: 'high' }, 'marketing', { priority: 10 });
    await f.settled(low, ['deferred']);
    await f.settled(high, ['deferred']);
    // Both held until the same moment; then the cap lets one through: the higher priority.
    expect((await view(low)).notBefore).toBe((await view(high)).notBefore);
    await f.settled(high, ['sent']);
    // Low may be claimed at this moment ('sending'); once its turn is decided it is held again.
    expect((await f.settled(low, ['deferred', 'sent'])).status).toBe('deferred');
    await f.settled(low, ['sent']);
    expect(subjects('prio@example.test')).toEqual(['News 1', 'News high', 'News low']);
  });
});
