import { ReferenceInstaller } from '@kizuna/reference';
import { ShopFixtures, sleep, type Customer } from './support/shop-fixtures';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, waitFor, type TestApp } from './support/test-app';

/**
 * The reference win-back journey with the dormant-90d segment, installed as shipped with every
 * duration scaled so that 90 days last 4 seconds (a week about 0.3 s). The crossing is found by
 * the segments' per-customer due times on the real clock: nothing scans, nothing fakes time.
 */
const NINETY_DAYS_MS = 4_000;
const SCALE = NINETY_DAYS_MS / (90 * 86_400_000);

describe('reference journeys: win-back of dormant customers (e2e)', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let shop: ShopFixtures;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { SMTP_URL: sink.url, MAIL_FROM: 'shop@kizuna-tea.example' } });
    shop = await ShopFixtures.create(t, sink);
    await t.app.get(ReferenceInstaller).install({ durationScale: SCALE });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  const winBackMails = (c: Customer) =>
    shop.templatesSentTo(c).then((keys) => keys.filter((k) => k.startsWith('win-back-')));
  const dormantEntries = async (c: Customer) =>
    t.db.query<{ occurred_at: Date }>(
      `SELECT e.occurred_at FROM events e JOIN customers c ON c.id = e.customer_uuid
        WHERE c.customer_id = $1 AND e.name = 'segment.entered' AND e.properties->>'segment' = 'dormant-90d'`,
      [c.id],
    );
  const membership = async (c: Customer) =>
    (
      await t.db.query<{ entered_at: Date }>(
        `SELECT m.entered_at FROM segment_memberships m JOIN customers c ON c.id = m.customer_uuid
           JOIN segments s ON s.id = m.segment_id WHERE c.customer_id = $1 AND s.key = 'dormant-90d'`,
        [c.id],
      )
    )[0];

  it('enters a dormant customer exactly once at the crossing; a purchase before the crossing moves it', async () => {
    const ken: Customer = { id: 'c-ken', email: 'ken@example.test', locale: 'ja-JP', firstName: '健' };
    const mia: Customer = { id: 'c-mia', email: 'mia@example.test', locale: 'en-GB', firstName: 'Mia' };
    const order = (c: Customer, orderId: string) =>
      shop.event('order.placed', c, { orderId, total: 30, currency: 'USD', items: [] });

    await order(ken, 'o-ken-1');
    const kenOrderedAt = Date.now();
    await order(mia, 'o-mia-1');
    await sleep(NINETY_DAYS_MS / 2);
    await order(mia, 'o-mia-2'); // before her crossing: moves it
    const miaOrderedAgainAt = Date.now();

    // Ken crosses "no order for 90 days": we-miss-you, then the incentive and the last chance.
    await waitFor(async () => ((await winBackMails(ken)).length === 3 ? true : undefined), 15_000, 'ken win-back');
    expect(await winBackMails(ken)).toEqual(['win-back-we-miss-you', 'win-back-incentive', 'win-back-last-chance']);
    const kenEntered = (await membership(ken))!.entered_at.getTime();
    expect(kenEntered).toBeGreaterThanOrEqual(kenOrderedAt + NINETY_DAYS_MS - 1_000);
    // Ken's order also started the post-purchase journey; the three win-back mails arrive in Japanese.
    const winBackSubjects = [
      '健様、お久しぶりです',
      'おかえりなさいクーポン15%オフ',
      '【まもなく終了】15%オフクーポン',
    ];
    await waitFor(
      () => {
        const subjects = sink.to(ken.email).map((m) => m.mail.subject);
        return Promise.resolve(winBackSubjects.every((w) => subjects.includes(w)) ? true : undefined);
      },
      10_000,
      'the win-back mails to arrive',
    );

    // Mia's first crossing would have come with Ken's; her second order moved it.
    expect(await membership(mia)).toBeUndefined();
    expect(await winBackMails(mia)).toEqual([]);
    await waitFor(async () => ((await winBackMails(mia)).length === 3 ? true : undefined), 15_000, 'mia win-back');
    expect((await membership(mia))!.entered_at.getTime()).toBeGreaterThanOrEqual(
      miaOrderedAgainAt + NINETY_DAYS_MS - 1_000,
    );

    // Staying dormant does not enter again: one segment entry, one instance, three mails each.
    await sleep(NINETY_DAYS_MS / 2);
    for (const c of [ken, mia]) {
      expect(await dormantEntries(c)).toHaveLength(1);
      expect(await shop.instances(c, 'Win-back (dormant 90 days)')).toEqual([
        expect.objectContaining({ status: 'completed' }),
      ]);
      expect(await winBackMails(c)).toHaveLength(3);
    }
  });

  it('a purchase ends win-back and takes the customer out of the segment', async () => {
    const ren: Customer = { id: 'c-ren', email: 'ren@example.test', locale: 'en-US', firstName: 'Ren' };
    await shop.event('order.placed', ren, { orderId: 'o-ren-1', total: 30, currency: 'USD', items: [] });
    await waitFor(async () => (await membership(ren)) ?? undefined, 15_000, 'ren dormant');
    await shop.event('order.placed', ren, { orderId: 'o-ren-2', total: 30, currency: 'USD', items: [] });
    expect(await membership(ren)).toBeUndefined();
    const [instance] = await shop.instances(ren, 'Win-back (dormant 90 days)');
    expect(instance).toBeDefined();
    // The journey may have finished its three short steps already; if not, the order ended it.
    expect(['completed', 'exited']).toContain(instance!.status);
    const exits = await waitFor(async () => {
      const rows = (await shop.events(ren, 'segment.exited')).filter((e) => e.properties.segment === 'dormant-90d');
      return rows.length > 0 ? rows : undefined;
    });
    expect(exits).toHaveLength(1);
  });

  it('VIPs are missed sooner (their own N: 45 days) and take the VIP path, not the regular one', async () => {
    const vera: Customer = { id: 'c-vera', email: 'vera@example.test', locale: 'en-US', firstName: 'Vera' };
    for (let i = 1; i <= 5; i++) {
      await shop.event('order.placed', vera, { orderId: `o-vera-${i}`, total: 30, currency: 'USD', items: [] });
    }
    const lastOrderAt = Date.now();
    const vipWinBack = 'Win-back VIP (dormant 45 days)';
    await waitFor(
      async () => ((await shop.instances(vera, vipWinBack))[0]?.status === 'completed' ? true : undefined),
      15_000,
      'the VIP win-back to complete',
    );
    const [entered] = await shop
      .events(vera, 'segment.entered')
      .then((rows) => rows.filter((e) => e.properties.segment === 'vip-dormant-45d'));
    expect(entered!.occurred_at.getTime()).toBeGreaterThanOrEqual(lastOrderAt + NINETY_DAYS_MS / 2 - 1_000);
    expect(entered!.occurred_at.getTime()).toBeLessThan(lastOrderAt + NINETY_DAYS_MS);
    expect(await winBackMails(vera)).toEqual(['win-back-we-miss-you', 'win-back-incentive']);
    // Past the regular 90 days: VIPs are not in dormant-90d, so the regular journey never starts.
    await sleep(NINETY_DAYS_MS / 2 + 1_500);
    expect(await membership(vera)).toBeUndefined();
    expect(await shop.instances(vera, 'Win-back (dormant 90 days)')).toEqual([]);
    expect(await winBackMails(vera)).toEqual(['win-back-we-miss-you', 'win-back-incentive']);
  });
});
