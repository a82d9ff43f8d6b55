import { addOpenPixel, decodeEntities, rewriteLinks } from './tracking-html.util';

describe('rewriteLinks', () => {
  const track = (url: string) => `https://k.test/t/c/${encodeURIComponent(url)}`;

  it('wraps http(s) links with the decoded target, leaving other links alone', () => {
    const html =
      '<a href="https://shop.test/cart?a=1&amp;b&#x3D;2">Cart</a> <a class="x" href=\'http://shop.test/\'>Home</a> ' +
      '<a href="mailto:help@shop.test">Mail</a> <a href="#top">Top</a> <link href="https://shop.test/style.css">';
    expect(rewriteLinks(html, track)).toBe(
      `<a href="https://k.test/t/c/${encodeURIComponent('https://shop.test/cart?a=1&b=2')}">Cart</a> ` +
        `<a class="x" href="https://k.test/t/c/${encodeURIComponent('http://shop.test/')}">Home</a> ` +
        '<a href="mailto:help@shop.test">Mail</a> <a href="#top">Top</a> <link href="https://shop.test/style.css">',
    );
  });

  it('leaves a link alone when the tracker declines it, and escapes what it puts in', () => {
    expect(rewriteLinks('<a href="https://k.test/u/x">Unsubscribe</a>', () => undefined)).toBe(
      '<a href="https://k.test/u/x">Unsubscribe</a>',
    );
    expect(rewriteLinks('<a href="https://a.test">a</a>', () => 'https://t.test/?a="b"&c')).toBe(
      '<a href="https://t.test/?a=&quot;b&quot;&amp;c">a</a>',
    );
  });
});

describe('decodeEntities', () => {
  it('decodes the entities Handlebars and authors write', () => {
    expect(decodeEntities('&amp;&lt;&gt;&quot;&#39;&#x27;&#x3D;&#x60;&unknown;')).toBe("&<>\"''=`&unknown;");
  });
});

describe('addOpenPixel', () => {
  it('goes before the last </body>, or at the end', () => {
    expect(addOpenPixel('<html><body><p>x</p></body></html>', 'https://k.test/t/o/abc')).toMatch(
      /^<html><body><p>x<\/p><img src="https:\/\/k\.test\/t\/o\/abc"[^>]*><\/body><\/html>$/,
    );
    expect(addOpenPixel('<p>x</p>', 'https://k.test/p')).toMatch(/^<p>x<\/p><img src="https:\/\/k\.test\/p"/);
  });
});
