import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Role } from '@kizuna/auth';
import { OutboxRepository, TemplateCatalog } from '@kizuna/messaging';
import { TemplatesService } from '@kizuna/templates';
import { DataSource } from 'typeorm';
import { EmailFixtures } from './support/email-fixtures';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, waitFor, type TestApp } from './support/test-app';

const welcome = {
  key: 'welcome',
  defaultLocale: 'en',
  variants: {
    en: {
      subject: 'Welcome, {{default customer.firstName "friend"}}',
      html: '<p>Hello {{customer.firstName}} (v1)</p>',
    },
    ja: { subject: 'ようこそ、{{customer.firstName}}様', html: '<p>{{customer.firstName}}様 (v1)</p>' },
  },
};

describe('templates API, message log, kill switch, crash recovery (e2e)', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let f: EmailFixtures;
  let marketer: string;
  let ops: string;
  let templateId: string;
  let aiko: string;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        SMTP_URL: sink.url,
        MAIL_FROM: 'shop@example.test',
        DELIVERY_RETRY_BASE_MS: '100',
        DELIVERY_RETRY_MAX_MS: '400',
        // Short, so the crash test below is quick; the exchange bounds must stay under it.
        DELIVERY_LEASE_SECONDS: '10',
        SMTP_SEND_TIMEOUT_MS: '5000',
        WEBHOOK_TIMEOUT_MS: '5000',
      },
    });
    marketer = await t.keyFor(Role.Marketer);
    ops = await t.keyFor(Role.Ops);
    f = new EmailFixtures(t, marketer, await t.keyFor(Role.Ingest));
    templateId = await f.template(welcome);
    aiko = await f.customer('c-aiko', 'aiko@example.test', { firstName: 'アイコ', locale: 'ja' });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  describe('templates', () => {
    it('refuses a template that does not parse, naming the variant and part', async () => {
      const res = await f.api<{ code: string; message: string }>('POST', '/v1/templates', marketer, {
        key: 'bad',
        defaultLocale: 'en',
        variants: { en: { subject: 'Hi {{name', html: '<p>{{#each items}}</p>' } },
      });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('TEMPLATE_INVALID');
      // The whole of Handlebars' message: the line, the excerpt with a caret under the spot, and
      // what was expected there (not just "Parse error on line 1:").
      expect(res.body.message).toContain(
        'variants.en.subject: Parse error on line 1:\nHi {{name\n-----^\n' +
          "Expecting 'ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA', got 'INVALID'",
      );
      expect(res.body.message).toContain(
        'variants.en.html: Parse error on line 1:\n...>{{#each items}}</p>\n-----------------------^\n' +
          "Expecting 'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK', got 'EOF'",
      );
      const problems = (res.body as { details?: { problems?: string[] } }).details?.problems ?? [];
      expect(problems.map((p) => p.split('\n'))).toEqual([
        [
          'variants.en.subject: Parse error on line 1:',
          'Hi {{name',
          '-----^',
          expect.stringMatching(/^Expecting 'ID'/),
        ],
        [
          'variants.en.html: Parse error on line 1:',
          '...>{{#each items}}</p>',
          '-----------------------^',
          expect.stringMatching(/got 'EOF'$/),
        ],
      ]);
      const noDefault = await f.api('POST', '/v1/templates', marketer, { ...welcome, key: 'w2', defaultLocale: 'fr' });
      expect(noDefault.status).toBe(422);
      const noLayout = await f.api('POST', '/v1/templates', marketer, { ...welcome, key: 'w3', layout: 'nope' });
      expect(noLayout.status).toBe(422);
      expect((await f.api('POST', '/v1/templates', marketer, welcome)).status).toBe(409);
      expect((await f.api('POST', '/v1/templates', marketer, { ...welcome, key: 'Bad Key' })).status).toBe(400);
    });

    it('previews with a real customer in their locale, and test-sends to an address', async () => {
      const preview = await f.api<Record<string, unknown>>('POST', `/v1/templates/${templateId}/preview`, marketer, {
        customerId: 'c-aiko',
        payload: {},
      });
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({
        subject: 'ようこそ、アイコ様',
        html: '<p>アイコ様 (v1)</p>',
        locale: 'ja',
        templateVersion: 1,
      });
      const nobody = await f.api('POST', `/v1/templates/${templateId}/preview`, marketer, { customerId: 'nobody' });
      expect(nobody.status).toBe(404);

      const sent = await f.api('POST', `/v1/templates/${templateId}/test-send`, marketer, {
        customerId: 'c-aiko',
        to: 'designer@example.test',
      });
      expect(sent.status).toBe(200);
      expect(sink.to('designer@example.test').map((r) => r.mail.subject)).toEqual(['[Test] ようこそ、アイコ様']);
      const injected = await f.api<{ code: string }>('POST', `/v1/templates/${templateId}/test-send`, marketer, {
        customerId: 'c-aiko',
        to: 'designer@example.test\r\nBcc: other@example.test',
      });
      expect(injected.status).toBe(400);
      expect(injected.body.code).toBe('INVALID_RECIPIENT');
      expect(sink.to('other@example.test')).toHaveLength(0);
    });

    it("previews with one of the customer's stored events as the sample", async () => {
      const id = await f.template({
        key: 'cart-preview',
        defaultLocale: 'ja',
        variants: {
          ja: {
            subject: '{{event.name}}: {{plural items.length other="#点"}}',
            html: '{{#each items}}<li>{{name}} {{money price ../currency}}</li>{{/each}}',
          },
        },
      });
      const eventId = await f.event({
        name: 'cart.updated',
        customerId: 'c-aiko',
        messageId: 'preview-cart-1',
        properties: { cartId: 'k-9', currency: 'JPY', items: [{ id: 's1', name: '抹茶', price: 1200, quantity: 1 }] },
      });
      const preview = await f.api<{ subject: string; html: string }>('POST', `/v1/templates/${id}/preview`, marketer, {
        customerId: 'c-aiko',
        eventId,
      });
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({ subject: 'cart.updated: 1点', html: '<li>抹茶 ￥1,200</li>' });
      const otherCustomers = await f.api('POST', `/v1/templates/${id}/preview`, marketer, {
        customerId: 'c-aiko',
        eventId: '00000000-0000-4000-8000-000000000000',
      });
      expect(otherCustomers.status).toBe(404);
      expect((await f.api('DELETE', `/v1/templates/${id}`, marketer)).status).toBe(200);
    });

    it('versions every edit; new mail renders the new version, old versions stay readable', async () => {
      const before = await f.enqueue(aiko, 'welcome', {});
      await f.settled(before, ['sent']);
      const v2 = await f.api<{ version: number; currentVersion: number }>(
        'PUT',
        `/v1/templates/${templateId}`,
        marketer,
        {
          defaultLocale: 'en',
          variants: {
            en: { subject: 'Welcome!', html: '<p>Hello (v2)</p>' },
            ja: { subject: 'ようこそ!', html: '<p>{{customer.firstName}}様 (v2)</p>' },
          },
        },
      );
      expect(v2.status).toBe(200);
      expect(v2.body).toMatchObject({ version: 2, currentVersion: 2 });
      const after = await f.enqueue(aiko, 'welcome', {});
      await f.settled(after, ['sent']);
      expect(sink.to('aiko@example.test').map((r) => r.mail.html)).toEqual([
        expect.stringContaining('アイコ様 (v1)'),
        expect.stringContaining('アイコ様 (v2)'),
      ]);
      const v1 = await f.api<{ version: number; variants: Record<string, { html: string }> }>(
        'GET',
        `/v1/templates/${templateId}?version=1`,
        marketer,
      );
      expect(v1.body.version).toBe(1);
      expect(v1.body.variants.ja!.html).toBe('<p>{{customer.firstName}}様 (v1)</p>');
      expect((await f.api('GET', `/v1/templates/${templateId}?version=9`, marketer)).status).toBe(404);
    });

    it("renders the editor's unsaved draft, says where a draft does not parse, and lists what each version changed", async () => {
      const id = await f.template({ ...welcome, key: 'drafted' });
      const draft = {
        defaultLocale: 'en',
        variants: {
          en: { subject: 'Draft for {{customer.firstName}}', html: '<p>Draft</p>' },
          ja: { subject: '下書き', html: '<p>下書き {{customer.firstName}}</p>' },
        },
      };
      // Aiko reads Japanese; the editor's "en" tab asks for the en variant, of the draft.
      const preview = await f.api('POST', `/v1/templates/${id}/preview`, marketer, {
        customerId: 'c-aiko',
        locale: 'en',
        draft,
      });
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({ subject: 'Draft for アイコ', html: '<p>Draft</p>', locale: 'en' });
      // Nothing was saved.
      expect((await f.api('GET', `/v1/templates/${id}`, marketer)).body).toMatchObject({ currentVersion: 1 });
      const saved = await f.api('POST', `/v1/templates/${id}/preview`, marketer, { customerId: 'c-aiko' });
      expect(saved.body).toMatchObject({ subject: 'ようこそ、アイコ様', locale: 'ja' });

      const broken = await f.api<{ code: string; details: { syntax: unknown[] } }>(
        'POST',
        `/v1/templates/${id}/preview`,
        marketer,
        {
          customerId: 'c-aiko',
          draft: {
            ...draft,
            // Line 3, column 6: "name</p>" after "{{" is no expression (3 spaces, "{{", then it).
            variants: { ...draft.variants, ja: { subject: 'ok', html: '<p>\nok\n   {{name</p>' } },
          },
        },
      );
      expect(broken.status).toBe(422);
      expect(broken.body.code).toBe('TEMPLATE_INVALID');
      expect(broken.body.details.syntax).toEqual([
        { locale: 'ja', part: 'html', line: 3, column: 6, message: expect.stringMatching(/^Parse error on line 3:/) },
      ]);
      const mismatched = await f.api<{ details: { syntax: unknown[] } }>(
        'POST',
        `/v1/templates/${id}/preview`,
        marketer,
        {
          customerId: 'c-aiko',
          draft: { ...draft, variants: { en: { subject: 'Hi', html: 'a\n{{#if a}}x{{/each}}' } } },
        },
      );
      // Handlebars points at the block's name: "if" in "{{#if" at line 2, column 4 (it counts from 0: 3).
      expect(mismatched.body.details.syntax).toEqual([
        { locale: 'en', part: 'html', line: 2, column: 4, message: "if doesn't match each - 2:3" },
      ]);
      const noVariant = await f.api('POST', `/v1/templates/${id}/preview`, marketer, {
        customerId: 'c-aiko',
        locale: 'fr',
      });
      expect(noVariant.status).toBe(422);

      // v2 changes the en subject only; v3 drops ja and changes the en text.
      await f.api('PUT', `/v1/templates/${id}`, marketer, {
        ...welcome,
        key: undefined,
        variants: { ...welcome.variants, en: { ...welcome.variants.en, subject: 'Welcome!' } },
      });
      await f.api('PUT', `/v1/templates/${id}`, marketer, {
        defaultLocale: 'en',
        variants: { en: { subject: 'Welcome!', html: welcome.variants.en.html, text: 'Hello' } },
      });
      const versions = await f.api<{ versions: Array<{ version: number; locales: string[]; changes: unknown[] }> }>(
        'GET',
        `/v1/templates/${id}/versions`,
        ops,
      );
      expect(versions.status).toBe(200);
      expect(
        versions.body.versions.map((v) => ({ version: v.version, locales: v.locales, changes: v.changes })),
      ).toEqual([
        {
          version: 3,
          locales: ['en'],
          changes: [
            { part: 'text', locale: 'en' },
            { part: 'localeRemoved', locale: 'ja' },
          ],
        },
        { version: 2, locales: ['en', 'ja'], changes: [{ part: 'subject', locale: 'en' }] },
        { version: 1, locales: ['en', 'ja'], changes: [] },
      ]);
      const list = await f.api<{ templates: Array<{ key: string; locales: string[] }> }>('GET', '/v1/templates', ops);
      expect(list.body.templates.find((x) => x.key === 'drafted')?.locales).toEqual(['en']);
      expect((await f.api('POST', `/v1/templates/${id}/preview`, ops, { customerId: 'c-aiko' })).status).toBe(403);
      expect((await f.api('DELETE', `/v1/templates/${id}`, marketer)).status).toBe(200);
    });

    it('answers the journey compiler through TemplateCatalog, and archiving removes a key', async () => {
      const catalog = t.app.get(TemplateCatalog);
      const id = await f.template({ ...welcome, key: 'short-lived' });
      expect(await catalog.missing(['welcome', 'short-lived', 'nope', 'nope'])).toEqual(['nope']);
      expect((await f.api('DELETE', `/v1/templates/${id}`, marketer)).status).toBe(200);
      expect((await catalog.missing(['welcome', 'short-lived'])).sort()).toEqual(['short-lived']);
      const list = await f.api<{ templates: Array<{ key: string }> }>('GET', '/v1/templates', marketer);
      expect(list.body.templates.map((x) => x.key)).toEqual(['welcome']);
    });
  });

  describe('message log and retry', () => {
    it('lists and filters messages, shows one with its content and attempts, and retries a failed one', async () => {
      const uuid = await f.customer('c-ops', 'ops@example.test', { firstName: 'Oz' });
      sink.scriptData('ops@example.test', [554]);
      const failed = await f.enqueue(uuid, 'welcome', {});
      await f.settled(failed, ['failed']);

      const list = await f.api<{ messages: Array<{ id: string; status: string }> }>(
        'GET',
        '/v1/messages?customerId=c-ops&status=failed&templateKey=welcome',
        ops,
      );
      expect(list.body.messages.map((m) => m.id)).toEqual([failed]);
      const none = await f.api<{ messages: unknown[] }>('GET', '/v1/messages?customerId=c-ops&status=sent', ops);
      expect(none.body.messages).toEqual([]);
      const future = await f.api<{ messages: unknown[] }>(
        'GET',
        `/v1/messages?customerId=c-ops&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
        ops,
      );
      expect(future.body.messages).toEqual([]);

      const detail = await f.api<Record<string, unknown>>('GET', `/v1/messages/${failed}`, ops);
      expect(detail.body).toMatchObject({
        status: 'failed',
        recipient: 'ops@example.test',
        subject: 'Welcome!',
        attempts: 1,
        attemptLog: [{ attempt: 1, outcome: 'failed', smtpCode: 554 }],
      });
      expect(String(detail.body.html)).toContain('(v2)');

      const retried = await f.api<{ status: string }>('POST', `/v1/messages/${failed}/retry`, ops);
      expect(retried.status).toBe(200);
      await f.settled(failed, ['sent']);
      expect((await f.attempts(failed)).map((a) => a.outcome)).toEqual(['failed', 'sent']);
      expect(sink.to('ops@example.test')).toHaveLength(1);
      const again = await f.api<{ code: string }>('POST', `/v1/messages/${failed}/retry`, ops);
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('MESSAGE_NOT_RETRYABLE');
    });

    it('pages through messages with a cursor', async () => {
      const first = await f.api<{ messages: Array<{ id: string }>; nextCursor: string }>(
        'GET',
        '/v1/messages?limit=2',
        ops,
      );
      expect(first.body.messages).toHaveLength(2);
      const second = await f.api<{ messages: Array<{ id: string }> }>(
        'GET',
        `/v1/messages?limit=2&before=${first.body.nextCursor}`,
        ops,
      );
      expect(second.body.messages.length).toBeGreaterThan(0);
      expect(second.body.messages.map((m) => m.id)).not.toContain(first.body.messages[0]!.id);
      expect((await f.api('GET', '/v1/messages?before=garbage', ops)).status).toBe(400);
    });
  });

  describe('suppression list', () => {
    it('checks entries at send time: manual stops all mail, complaint marketing only; lifting one lets mail through', async () => {
      const uuid = await f.customer('c-supp', 'supp@example.test');
      const manual = await f.api<{ email: string; reason: string; source: string }>('POST', '/v1/suppressions', ops, {
        email: 'Supp@Example.test',
        reason: 'manual',
        note: 'asked by phone',
      });
      expect(manual.status).toBe(201);
      expect(manual.body).toMatchObject({
        email: 'supp@example.test',
        reason: 'manual',
        source: expect.stringMatching(/^api:/),
      });
      await f.api('POST', '/v1/suppressions', ops, { email: 'supp@example.test', reason: 'complaint' });
      const receipt = await f.enqueue(uuid, 'welcome', {}, 'transactional');
      expect((await f.settled(receipt, ['suppressed'])).status_reason).toBe(
        'the address is on the suppression list (manual)',
      );

      expect((await f.api('DELETE', '/v1/suppressions/supp@example.test?reason=manual', ops)).status).toBe(200);
      const list = await f.api<{ suppressions: Array<{ reason: string }> }>(
        'GET',
        '/v1/suppressions?email=supp@example.test',
        ops,
      );
      expect(list.body.suppressions.map((x) => x.reason)).toEqual(['complaint']);
      const marketing = await f.enqueue(uuid, 'welcome', {});
      const transactional = await f.enqueue(uuid, 'welcome', {}, 'transactional');
      expect((await f.settled(marketing, ['suppressed', 'sent'])).status_reason).toBe(
        'the address is on the suppression list (complaint)',
      );
      await f.settled(transactional, ['sent']);
      expect(sink.to('supp@example.test')).toHaveLength(1);

      expect((await f.api('DELETE', '/v1/suppressions/supp@example.test', ops)).status).toBe(200);
      expect((await f.api('DELETE', '/v1/suppressions/supp@example.test', ops)).status).toBe(404);
      expect((await f.api('POST', '/v1/suppressions', ops, { email: 'a@b.test, c@d.test' })).status).toBe(400);
    });
  });

  describe('marketing consent', () => {
    it('skips marketing mail to a customer who opted out through the shop, and still sends transactional mail', async () => {
      const uuid = await f.customer('c-optout', 'optout@example.test', { emailConsent: 'unsubscribed' });
      const marketing = await f.enqueue(uuid, 'welcome', {});
      const transactional = await f.enqueue(uuid, 'welcome', {}, 'transactional');
      expect((await f.settled(marketing, ['skipped', 'sent'])).status_reason).toBe(
        'no marketing consent: the customer unsubscribed',
      );
      await f.settled(transactional, ['sent']);
      expect(sink.to('optout@example.test')).toHaveLength(1);
    });
  });

  describe('kill switch', () => {
    it('holds queued mail in every worker until resumed, and is stored in the database', async () => {
      const uuid = await f.customer('c-kill', 'kill@example.test');
      const paused = await f.api<{ paused: boolean; reason: string }>('POST', '/v1/sending/pause', ops, {
        reason: 'bad campaign',
      });
      expect(paused.body).toMatchObject({ paused: true, reason: 'bad campaign' });
      expect(await t.db.query(`SELECT value->>'paused' AS paused FROM settings WHERE key = 'sending'`)).toEqual([
        { paused: 'true' },
      ]);
      const id = await f.enqueue(uuid, 'welcome', {});
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect((await f.message(id)).status).toBe('queued');
      expect((await f.api<{ paused: boolean }>('GET', '/v1/sending', ops)).body.paused).toBe(true);
      const testSend = await f.api('POST', `/v1/templates/${templateId}/test-send`, marketer, {
        customerId: 'c-kill',
        to: 'kill@example.test',
      });
      expect(testSend.status).toBe(503);
      expect((await f.api('POST', '/v1/sending/resume', ops)).status).toBe(200);
      await f.settled(id, ['sent']);
      expect(sink.to('kill@example.test')).toHaveLength(1);
    });
  });

  describe('crash between the server reply and the status update', () => {
    it('finds the message stuck in sending after its lease, logs it as possibly sent, and sends it again', async () => {
      const uuid = await f.customer('c-crash', 'crash@example.test');
      const id = await f.enqueue(uuid, 'welcome', {});
      await f.settled(id, ['sent']);
      // Put the row back the way a worker killed mid-send leaves it: 'sending', an open attempt.
      await t.db.query(
        `UPDATE outbox_messages SET status = 'sending', lease_until = now() - interval '1 second', sent_at = NULL
          WHERE id = $1`,
        [id],
      );
      await t.db.query(
        `UPDATE message_attempts SET outcome = NULL, finished_at = NULL, smtp_code = NULL WHERE message_id = $1`,
        [id],
      );
      await waitFor(async () => ((await f.attempts(id)).length === 2 ? true : undefined));
      await f.settled(id, ['sent']);
      expect((await f.attempts(id)).map((a) => [a.attempt, a.outcome])).toEqual([
        [1, 'unknown'],
        [2, 'sent'],
      ]);
      // The same content and Message-ID again, so receivers can tell it is the same message.
      const mails = sink.to('crash@example.test');
      expect(mails).toHaveLength(2);
      expect(mails[1]!.mail.messageId).toBe(mails[0]!.mail.messageId);
      expect(mails[1]!.mail.html).toBe(mails[0]!.mail.html);
      const metrics = await (
        await fetch(`${t.baseUrl}/metrics`, { headers: { authorization: `Bearer ${ops}` } })
      ).text();
      expect(metrics).toMatch(/^kizuna_email_possibly_duplicated_total [1-9]/m);
    });
  });
});

describe('GET /v1/messages/stats: attempts closed as unknown (possibly delivered twice)', () => {
  let t: TestApp;
  let f: EmailFixtures;
  let ops: string;

  beforeAll(async () => {
    // The api alone: no worker touches the hand-made rows.
    t = await startTestApp({ processes: { api: true, worker: false } });
    ops = await t.keyFor(Role.Ops);
    f = new EmailFixtures(t, await t.keyFor(Role.Marketer), await t.keyFor(Role.Ingest));
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts them per channel, in total and closed within the period', async () => {
    const [{ id: customer }] = (await t.db.query<{ id: string }>(
      `INSERT INTO customers (customer_id, email) VALUES ('c-stats', 'stats@example.test') RETURNING id`,
    )) as [{ id: string }];
    const message = async (channel: 'email' | 'webhook', key: string) =>
      (
        await t.db.query<{ id: string }>(
          `INSERT INTO outbox_messages (effect_key, customer_uuid, channel, category, template_key, webhook_url)
           VALUES ($1, $2, $3, 'transactional', $4, $5) RETURNING id`,
          [
            key,
            customer,
            channel,
            channel === 'email' ? 'welcome' : null,
            channel === 'webhook' ? 'https://x.test/' : null,
          ],
        )
      )[0]!.id;
    const now = Date.now();
    const ago = (minutes: number) => new Date(now - minutes * 60_000);
    const attempt = (id: string, n: number, outcome: string | null, finishedMinutesAgo: number | null) =>
      t.db.query(
        `INSERT INTO message_attempts (message_id, attempt, started_at, finished_at, outcome) VALUES ($1, $2, $3, $4, $5)`,
        [
          id,
          n,
          ago((finishedMinutesAgo ?? 0) + 1),
          finishedMinutesAgo === null ? null : ago(finishedMinutesAgo),
          outcome,
        ],
      );
    const e1 = await message('email', 'stats:e1');
    await attempt(e1, 1, 'unknown', 48 * 60); // two days ago
    await attempt(e1, 2, 'sent', 48 * 60 - 1);
    const e2 = await message('email', 'stats:e2');
    await attempt(e2, 1, 'unknown', 60); // an hour ago
    await attempt(e2, 2, 'unknown', 30); // half an hour ago
    await attempt(e2, 3, 'deferred', 20);
    const e3 = await message('email', 'stats:e3');
    await attempt(e3, 1, null, null); // open: in progress, not (yet) unknown
    await attempt(e3, 2, 'failed', 10);
    const w1 = await message('webhook', 'stats:w1');
    await attempt(w1, 1, 'unknown', 180); // three hours ago
    await attempt(w1, 2, 'sent', 170);

    // Three days ago to 45 minutes ago: email 2 days and 1 hour ago (not 30 minutes ago); webhook 3 hours ago.
    const from = ago(72 * 60).toISOString();
    const to = ago(45).toISOString();
    const res = await f.api('GET', `/v1/messages/stats?from=${from}&to=${to}`, ops);
    expect(res).toMatchObject({
      status: 200,
      body: {
        period: { from, to },
        unknownAttempts: { email: { total: 3, inPeriod: 2 }, webhook: { total: 1, inPeriod: 1 } },
      },
    });
    // Default: the last 24 hours (email an hour and half an hour ago; webhook three hours ago).
    const recent = await f.api<{ period: { from: string; to: string }; unknownAttempts: unknown }>(
      'GET',
      '/v1/messages/stats',
      ops,
    );
    expect(recent.body.unknownAttempts).toEqual({
      email: { total: 3, inPeriod: 2 },
      webhook: { total: 1, inPeriod: 1 },
    });
    expect(Date.parse(recent.body.period.to) - Date.parse(recent.body.period.from)).toBe(86_400_000);
  });

  it('refuses a period that ends before it starts, or a date without a time zone, naming the field', async () => {
    const backwards = await f.api<{ code: string; message: string }>(
      'GET',
      '/v1/messages/stats?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
      ops,
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.message).toContain('from');
    const local = await f.api<{ message: string }>('GET', '/v1/messages/stats?to=2026-01-01T00:00:00', ops);
    expect(local.status).toBe(400);
    expect(local.body.message).toContain('to');
  });
});

describe('without SMTP_URL (the default install)', () => {
  it('writes each message as an .eml file instead of emailing anyone', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kizuna-mail-'));
    const t = await startTestApp({ env: { MAIL_DIR: dir } });
    try {
      const f = new EmailFixtures(t, await t.keyFor(Role.Marketer), await t.keyFor(Role.Ingest));
      await f.template(welcome);
      const uuid = await f.customer('c-file', 'file@example.test', { firstName: 'Fumi' });
      const id = await f.enqueue(uuid, 'welcome', {}, 'transactional');
      await f.settled(id, ['sent']);
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      const eml = readFileSync(path.join(dir, files[0]!), 'utf8');
      expect(eml).toContain('To: file@example.test');
      expect(eml).toContain('Subject: Welcome, Fumi');
      expect((await f.attempts(id))[0]!.response).toBe(`written to ${path.join(dir, files[0]!)}`);
    } finally {
      await t.close();
    }
  });
});

describe('temporary failures that do not end', () => {
  it('defers on a connection error with backoff, and fails once DELIVERY_GIVE_UP_SECONDS have passed', async () => {
    // Nothing listens on port 9 (discard) here: every attempt is a connection error.
    const t = await startTestApp({
      env: {
        SMTP_URL: 'smtp://127.0.0.1:9',
        MAIL_FROM: 'shop@example.test',
        DELIVERY_RETRY_BASE_MS: '100',
        DELIVERY_RETRY_MAX_MS: '200',
        DELIVERY_GIVE_UP_SECONDS: '1',
      },
    });
    try {
      const f = new EmailFixtures(t, await t.keyFor(Role.Marketer), await t.keyFor(Role.Ingest));
      await f.template(welcome);
      const uuid = await f.customer('c-down', 'down@example.test');
      const id = await f.enqueue(uuid, 'welcome', {}, 'transactional');
      const row = await f.settled(id, ['failed'], 15_000);
      expect(row.status_reason).toMatch(/^gave up after 1 s of temporary failures; last: .*ECONNREFUSED/);
      const attempts = await f.attempts(id);
      expect(attempts.length).toBeGreaterThan(1);
      expect(attempts.slice(0, -1).every((a) => a.outcome === 'deferred' && a.smtp_code === null)).toBe(true);
      expect(attempts[attempts.length - 1]!.outcome).toBe('failed');
    } finally {
      await t.close();
    }
  });
});

describe('a worker-only process', () => {
  it('delivers on its own (no api in the process)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kizuna-mail-'));
    const t = await startTestApp({ processes: { api: false, worker: true }, env: { MAIL_DIR: dir } });
    try {
      await t.app.get(TemplatesService).create('receipt', 'email', {
        defaultLocale: 'en',
        layoutKey: null,
        variants: [{ locale: 'en', subject: 'Receipt {{orderId}}', html: '<p>{{orderId}}</p>', text: null }],
      });
      const [customer] = await t.db.query<{ id: string }>(
        `INSERT INTO customers (customer_id, email) VALUES ('c-w', 'w@example.test') RETURNING id`,
      );
      await t.app.get(DataSource).transaction((tx) =>
        new OutboxRepository().enqueue(tx, [
          {
            effectKey: 'worker-only:1',
            customerUuid: customer!.id,
            channel: 'email',
            category: 'transactional',
            templateKey: 'receipt',
            payload: { orderId: 'o-9' },
          },
        ]),
      );
      await waitFor(
        async () =>
          (await t.db.query(`SELECT 1 FROM outbox_messages WHERE effect_key = 'worker-only:1' AND status = 'sent'`))[0],
      );
      expect(readFileSync(path.join(dir, readdirSync(dir)[0]!), 'utf8')).toContain('Subject: Receipt o-9');
    } finally {
      await t.close();
    }
  });
});
