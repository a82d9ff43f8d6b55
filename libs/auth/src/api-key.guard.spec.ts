import { presentedKey } from './api-key.guard';

const basic = (credentials: string): string => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

describe('presentedKey (on a route that accepts HTTP Basic)', () => {
  const cases: Array<{ title: string; header: string | undefined; expected: string | undefined }> = [
    { title: 'Bearer token', header: 'Bearer kz_abc123', expected: 'kz_abc123' },
    { title: 'scheme in any case', header: 'bEaReR kz_abc123', expected: 'kz_abc123' },
    { title: 'surrounding and repeated whitespace', header: '  Bearer    kz_abc123  ', expected: 'kz_abc123' },
    {
      title: 'Basic with the key as user name and an empty password (Segment write key)',
      header: basic('kz_write:'),
      expected: 'kz_write',
    },
    {
      title: 'Basic with a password: the password is ignored',
      header: basic('kz_write:whatever'),
      expected: 'kz_write',
    },
    { title: 'Basic without a colon', header: basic('kz_write'), expected: 'kz_write' },
    {
      title: 'Basic scheme in lower case',
      header: `basic ${Buffer.from('kz_write:').toString('base64')}`,
      expected: 'kz_write',
    },
    { title: 'Basic with an empty user name', header: basic(':secret'), expected: undefined },
    { title: 'Basic with nothing encoded', header: basic(''), expected: undefined },
    { title: 'no header', header: undefined, expected: undefined },
    { title: 'empty header', header: '', expected: undefined },
    { title: 'blank header', header: '   ', expected: undefined },
    { title: 'scheme without a value', header: 'Bearer', expected: undefined },
    { title: 'scheme and blanks only', header: 'Bearer   ', expected: undefined },
    { title: 'a bare key without a scheme', header: 'kz_abc123', expected: undefined },
    { title: 'an unknown scheme', header: 'Token kz_abc123', expected: undefined },
    { title: 'Digest auth', header: 'Digest username="kz", realm="x"', expected: undefined },
  ];

  it.each(cases)('$title', ({ header, expected }) => {
    expect(presentedKey(header, { basic: true })).toBe(expected);
  });

  it('takes Basic only where the route accepts it; Bearer everywhere', () => {
    expect(presentedKey(basic('kz_write:'), { basic: false })).toBeUndefined();
    expect(presentedKey(`basic ${Buffer.from('kz_write:').toString('base64')}`, { basic: false })).toBeUndefined();
    expect(presentedKey('Bearer kz_abc123', { basic: false })).toBe('kz_abc123');
  });
});
