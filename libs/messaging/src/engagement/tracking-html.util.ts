/**
 * Rewrites rendered HTML for tracking that works over plain SMTP: http(s) links in `<a href>`
 * go through a click redirect, and an open pixel is added. The redirect target is the link as
 * the customer would have followed it (entities decoded), and it is bound into the signed token.
 */

const HREF = /(<a\b[^>]*?\shref\s*=\s*)("([^"]*)"|'([^']*)')/gi;
const ENTITY = /&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(value: string): string {
  return value.replace(ENTITY, (whole, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#')) {
      const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[lower] ?? whole;
  });
}

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Replaces every http(s) link target for which `track` returns a URL; others stay as they are. */
export function rewriteLinks(html: string, track: (url: string) => string | undefined): string {
  return html.replace(HREF, (whole, prefix: string, _quoted: string, double?: string, single?: string) => {
    const url = decodeEntities((double ?? single ?? '').trim());
    if (!/^https?:\/\//i.test(url)) {
      return whole;
    }
    const tracked = track(url);
    return tracked === undefined ? whole : `${prefix}"${escapeAttribute(tracked)}"`;
  });
}

/** A 1×1 image before `</body>`, or at the end when the HTML has no body tag. */
export function addOpenPixel(html: string, pixelUrl: string): string {
  const img = `<img src="${escapeAttribute(pixelUrl)}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`;
  const close = html.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
  return close === -1 ? `${html}${img}` : `${html.slice(0, close)}${img}${html.slice(close)}`;
}
