import { Role } from '@kizuna/auth';
import { ReferenceInstaller, type InstallReport } from '@kizuna/reference';
import { ShopFixtures, sleep, type Customer } from './support/shop-fixtures';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The reference cart-abandonment journey, installed from config/reference exactly as shipped
 * but with every duration scaled (an hour lasts 125 ms, a day 3 s), on the real app, real
 * PostgreSQL and a real SMTP server. Also the installer's idempotency.
 */
const SCALE = 1 / 28_800;

const outcomes = (report: InstallReport) => report.items.map((i) => `${i.kind}:${i.name}:${i.outcome}`);

/** The cart lines of a reference cart email, as the customer reads them. */
const cartLines = (html: string) =>
  [...(/<ul class="cart">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '').matchAll(/<li>(.*?)<\/li>/g)].map((m) => m[1]);

describe('reference journeys: cart abandonment (e2e)', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let shop: ShopFixtures;
  let installer: ReferenceInstaller;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { SMTP_URL: sink.url, MAIL_FROM: 'shop@kizuna-tea.example' } });
    shop = await ShopFixtures.create(t, sink);
    installer = t.app.get(ReferenceInstaller);
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  it('installs segments, templates and published journeys once; a second run changes nothing', async () => {
    const first = await installer.install({ durationScale: SCALE });
    expect(outcomes(first)).toEqual(
      expect.arrayContaining(['segment:dormant-90d:created', 'template:reference-layout:created']),
    );
    expect(first.items.every((i) => i.outcome === 'created')).toBe(true);
    expect(first.items.filter((i) => i.kind === 'journey').map((i) => i.name)).toEqual([
      'Cart abandonment',
      'Post-purchase follow-up',
      'Win-back VIP (dormant 45 days)',
      'Win-back (dormant 90 days)',
    ]);
    const journeys = await t.db.query<{ name: string; status: string; active_version: number }>(
      'SELECT name, status, active_version FROM journeys ORDER BY name',
    );
    expect(journeys.map((j) => [j.status, j.active_version])).toEqual([
      ['active', 1],
      ['active', 1],
      ['active', 1],
      ['active', 1],
    ]);
    const cart = await t.db.query<{ definition: { steps: Array<{ id: string; duration?: string }> } }>(
      `SELECT v.definition FROM journey_versions v JOIN journeys j ON j.id = v.journey_id WHERE j.name = 'Cart abandonment'`,
    );
    expect(cart[0]!.definition.steps.find((s) => s.id === 'grace')!.duration).toBe('PT0.125S');

    const counts = async () =>
      (
        await t.db.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM segments) + (SELECT count(*) FROM templates)
                + (SELECT count(*) FROM template_versions) + (SELECT count(*) FROM journey_versions) AS n`,
        )
      )[0]!.n;
    const before = await counts();
    const second = await installer.install({ durationScale: SCALE });
    expect(second.items.every((i) => i.outcome === 'unchanged')).toBe(true);
    expect(second.items.map((i) => i.id)).toEqual(first.items.map((i) => i.id));
    expect(await counts()).toBe(before);
  });

  it('leaves content a marketer edited alone, and says so', async () => {
    const marketer = await t.keyFor(Role.Marketer);
    const [template] = await t.db.query<{ id: string }>(`SELECT id FROM templates WHERE key = 'cross-sell'`);
    const res = await fetch(`${t.baseUrl}/v1/templates/${template!.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${marketer}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        defaultLocale: 'en',
        layout: 'reference-layout',
        variants: { en: { subject: 'Our picks for you', html: '<p>Edited by marketing</p>' } },
      }),
    });
    expect(res.status).toBe(200);
    // Production durations differ from the installed (scaled) ones: every journey and the
    // time-based segment count as edited and are left as they are.
    const report = await installer.install({ durationScale: SCALE });
    expect(report.items.filter((i) => i.outcome !== 'unchanged').map((i) => `${i.kind}:${i.name}`)).toEqual([
      'template:cross-sell',
    ]);
    const [{ versions }] = (await t.db.query<{ versions: number }>(
      `SELECT count(DISTINCT v.version)::int AS versions FROM template_versions v
         JOIN templates t ON t.id = v.template_id WHERE t.key = 'cross-sell'`,
    )) as [{ versions: number }];
    expect(versions).toBe(2);
    // The API route installs production values; installed scaled ones differ, so they're "edited".
    const api = await fetch(`${t.baseUrl}/v1/reference/install`, {
      method: 'POST',
      headers: { authorization: `Bearer ${marketer}` },
    });
    expect(api.status).toBe(200);
    const viaApi = (await api.json()) as InstallReport;
    expect(viaApi.items.filter((i) => i.outcome === 'edited').map((i) => `${i.kind}:${i.name}`)).toEqual([
      'segment:dormant-90d',
      'segment:vip-dormant-45d',
      'template:cross-sell',
      'journey:Cart abandonment',
      'journey:Post-purchase follow-up',
      'journey:Win-back VIP (dormant 45 days)',
      'journey:Win-back (dormant 90 days)',
    ]);
  });

  it("reminds with exactly the cart's items, and sends nothing once that cart's order arrives", async () => {
    const tom: Customer = { id: 'c-tom', email: 'tom@example.test', locale: 'en-US', firstName: 'Tom' };
    const aiko: Customer = { id: 'c-aiko', email: 'aiko@example.test', locale: 'ja-JP', firstName: 'アイコ' };
    const tomCart = {
      cartId: 'cart-tom',
      currency: 'USD',
      total: 104.8,
      checkoutUrl: 'https://shop.example.test/cart/cart-tom',
      items: [
        { id: 'sku-1', name: 'Tea cup', price: 29.9, quantity: 2 },
        { id: 'sku-2', name: 'Tea pot', price: 45, quantity: 1 },
      ],
    };
    const aikoCart = {
      cartId: 'cart-aiko',
      currency: 'JPY',
      total: 4980,
      checkoutUrl: 'https://shop.example.test/cart/cart-aiko',
      items: [
        { id: 'sku-3', name: '煎茶 100g', price: 1980, quantity: 1 },
        { id: 'sku-4', name: '急須', price: 3000, quantity: 1 },
      ],
    };
    // Tom orders the cart he was reminded of; Aiko never orders hers.
    await shop.event('checkout.started', tom, tomCart);
    await shop.event('checkout.started', aiko, aikoCart);

    const [tomMail] = await shop.mails(tom, 1);
    expect(tomMail!.mail.subject).toBe('Tom, you left 2 items in your cart');
    expect(cartLines(String(tomMail!.mail.html))).toEqual(['2 × Tea cup: $29.90', '1 × Tea pot: $45.00']);
    expect(String(tomMail!.mail.html)).toContain('Total: $104.80');
    expect(tomMail!.mail.text).toContain('Return to your cart');

    await shop.event('order.placed', tom, { orderId: 'o-1', cartId: 'cart-tom', total: 104.8, currency: 'USD' });
    expect(await shop.instances(tom, 'Cart abandonment')).toEqual([
      expect.objectContaining({ instance_key: 'cart-tom', status: 'exited' }),
    ]);

    // Aiko gets all three: first reminder, the second a "day" later, the incentive (cart >= 100).
    const aikoMails = await shop.mails(aiko, 3, 20_000);
    expect(aikoMails.map((m) => m.mail.subject)).toEqual([
      'アイコ様、カートに2点の商品が残っています',
      'カートの商品がまもなく削除されます',
      'カートの商品が10%オフ',
    ]);
    for (const { mail } of aikoMails) {
      expect(cartLines(String(mail.html))).toEqual(['煎茶 100g × 1: ￥1,980', '急須 × 1: ￥3,000']);
    }
    expect(await shop.instances(aiko, 'Cart abandonment')).toEqual([expect.objectContaining({ status: 'completed' })]);
    // By now Tom's second reminder would long have gone out, had the order not ended it.
    await sleep(500);
    const cartMails = (await shop.templatesSentTo(tom)).filter((key) => key.startsWith('cart-'));
    expect(cartMails).toEqual(['cart-reminder-1']);
    expect(sink.to(tom.email).filter((m) => /cart/i.test(m.mail.subject ?? ''))).toHaveLength(1);
  });
  it('lists the cart as it is when the reminder goes out: the latest cart.updated of that cart', async () => {
    const ken: Customer = { id: 'c-ken', email: 'ken@example.test', locale: 'en-US', firstName: 'Ken' };
    const started = {
      cartId: 'cart-ken',
      currency: 'USD',
      total: 29.9,
      checkoutUrl: 'https://shop.example.test/cart/cart-ken',
      items: [{ id: 'sku-1', name: 'Tea cup', price: 29.9, quantity: 1 }],
    };
    // Ken swaps the cup for a pot and a kettle before the reminder's hour is up.
    const updated = {
      ...started,
      total: 84.9,
      items: [
        { id: 'sku-2', name: 'Tea pot', price: 45, quantity: 1 },
        { id: 'sku-5', name: 'Kettle', price: 39.9, quantity: 1 },
      ],
    };
    await shop.eventBatch(ken, [
      { name: 'checkout.started', properties: started },
      { name: 'cart.updated', properties: updated },
    ]);
    const [mail] = await shop.mails(ken, 1);
    expect(mail!.mail.subject).toBe('Ken, you left 2 items in your cart');
    expect(cartLines(String(mail!.mail.html))).toEqual(['1 × Tea pot: $45.00', '1 × Kettle: $39.90']);
    expect(String(mail!.mail.html)).toContain('Total: $84.90');
    // One cart, one instance.
    expect(await shop.instances(ken, 'Cart abandonment')).toEqual([
      expect.objectContaining({ instance_key: 'cart-ken', status: 'active' }),
    ]);
    await shop.event('order.placed', ken, { orderId: 'o-ken', cartId: 'cart-ken', total: 84.9, currency: 'USD' });
  });
});
