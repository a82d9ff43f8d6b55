import { generateKeyPairSync } from 'node:crypto';
import { Role } from '@kizuna/auth';
import { EmailFixtures } from './support/email-fixtures';
import { rawHeader, SmtpSink } from './support/smtp-sink';
import { startTestApp, waitFor, type TestApp } from './support/test-app';

const PUBLIC_URL = 'https://kizuna.example.test';

/** Templates a shop would write: a layout, a footer partial, a bilingual cart reminder. */
async function createTemplates(f: EmailFixtures): Promise<void> {
  await f.template({
    key: 'footer',
    kind: 'partial',
    defaultLocale: 'en',
    variants: {
      en: { html: 'Kizuna Tea · <a href="{{unsubscribeUrl}}">Unsubscribe</a>' },
      ja: { html: 'きずな茶舗 · <a href="{{unsubscribeUrl}}">配信停止</a>' },
    },
  });
  await f.template({
    key: 'base',
    kind: 'layout',
    defaultLocale: 'en',
    variants: { en: { html: '<html><body>{{{body}}}<hr><p class="footer">{{> footer}}</p></body></html>' } },
  });
  await f.template({
    key: 'cart-reminder',
    defaultLocale: 'en',
    layout: 'base',
    variants: {
      en: {
        subject:
          '{{default customer.firstName "Hi there"}}, you left {{plural items.length one="# item" other="# items"}} in your cart',
        html:
          '<h1>Hi {{default customer.firstName "there"}}</h1><ul>{{#each items}}<li>{{quantity}} × {{name}}: {{money price ../currency}}</li>{{/each}}</ul>' +
          '<p>Total: {{money total currency}}</p><p><a href="{{checkoutUrl}}">Return to your cart</a></p>',
      },
      ja: {
        subject: '{{customer.firstName}}様、カートに{{plural items.length other="#点"}}の商品が残っています',
        html:
          '<h1>{{customer.firstName}}様</h1><ul>{{#each items}}<li>{{name}} × {{quantity}}: {{money price ../currency}}</li>{{/each}}</ul>' +
          '<p>合計: {{money total currency}}</p><p><a href="{{checkoutUrl}}">カートに戻る</a></p>',
      },
    },
  });
  await f.template({
    key: 'order-receipt',
    defaultLocale: 'en',
    variants: { en: { subject: 'Your order {{orderId}}', html: '<p>Thanks for order {{orderId}}.</p>' } },
  });
  // Parses, so it saves; fails when rendered (the partial does not exist).
  await f.template({
    key: 'broken',
    defaultLocale: 'en',
    variants: { en: { subject: 'Broken', html: '<p>{{> no-such-partial}}</p>' } },
  });
}

/** What a mail client POSTs for RFC 8058 one-click unsubscribe. */
const ONE_CLICK = 'List-Unsubscribe=One-Click';

const postForm = (url: string, body: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

const usdCart = {
  cartId: 'k-1',
  currency: 'USD',
  total: 104.8,
  checkoutUrl: 'https://shop.example.test/cart/k-1?utm_source=email&step=2',
  items: [
    { id: 'sku-1', name: 'Tea cup', price: 29.9, quantity: 2 },
    { id: 'sku-2', name: 'Tea pot', price: 45, quantity: 1 },
  ],
};

const jpyCart = {
  cartId: 'k-2',
  currency: 'JPY',
  total: 4980,
  checkoutUrl: 'https://shop.example.test/cart/k-2',
  items: [
    { id: 'sku-3', name: '煎茶 100g', price: 1980, quantity: 1 },
    { id: 'sku-4', name: '急須', price: 3000, quantity: 1 },
  ],
};

describe('email delivery over SMTP (e2e)', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let f: EmailFixtures;
  let opsKey: string;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        SMTP_URL: sink.url,
        PUBLIC_URL,
        MAIL_FROM: 'shop@kizuna-tea.example',
        MAIL_FROM_NAME: 'Kizuna Tea',
        UNSUBSCRIBE_MAILTO: 'unsubscribe@kizuna-tea.example',
        DELIVERY_RETRY_BASE_MS: '100',
        DELIVERY_RETRY_MAX_MS: '400',
        DKIM_DOMAIN: 'kizuna-tea.example',
        DKIM_SELECTOR: 'k1',
        DKIM_PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 2048 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString()
          .replace(/\n/g, '\\n'),
      },
    });
    f = new EmailFixtures(t, await t.keyFor(Role.Marketer), await t.keyFor(Role.Ingest));
    opsKey = await t.keyFor(Role.Ops);
    await createTemplates(f);
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  const consentOf = async (uuid: string) =>
    (await t.db.query<{ email_consent: string }>('SELECT email_consent FROM customers WHERE id = $1', [uuid]))[0]!
      .email_consent;

  it('delivers a personalised email: name, cart items, money in the currency and locale', async () => {
    const aiko = await f.customer('c-aiko', 'aiko@example.test', {
      firstName: 'アイコ',
      locale: 'ja-JP',
      timezone: 'Asia/Tokyo',
    });
    const tom = await f.customer('c-tom', 'tom@example.test', { firstName: 'Tom', locale: 'en-US' });
    const ja = await f.enqueue(aiko, 'cart-reminder', jpyCart);
    const en = await f.enqueue(tom, 'cart-reminder', usdCart);
    await f.settled(ja, ['sent']);
    const sent = await f.settled(en, ['sent']);

    const [jaMail] = sink.to('aiko@example.test');
    expect(jaMail!.mail.subject).toBe('アイコ様、カートに2点の商品が残っています');
    expect(jaMail!.mail.html).toContain('<li>煎茶 100g × 1: ￥1,980</li><li>急須 × 1: ￥3,000</li>');
    expect(jaMail!.mail.html).toContain('合計: ￥4,980');
    expect(jaMail!.mail.html).toContain('配信停止');

    const [enMail] = sink.to('tom@example.test');
    expect(enMail!.envelopeTo).toEqual(['tom@example.test']);
    expect(enMail!.mail.subject).toBe('Tom, you left 2 items in your cart');
    expect(enMail!.mail.from?.value).toEqual([{ address: 'shop@kizuna-tea.example', name: 'Kizuna Tea' }]);
    expect(enMail!.mail.to).toMatchObject({ value: [{ address: 'tom@example.test', name: '' }] });
    expect(enMail!.mail.html).toContain('<li>2 × Tea cup: $29.90</li><li>1 × Tea pot: $45.00</li>');
    expect(enMail!.mail.html).toContain('Total: $104.80');
    // The text part is derived from the HTML, layout included.
    expect(enMail!.mail.text).toContain('2 × Tea cup: $29.90');
    expect(enMail!.mail.text).toContain('Kizuna Tea');
    // The Message-ID sent is the one stored.
    expect(enMail!.mail.messageId).toBe(sent.smtp_message_id);
    expect(sent.smtp_message_id).toBe(`<${en}@kizuna-tea.example>`);
    expect(await f.attempts(en)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'sent', smtp_code: 250 })]);
  });

  it('carries RFC 8058 one-click unsubscribe headers, a working pixel and working rewritten links', async () => {
    const uuid = await f.customer('c-links', 'links@example.test', { firstName: 'Lin' });
    const id = await f.enqueue(uuid, 'cart-reminder', usdCart);
    await f.settled(id, ['sent']);
    const [{ mail }] = sink.to('links@example.test') as [(typeof sink.received)[number]];

    const listUnsubscribe = rawHeader(mail, 'List-Unsubscribe')!;
    const match =
      /^<(https:\/\/[^>]+\/u\/([\w.-]+))>, <mailto:unsubscribe@kizuna-tea\.example\?subject=unsubscribe%20([\w.-]+)>$/.exec(
        listUnsubscribe,
      );
    expect(match).not.toBeNull();
    const unsubscribeUrl = match![1]!;
    expect(match![3]).toBe(match![2]); // the mailto carries the same signed token
    expect(unsubscribeUrl).toMatch(new RegExp(`^${PUBLIC_URL}/u/[\\w-]+\\.[\\w-]+$`));
    expect(rawHeader(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    // RFC 8058: the DKIM signature covers both List-Unsubscribe headers.
    const dkim = rawHeader(mail, 'DKIM-Signature')!;
    expect(dkim).toMatch(/\bd=kizuna-tea\.example;/);
    expect(dkim).toMatch(/\bs=k1;/);
    const signed = /\bh=([^;]+);/.exec(dkim)![1]!.replace(/\s+/g, '').toLowerCase().split(':');
    expect(signed).toEqual(expect.arrayContaining(['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post']));

    const html = String(mail.html);
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    // The shop link is wrapped for click tracking; the unsubscribe link is left as it is.
    expect(hrefs).toHaveLength(2);
    expect(hrefs.some((h) => h.startsWith('https://shop.example.test'))).toBe(false);
    const click = hrefs.find((h) => h.startsWith(`${PUBLIC_URL}/t/c/`))!;
    expect(hrefs).toContain(unsubscribeUrl);

    const redirect = await fetch(f.local(click), { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(usdCart.checkoutUrl);

    const pixel = html.match(/<img src="([^"]+\/t\/o\/[^"]+)"/)![1]!;
    const open = await fetch(f.local(pixel));
    expect(open.status).toBe(200);
    expect(open.headers.get('content-type')).toBe('image/gif');
    expect((await open.arrayBuffer()).byteLength).toBeGreaterThan(0);

    // Both became events for the customer, usable by journeys.
    const events = await waitFor(async () => {
      const rows = await t.db.query<{ name: string; source: string; properties: Record<string, unknown> }>(
        `SELECT name, source, properties FROM events WHERE customer_id = 'c-links' AND name LIKE 'email.%' ORDER BY name`,
      );
      return rows.length === 2 ? rows : undefined;
    });
    expect(events).toEqual([
      {
        name: 'email.clicked',
        source: 'system',
        properties: { url: usdCart.checkoutUrl, messageId: id, templateKey: 'cart-reminder' },
      },
      { name: 'email.opened', source: 'system', properties: { messageId: id, templateKey: 'cart-reminder' } },
    ]);

    // A click token whose URL was swapped is refused: the redirect only goes where the email pointed.
    const token = click.slice(click.lastIndexOf('/') + 1);
    const [, mac] = token.split('.');
    const swapped = Buffer.from(JSON.stringify({ m: id, u: 'https://evil.example.test/' })).toString('base64url');
    const forged = await fetch(`${t.baseUrl}/t/c/${swapped}.${mac}`, { redirect: 'manual' });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('location')).toBeNull();
    // An open token is not an unsubscribe token.
    const openToken = pixel.slice(pixel.lastIndexOf('/') + 1);
    expect((await fetch(`${t.baseUrl}/u/${openToken}`, { method: 'POST' })).status).toBe(401);
  });

  it('retries a 451 and delivers exactly one message after the 250', async () => {
    const uuid = await f.customer('c-retry', 'retry@example.test', { firstName: 'Rei' });
    sink.scriptData('retry@example.test', [451, 250]);
    const id = await f.enqueue(uuid, 'cart-reminder', usdCart);
    const row = await f.settled(id, ['sent']);
    expect(row.attempts).toBe(2);
    expect(await f.attempts(id)).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'deferred', smtp_code: 451 }),
      expect.objectContaining({ attempt: 2, outcome: 'sent', smtp_code: 250 }),
    ]);
    expect(sink.dataReplies.filter((r) => r.to === 'retry@example.test').map((r) => r.code)).toEqual([451, 250]);
    expect(sink.to('retry@example.test')).toHaveLength(1);
    // The retry sent the content stored with the first attempt, and kept what it was made from.
    expect(
      await t.db.query('SELECT locale, template_version, subject FROM outbox_messages WHERE id = $1', [id]),
    ).toEqual([{ locale: 'en', template_version: 1, subject: 'Rei, you left 2 items in your cart' }]);
    expect(sink.to('retry@example.test')[0]!.mail.messageId).toBe(`<${id}@kizuna-tea.example>`);
  });

  it('counts DELIVERY_GIVE_UP_SECONDS (2 days) from the first attempt, not from queueing', async () => {
    // Held 3 days before its first attempt (here by the kill switch; caps and quiet hours alike),
    // then a 451: a first temporary failure, retried, not given up on.
    const held = await f.customer('c-held', 'held@example.test');
    const tried = await f.customer('c-tried', 'tried@example.test');
    sink.scriptData('held@example.test', [451, 250]);
    sink.scriptData('tried@example.test', [451]);
    expect((await f.api('POST', '/v1/sending/pause', opsKey, { reason: 'give-up test' })).status).toBe(200);
    const heldId = await f.enqueue(held, 'order-receipt', { orderId: 'o-held' }, 'transactional');
    // Queued 3 days ago too, but first tried (and deferred) 3 days ago: past the give-up time.
    const triedId = await f.enqueue(tried, 'order-receipt', { orderId: 'o-tried' }, 'transactional');
    await t.db.query(`UPDATE outbox_messages SET created_at = now() - interval '3 days' WHERE id = ANY($1::uuid[])`, [
      [heldId, triedId],
    ]);
    await t.db.query(
      `UPDATE outbox_messages SET first_attempt_at = now() - interval '3 days', attempts = 1 WHERE id = $1`,
      [triedId],
    );
    await t.db.query(
      `INSERT INTO message_attempts (message_id, attempt, started_at, finished_at, outcome, smtp_code, response)
       VALUES ($1, 1, now() - interval '3 days', now() - interval '3 days', 'deferred', 451, '451 busy')`,
      [triedId],
    );
    expect((await f.api('POST', '/v1/sending/resume', opsKey)).status).toBe(200);

    await f.settled(heldId, ['sent']);
    expect((await f.attempts(heldId)).map((a) => [a.attempt, a.outcome, a.smtp_code])).toEqual([
      [1, 'deferred', 451],
      [2, 'sent', 250],
    ]);
    const failed = await f.settled(triedId, ['failed']);
    expect(failed.status_reason).toMatch(/^gave up after 172800 s of temporary failures; last: 451/);
    expect((await f.attempts(triedId)).map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'deferred'],
      [2, 'failed'],
    ]);
    expect(sink.to('held@example.test')).toHaveLength(1);
    expect(sink.to('tried@example.test')).toHaveLength(0);
  });

  it('fails a 550 with the reason and does not retry it', async () => {
    const uuid = await f.customer('c-refused', 'refused@example.test');
    sink.scriptData('refused@example.test', [550, 250]);
    const id = await f.enqueue(uuid, 'cart-reminder', usdCart);
    const row = await f.settled(id, ['failed']);
    expect(row.status_reason).toMatch(/^rejected by the server: 550.*Message refused by policy/);
    // Well past several retry intervals: still one attempt, nothing delivered.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await f.message(id)).status).toBe('failed');
    expect(await f.attempts(id)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'failed', smtp_code: 550 })]);
    expect(sink.dataReplies.filter((r) => r.to === 'refused@example.test')).toHaveLength(1);
    expect(sink.to('refused@example.test')).toHaveLength(0);
  });

  it('treats a 550 refusing the recipient as a hard bounce: later mail, even transactional, is suppressed', async () => {
    const uuid = await f.customer('c-bounce', 'nobody@example.test');
    sink.refuseRecipient('nobody@example.test', 550, '5.1.1 No such user');
    const first = await f.enqueue(uuid, 'cart-reminder', usdCart);
    expect((await f.settled(first, ['failed'])).status_reason).toContain('5.1.1 No such user');
    const receipt = await f.enqueue(uuid, 'order-receipt', { orderId: 'o-1' }, 'transactional');
    const row = await f.settled(receipt, ['suppressed']);
    expect(row.status_reason).toBe('the address is on the suppression list (hard_bounce)');
    expect(await f.attempts(receipt)).toEqual([]);
  });

  it('stops already-queued marketing mail on a one-click unsubscribe; transactional mail still goes', async () => {
    const uuid = await f.customer('c-unsub', 'unsub@example.test', { firstName: 'Uma' });
    const first = await f.enqueue(uuid, 'cart-reminder', usdCart);
    await f.settled(first, ['sent']);
    const url = /<(https:[^>]+)>/.exec(rawHeader(sink.to('unsub@example.test')[0]!.mail, 'List-Unsubscribe')!)![1]!;

    // Queue more mail while sending is paused, so it is certainly still queued at unsubscribe time.
    expect((await f.api('POST', '/v1/sending/pause', opsKey, { reason: 'test' })).status).toBe(200);
    const queued = await f.enqueue(uuid, 'cart-reminder', usdCart);
    const receipt = await f.enqueue(uuid, 'order-receipt', { orderId: 'o-2' }, 'transactional');
    expect((await f.message(queued)).status).toBe('queued');

    // A forged token is refused and changes nothing.
    const forged = await postForm(`${t.baseUrl}/u/${Buffer.from('{"m":"x"}').toString('base64url')}.AAAA`, ONE_CLICK);
    expect(forged.status).toBe(401);
    expect(await consentOf(uuid)).toBe('unknown');

    // The mail client's one-click POST (RFC 8058).
    const res = await postForm(f.local(url), ONE_CLICK);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are unsubscribed');
    expect((await f.api('POST', '/v1/sending/resume', opsKey)).status).toBe(200);

    expect((await f.settled(queued, ['suppressed', 'sent'])).status).toBe('suppressed');
    await f.settled(receipt, ['sent']);
    const received = sink.to('unsub@example.test').map((r) => r.mail.subject);
    expect(received).toEqual(['Uma, you left 2 items in your cart', 'Your order o-2']);
    const [profile] = await t.db.query(`SELECT email_consent, email_consent_source FROM customers WHERE id = $1`, [
      uuid,
    ]);
    expect(profile).toEqual({ email_consent: 'unsubscribed', email_consent_source: 'unsubscribe-link:one-click' });
    expect(await t.db.query(`SELECT reason FROM suppressions WHERE email = 'unsub@example.test'`)).toEqual([
      { reason: 'unsubscribe' },
    ]);
    await waitFor(
      async () =>
        (await t.db.query(`SELECT 1 FROM events WHERE customer_id = 'c-unsub' AND name = 'email.unsubscribed'`))[0],
    );

    // GET shows the preference page and changes nothing; its button subscribes again.
    const page = await fetch(f.local(url));
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('un***@example.test');
    expect(text).toContain('value="resubscribe"');
    const again = await postForm(f.local(url), 'action=resubscribe');
    expect(again.status).toBe(200);
    expect(await consentOf(uuid)).toBe('subscribed');
    expect(await t.db.query(`SELECT reason FROM suppressions WHERE email = 'unsub@example.test'`)).toEqual([]);
  });

  it('refuses a recipient carrying a header injection before nodemailer sees it', async () => {
    // Bad data from elsewhere (the ingest API would refuse this address).
    const [{ id }] = (await t.db.query<{ id: string }>(
      `INSERT INTO customers (customer_id, email) VALUES ('c-inject', $1) RETURNING id`,
      ['victim@example.test\r\nBcc: attacker@evil.example.test'],
    )) as [{ id: string }];
    const msg = await f.enqueue(id, 'order-receipt', { orderId: 'o-3' }, 'transactional');
    const row = await f.settled(msg, ['failed']);
    expect(row.status_reason).toBe(
      'invalid recipient address: contains whitespace, a line break, a control or a non-ASCII character',
    );
    expect(await f.attempts(msg)).toEqual([]);
    expect(sink.to('attacker@evil.example.test')).toHaveLength(0);
    expect(sink.to('victim@example.test')).toHaveLength(0);
  });

  it('keeps data with line breaks out of the headers: the subject stays one line, no header is added', async () => {
    const uuid = await f.customer('c-eve', 'eve@example.test', {
      firstName: 'Eve\r\nBcc: attacker@evil.example.test\r\nX-Injected: yes',
    });
    const id = await f.enqueue(uuid, 'cart-reminder', usdCart);
    await f.settled(id, ['sent']);
    const [received] = sink.to('eve@example.test');
    expect(received!.envelopeTo).toEqual(['eve@example.test']);
    expect(received!.mail.subject).toBe(
      'Eve Bcc: attacker@evil.example.test X-Injected: yes, you left 2 items in your cart',
    );
    expect(received!.mail.headers.has('bcc')).toBe(false);
    expect(received!.mail.headers.has('x-injected')).toBe(false);
    expect(sink.to('attacker@evil.example.test')).toHaveLength(0);
  });

  it('fails a message whose template fails to render, and delivers the next one', async () => {
    const uuid = await f.customer('c-broken', 'broken@example.test', { firstName: 'Ben' });
    const broken = await f.enqueue(uuid, 'broken', {});
    const missing = await f.enqueue(uuid, 'no-such-template', {});
    const good = await f.enqueue(uuid, 'order-receipt', { orderId: 'o-4' }, 'transactional');
    const failed = await f.settled(broken, ['failed']);
    expect(failed.status_reason).toMatch(/^template failed to render: template "broken" v1: .*no-such-partial/);
    expect((await f.settled(missing, ['failed'])).status_reason).toBe(
      'template failed to render: no active email template "no-such-template"',
    );
    await f.settled(good, ['sent']);
    expect(sink.to('broken@example.test').map((r) => r.mail.subject)).toEqual(['Your order o-4']);
  });
});
