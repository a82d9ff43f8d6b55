/**
 * Recipient checks made before nodemailer sees an address. Its address parser reinterprets
 * strings (`a@x.test\r\nBcc: b@y.test` was sent to b@y.test only), so a recipient must be
 * exactly one bare address: no display name, no list, no comments, no line breaks, ASCII only.
 * Stricter than RFC 5322 on purpose; shops' customer emails are plain addresses.
 */

export type RecipientCheck = { ok: true; address: string } | { ok: false; reason: string };

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const TLD = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

export function checkRecipient(input: unknown): RecipientCheck {
  if (typeof input !== 'string') {
    return { ok: false, reason: 'not a string' };
  }
  const address = input.trim();
  if (address.length === 0) {
    return { ok: false, reason: 'empty' };
  }
  if (address.length > 254) {
    return { ok: false, reason: 'longer than 254 characters' };
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\uffff]/.test(address)) {
    return { ok: false, reason: 'contains whitespace, a line break, a control or a non-ASCII character' };
  }
  const at = address.indexOf('@');
  if (at === -1 || at !== address.lastIndexOf('@')) {
    return { ok: false, reason: 'must contain exactly one @' };
  }
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length === 0 || local.length > 64 || !LOCAL_PART.test(local)) {
    return { ok: false, reason: 'invalid local part (before the @)' };
  }
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l)) || !TLD.test(labels[labels.length - 1]!)) {
    return { ok: false, reason: 'invalid domain' };
  }
  return { ok: true, address: `${local}@${domain.toLowerCase()}` };
}
