import { chooseLocale } from './locale.util';
import { TemplateRenderer, type TemplateSource } from './template-renderer';

// Compiled templates are cached by id and version: each source here gets an id of its own.
let ids = 0;
const source = (over: Partial<TemplateSource> = {}): TemplateSource => ({
  templateId: `t${++ids}`,
  key: 'cart',
  version: 1,
  locale: 'en',
  subject: 'Hi {{customer.firstName}}',
  html: '<p>Hello {{customer.firstName}}</p>',
  text: null,
  ...over,
});

const frame = { locale: 'en-US', timeZone: 'UTC', currency: 'USD' };

describe('TemplateRenderer', () => {
  const renderer = new TemplateRenderer();
  const render = (over: Partial<TemplateSource>, data: Record<string, unknown>, f = frame) =>
    renderer.render({ template: source(over), partials: [], data, frame: f });

  it('renders subject, HTML and a text part derived from the HTML when none is given', () => {
    const out = render(
      { html: '<h1>Hello {{name}}</h1><p>See <a href="https://shop.test/x">your cart</a></p>' },
      {
        name: 'Aiko',
        customer: { firstName: 'Aiko' },
      },
    );
    expect(out.subject).toBe('Hi Aiko');
    expect(out.html).toBe('<h1>Hello Aiko</h1><p>See <a href="https://shop.test/x">your cart</a></p>');
    expect(out.text).toContain('HELLO AIKO');
    expect(out.text).toContain('your cart [https://shop.test/x]');
  });

  it('uses the given text part instead of deriving one, without HTML escaping', () => {
    const out = render({ text: 'Hello {{name}}' }, { name: 'Tom & Jerry' });
    expect(out.text).toBe('Hello Tom & Jerry');
    expect(render({ html: '<p>{{name}}</p>' }, { name: 'Tom & <b>' }).html).toBe('<p>Tom &amp; &lt;b&gt;</p>');
  });

  it('keeps the subject on one line whatever the data holds', () => {
    const out = render({ subject: 'Hi {{name}}' }, { name: 'x\r\nBcc: victim@example.com' });
    expect(out.subject).toBe('Hi x Bcc: victim@example.com');
    expect(out.subject).not.toMatch(/[\r\n]/);
  });

  it('formats money in the currency and locale asked for', () => {
    const html = '{{money total currency}}|{{money price}}';
    expect(render({ html }, { total: 59.8, currency: 'EUR', price: 3 }).html).toBe('€59.80|$3.00');
    expect(
      render({ html }, { total: 4980, currency: 'JPY', price: 3 }, { ...frame, locale: 'ja-JP', currency: 'JPY' }).html,
    ).toBe('￥4,980|￥3');
    expect(render({ html: '{{money missing}}' }, {}).html).toBe('');
  });

  it('formats dates in the customer time zone and locale', () => {
    const html = '{{date at "yyyy-MM-dd HH:mm"}}|{{date at}}';
    const at = '2026-11-21T16:30:00Z';
    expect(render({ html }, { at }, { ...frame, timeZone: 'Asia/Tokyo', locale: 'ja-JP' }).html).toBe(
      '2026-11-22 01:30|2026年11月22日',
    );
    expect(render({ html }, { at }, { ...frame, timeZone: 'America/New_York' }).html).toBe(
      '2026-11-21 11:30|Nov 21, 2026',
    );
    expect(render({ html: '{{date nope}}' }, { nope: 'not a date' }).html).toBe('');
    // A format that names an Object.prototype member is a luxon format, not a preset: the preset
    // lookup once found Object itself and formatted with no options at all (11/21/2026).
    expect(render({ html: '{{date at "constructor"}}' }, { at: '2026-11-21T09:30:00Z' }).html).not.toBe('11/21/2026');
  });

  it('picks plural forms by the locale rules, with an optional zero form', () => {
    const html = '{{plural n zero="no items" one="# item" other="# items"}}';
    expect([0, 1, 2, 1000].map((n) => render({ html }, { n }).html)).toEqual([
      'no items',
      '1 item',
      '2 items',
      '1,000 items',
    ]);
    expect(render({ html: '{{plural n other="#点"}}' }, { n: 1 }, { ...frame, locale: 'ja' }).html).toBe('1点');
  });

  it('falls back for missing or blank values', () => {
    const html = 'Hi {{default customer.firstName "there"}}';
    expect(render({ html }, { customer: { firstName: '  ' } }).html).toBe('Hi there');
    expect(render({ html }, {}).html).toBe('Hi there');
    expect(render({ html }, { customer: { firstName: 'Aiko' } }).html).toBe('Hi Aiko');
  });

  it('loops over cart items', () => {
    const html = '{{#each items}}<li>{{quantity}}× {{name}} {{money price ../currency}}</li>{{/each}}';
    const out = render(
      { html },
      {
        currency: 'USD',
        items: [
          { name: 'Tea cup', price: 29.9, quantity: 2 },
          { name: 'Pot', price: 45, quantity: 1 },
        ],
      },
    );
    expect(out.html).toBe('<li>2× Tea cup $29.90</li><li>1× Pot $45.00</li>');
  });

  it('wraps the HTML in a layout and resolves partials', () => {
    const out = renderer.render({
      template: source({ html: '<p>{{> signature}}</p>' }),
      layout: source({
        templateId: 'l1',
        key: 'base',
        html: '<html><body>{{{body}}}<footer>{{shop}}</footer></body></html>',
      }),
      partials: [source({ templateId: 'p1', key: 'signature', html: '— {{shop}}' })],
      data: { shop: 'Kizuna Tea' },
      frame,
    });
    expect(out.html).toBe('<html><body><p>— Kizuna Tea</p><footer>Kizuna Tea</footer></body></html>');
  });

  it('denies prototype access and sees plain data only', () => {
    const html = '{{constructor.name}}|{{__proto__.polluted}}|{{#with this}}{{toString}}{{/with}}|{{d}}';
    class Secretive {
      get secret() {
        return 'leaked';
      }
    }
    const out = render({ html }, { d: new Date('2026-01-01T00:00:00Z'), s: new Secretive() });
    expect(out.html).toBe('|||2026-01-01T00:00:00.000Z');
    expect(render({ html: '{{s.secret}}' }, { s: new Secretive() }).html).toBe('');
  });

  it('throws on a template that fails at render time, leaving the renderer usable', () => {
    expect(() => render({ templateId: 'bad', html: '{{> nowhere}}' }, {})).toThrow(/nowhere/);
    expect(render({}, { customer: { firstName: 'A' } }).html).toBe('<p>Hello A</p>');
  });

  it('compiles each template version once', () => {
    const own = new TemplateRenderer();
    const spy = jest.spyOn((own as unknown as { handlebars: { compile: () => unknown } }).handlebars, 'compile');
    const v1 = source({ templateId: 'cached' });
    for (let i = 0; i < 3; i++) {
      own.render({ template: v1, partials: [], data: {}, frame });
    }
    own.render({ template: { ...v1, version: 2 }, partials: [], data: {}, frame });
    expect(spy).toHaveBeenCalledTimes(4); // subject + html for v1, then for v2
  });

  it('reports syntax errors when checking a source', () => {
    expect(() => renderer.check('{{#each items}}')).toThrow();
    expect(() => renderer.check('{{#each items}}{{/each}}')).not.toThrow();
  });
});

describe('chooseLocale', () => {
  it.each([
    [['en', 'ja'], 'ja', 'en', 'ja'],
    [['en', 'ja'], 'ja-JP', 'en', 'ja'],
    [['en', 'ja-JP'], 'ja', 'en', 'ja-JP'],
    [['en-US', 'en-GB', 'ja'], 'en_gb', 'ja', 'en-GB'],
    [['en', 'ja'], 'fr', 'ja', 'ja'],
    [['en', 'ja'], null, 'en', 'en'],
    [['ja'], 'fr', 'en', 'ja'],
  ])('%j wanted %s (default %s) -> %s', (available, wanted, fallback, expected) => {
    expect(chooseLocale(available, wanted, fallback)).toBe(expected);
  });
});
