import { ReferenceInstaller } from '@kizuna/reference';
import { ShopFixtures, type Customer } from './support/shop-fixtures';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, waitFor, type TestApp } from './support/test-app';

/**
 * The reference post-purchase journey as shipped, durations scaled so a day lasts a second (the NPS answer must
 * arrive within the review's 7 days = 7 s, after a scanner has fetched all eleven links):
 * first-time, repeat and VIP buyers take their own paths; the review email's signed NPS links
 * open the answer page, whose POST records the answer and routes detractors and promoters.
 */
const SCALE = 1 / 86_400;
const PUBLIC_URL = 'https://kizuna.example.test';

describe('reference journeys: post-purchase (e2e)', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let shop: ShopFixtures;

  const fumi: Customer = { id: 'c-fumi', email: 'fumi@example.test', locale: 'ja-JP', firstName: '文' };
  const fred: Customer = { id: 'c-fred', email: 'fred@example.test', locale: 'en-US', firstName: 'Fred' };
  const rin: Customer = { id: 'c-rin', email: 'rin@example.test', locale: 'en-US', firstName: 'Rin' };
  const vic: Customer = { id: 'c-vic', email: 'vic@example.test', locale: 'en-US', firstName: 'Vic' };
  let seq = 0;
  const order = (c: Customer) =>
    shop.event('order.placed', c, {
      orderId: `o-${c.id}-${++seq}`,
      total: 45,
      currency: 'USD',
      items: [{ id: 'sku-2', name: 'Tea pot', price: 45, quantity: 1 }],
    });

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { SMTP_URL: sink.url, MAIL_FROM: 'shop@kizuna-tea.example', PUBLIC_URL } });
    shop = await ShopFixtures.create(t, sink);
    // History from before Kizuna's journeys: Rin has bought once, Vic four times.
    await order(rin);
    for (let i = 0; i < 4; i++) {
      await order(vic);
    }
    await t.app.get(ReferenceInstaller).install({ durationScale: SCALE });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  const sentTemplates = (c: Customer, count: number) =>
    waitFor(
      async () => {
        const keys = await shop.templatesSentTo(c);
        return keys.length >= count ? keys : undefined;
      },
      20_000,
      `${count} messages for ${c.id}`,
    );

  /** The eleven NPS links of the customer's review email, by score, pointed at the test server. */
  const npsLinks = async (c: Customer) => {
    const review = await waitFor(
      () => Promise.resolve(sink.to(c.email).find((m) => /recommend|ご意見|いかが/.test(m.mail.subject ?? ''))),
      20_000,
      `review email to ${c.id}`,
    );
    const links = [...String(review.mail.html).matchAll(/<a href="([^"]+\/n\/[^"]+)"[^>]*>(\d+)<\/a>/g)];
    return new Map(links.map((m) => [Number(m[2]), m[1]!.replace(PUBLIC_URL, t.baseUrl)]));
  };

  /** What the answer page's form posts (application/x-www-form-urlencoded, as a browser does). */
  const answerNps = (url: string, score: number, comment = '') =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ score: String(score), comment }).toString(),
    });

  it('first-time buyer: thank-you, tips, NPS request; a detractor answer routes to a feedback follow-up', async () => {
    await order(fumi);
    const orderId = `o-c-fumi-${seq}`;
    const [thanks] = await shop.mails(fumi, 1);
    expect(thanks!.mail.subject).toBe(`ご注文ありがとうございます（注文番号 ${orderId}）`);
    // Transactional: no unsubscribe header.
    expect(thanks!.mail.headers.has('list-unsubscribe')).toBe(false);

    const links = await npsLinks(fumi);
    expect([...links.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Tampering with the token (another score, another customer) is refused; nothing is recorded.
    const url = links.get(3)!;
    const [body, mac] = url.slice(url.lastIndexOf('/') + 1).split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...(JSON.parse(Buffer.from(body, 'base64url').toString()) as object), s: '10' }),
    ).toString('base64url');
    expect((await fetch(`${t.baseUrl}/n/${forged}.${mac}`)).status).toBe(401);

    // Following a link (as a mail scanner does with all eleven) shows the answer page, in Fumi's
    // language, with her score preselected; it records nothing.
    for (const link of links.values()) {
      expect((await fetch(link)).status).toBe(200);
    }
    const page = await (await fetch(url)).text();
    expect(page).toContain('そのスコアを付けた一番の理由は何ですか？');
    expect(page).toContain('value="3" checked');
    expect(await shop.events(fumi, 'nps.responded')).toHaveLength(0);
    // Her POST records the answer and its reason.
    const answer = await answerNps(url, 3, 'Too slow to arrive');
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('ご回答ありがとうございました。');
    const events = await waitFor(async () => {
      const rows = await shop.events(fumi, 'nps.responded');
      return rows.length > 0 ? rows : undefined;
    });
    expect(events.map((e) => e.properties)).toEqual([
      expect.objectContaining({ score: 3, comment: 'Too slow to arrive', instanceKey: orderId }),
    ]);
    // Submitting the same answer again is the same answer, recorded once.
    expect((await answerNps(url, 3, 'Too slow to arrive')).status).toBe(200);
    expect(await shop.events(fumi, 'nps.responded')).toHaveLength(1);

    expect(await sentTemplates(fumi, 4)).toEqual([
      'order-thank-you',
      'usage-tips',
      'review-request',
      'nps-feedback-follow-up',
    ]);
    await waitFor(async () =>
      (await shop.instances(fumi, 'Post-purchase follow-up'))[0]?.status === 'completed' ? true : undefined,
    );
    expect(await shop.templatesSentTo(fumi)).not.toContain('cross-sell');
  });

  it('repeat buyer skips the tips; a promoter gets the referral ask and no cross-sell', async () => {
    await order(rin);
    const links = await npsLinks(rin);
    expect((await answerNps(links.get(10)!, 10)).status).toBe(200);
    expect(await sentTemplates(rin, 3)).toEqual(['order-thank-you', 'review-request', 'referral-ask']);
    await waitFor(async () =>
      (await shop.instances(rin, 'Post-purchase follow-up'))[0]?.status === 'completed' ? true : undefined,
    );
    expect(await shop.templatesSentTo(rin)).toEqual(['order-thank-you', 'review-request', 'referral-ask']);
  });

  it('VIPs get a personal note instead of tips; first-time buyers who do not answer get the cross-sell', async () => {
    await order(vic);
    await order(fred);
    expect((await sentTemplates(vic, 2)).slice(0, 2)).toEqual(['order-thank-you', 'vip-thank-you']);
    expect(await sentTemplates(fred, 4)).toEqual(['order-thank-you', 'usage-tips', 'review-request', 'cross-sell']);
    expect(await shop.templatesSentTo(vic)).not.toContain('usage-tips');
    const crossSell = await waitFor(
      () => Promise.resolve(sink.to(fred.email).find((m) => m.mail.subject === 'Picked for you')),
      10_000,
      'the cross-sell mail',
    );
    expect(crossSell.mail.html).toContain('Customers who bought this also loved');
  });
});
