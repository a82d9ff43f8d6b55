import { simpleParser } from 'mailparser';
import type { OutgoingMail } from './mail-transport';
import { composeMessage, quotedPrintable } from './mime-message.util';

const mail = (over: Partial<OutgoingMail> = {}): OutgoingMail => ({
  from: { name: 'Kizuna Tea', address: 'shop@kizuna-tea.example' },
  to: 'aiko@example.test',
  messageId: '<m-1@kizuna-tea.example>',
  subject: 'Aiko, you left 2 items in your cart',
  html: '<p>Hello</p>',
  text: 'Hello',
  headers: {},
  ...over,
});

const parse = (m: OutgoingMail) => simpleParser(composeMessage(m, new Date('2026-11-21T09:30:00Z')));
const unfolded = (raw: string, name: string) =>
  raw
    .split('\r\n\r\n')[0]!
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')
    .find((l) => l.startsWith(`${name}: `))
    ?.slice(name.length + 2);

describe('composeMessage', () => {
  it('writes a multipart/alternative message that a mail parser reads back field for field', async () => {
    const parsed = await parse(
      mail({ headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }, html: '<p>Hi <b>Aiko</b></p>' }),
    );
    expect(parsed.from?.value).toEqual([{ address: 'shop@kizuna-tea.example', name: 'Kizuna Tea' }]);
    expect(parsed.to).toMatchObject({ value: [{ address: 'aiko@example.test', name: '' }] });
    expect(parsed.subject).toBe('Aiko, you left 2 items in your cart');
    expect(parsed.messageId).toBe('<m-1@kizuna-tea.example>');
    expect(parsed.date?.toISOString()).toBe('2026-11-21T09:30:00.000Z');
    expect(parsed.html).toBe('<p>Hi <b>Aiko</b></p>');
    expect(parsed.text).toBe('Hello');
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    expect(parsed.headers.get('mime-version')).toBe('1.0');
  });

  it('keeps non-ASCII text exact: subject, display name and bodies', async () => {
    const subject = 'アイコ様、カートに2点の商品が残っています — 煎茶 100g と 急須 をお忘れなく 🍵👨‍👩‍👧';
    const parsed = await parse(
      mail({
        from: { name: 'きずな茶舗', address: 'shop@kizuna-tea.example' },
        subject,
        html: '<li>煎茶 100g × 1: ￥1,980</li>',
        text: '合計: ￥4,980',
      }),
    );
    expect(parsed.subject).toBe(subject);
    expect(parsed.from?.value).toEqual([{ address: 'shop@kizuna-tea.example', name: 'きずな茶舗' }]);
    expect(parsed.html).toBe('<li>煎茶 100g × 1: ￥1,980</li>');
    expect(parsed.text).toBe('合計: ￥4,980');
  });

  it('round-trips bodies with long lines, "=", trailing spaces, lone dots and mixed line breaks', async () => {
    const html = `<a href="https://shop.example/c?a=1&amp;b=2">${'x'.repeat(300)}</a>  \n.\n=3D\r\n\tend\t`;
    const text = `${'word '.repeat(40)}\r\n.leading dot\n\ntrailing space \nあ${'い'.repeat(60)}`;
    const parsed = await parse(mail({ html, text }));
    expect(parsed.html).toBe(html.replace(/\r?\n/g, '\n'));
    expect(parsed.text).toBe(text.replace(/\r?\n/g, '\n'));
  });

  it('keeps every line within 78 characters but an unbreakable URL, and every line break CRLF', () => {
    const raw = composeMessage(
      mail({
        subject: `${'long subject '.repeat(12)}${'z'.repeat(100)}`,
        html: 'y'.repeat(5000),
        text: 'é'.repeat(500),
        headers: { 'List-Unsubscribe': `<https://kizuna.example/u/${'t'.repeat(120)}>, <mailto:u@kizuna.example>` },
      }),
    );
    expect(raw.split('\r\n').filter((line) => line.length > 78)).toEqual([
      ` <https://kizuna.example/u/${'t'.repeat(120)}>,`,
    ]);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('does not let data with line breaks or encoded-word look-alikes add or change headers', async () => {
    const raw = composeMessage(
      mail({
        subject: 'Eve\r\nBcc: attacker@evil.example.test\nX-Injected: yes',
        headers: { 'X-Note': 'a\r\nBcc: b@evil.example.test' },
      }),
    );
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('Eve Bcc: attacker@evil.example.test X-Injected: yes');
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.has('x-injected')).toBe(false);
    expect(unfolded(raw, 'X-Note')).toBe('a Bcc: b@evil.example.test');
    expect((await parse(mail({ subject: 'Price =?UTF-8?B?Zm9v?= today' }))).subject).toBe(
      'Price =?UTF-8?B?Zm9v?= today',
    );
  });

  it('folds a long List-Unsubscribe between its URIs, which unfold to the value given', () => {
    const value = `<https://kizuna-tea.example/u/${'a'.repeat(60)}.${'b'.repeat(43)}>, <mailto:unsubscribe@kizuna-tea.example?subject=unsubscribe%20${'a'.repeat(20)}>`;
    const raw = composeMessage(mail({ headers: { 'List-Unsubscribe': value } }));
    expect(unfolded(raw, 'List-Unsubscribe')).toBe(value);
  });

  it('quotes a display name with specials', async () => {
    const parsed = await parse(mail({ from: { name: 'Kizuna, Tea "Shop"', address: 'shop@kizuna-tea.example' } }));
    expect(parsed.from?.value).toEqual([{ address: 'shop@kizuna-tea.example', name: 'Kizuna, Tea "Shop"' }]);
  });
});

describe('quotedPrintable', () => {
  it('encodes "=", non-ASCII and trailing whitespace, with soft breaks at 76 characters', () => {
    expect(quotedPrintable('a=b')).toBe('a=3Db');
    expect(quotedPrintable('é')).toBe('=C3=A9');
    expect(quotedPrintable('end ')).toBe('end=20');
    const long = quotedPrintable('x'.repeat(200));
    expect(long.split('\r\n').map((l) => l.length)).toEqual([76, 76, 50]);
    expect(long.replace(/=\r\n/g, '')).toBe('x'.repeat(200));
  });

  it('never breaks a line inside an escape', () => {
    for (const prefix of ['', 'a', 'ab']) {
      const original = `${prefix}${'é'.repeat(100)}`;
      const lines = quotedPrintable(original).split('\r\n');
      expect(lines.every((l) => l.length <= 76 && /^[ab]*(=[0-9A-F]{2})*=?$/.test(l))).toBe(true);
      const joined = lines.join('\r\n').replace(/=\r\n/g, '');
      const bytes = joined.replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      expect(Buffer.from(bytes, 'latin1').toString('utf8')).toBe(original);
    }
  });
});
