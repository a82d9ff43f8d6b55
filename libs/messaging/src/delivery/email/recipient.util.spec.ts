import { checkRecipient } from './recipient.util';

describe('checkRecipient', () => {
  it.each(['aiko@example.com', 'a.b+tag@mail.example.co.jp', "o'brien@example.org", 'x@xn--r8jz45g.xn--zckzah'])(
    'accepts %s',
    (address) => {
      expect(checkRecipient(address)).toEqual({ ok: true, address });
    },
  );

  it('lower-cases the domain only, and trims', () => {
    expect(checkRecipient('  Aiko@Example.COM ')).toEqual({ ok: true, address: 'Aiko@example.com' });
  });

  it.each([
    ['a@x.test\r\nBcc: b@y.test', 'header injection'],
    ['a@x.test\nb@y.test', 'a line break'],
    ['a@x.test, b@y.test', 'a list'],
    ['Aiko <aiko@example.com>', 'a display name'],
    ['"a@b"@example.com', 'a quoted local part'],
    ['a@b@example.com', 'two @'],
    ['example.com', 'no @'],
    ['@example.com', 'no local part'],
    ['a@localhost', 'a single-label domain'],
    ['a@-x.com', 'a label starting with -'],
    ['a..b@example.com', 'two dots in a row'],
    ['.a@example.com', 'a leading dot'],
    ['a@example.c', 'a one-letter TLD'],
    ['aiko(comment)@example.com', 'a comment'],
    ['あいこ@example.jp', 'non-ASCII'],
    ['a@example.com\u0000', 'a NUL'],
    ['', 'empty'],
    [`${'a'.repeat(65)}@example.com`, 'a local part over 64'],
    [`a@${'b'.repeat(250)}.com`, 'over 254 characters'],
  ])('refuses %j (%s)', (address) => {
    expect(checkRecipient(address).ok).toBe(false);
  });

  it('refuses what is not a string', () => {
    expect(checkRecipient(['a@example.com'])).toEqual({ ok: false, reason: 'not a string' });
  });
});
