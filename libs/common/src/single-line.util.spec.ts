import { singleLine } from './single-line.util';

describe('singleLine', () => {
  it('flattens line breaks of every kind', () => {
    expect(singleLine('a\r\nb\rc\nd\u2028e\tf')).toBe('a b c d e f');
  });

  it('turns every run of line breaks, tabs and line separators into one space, trimmed', () => {
    expect(singleLine('Hi\r\nBcc: b@y.test')).toBe('Hi Bcc: b@y.test');
    expect(singleLine(' a\n\n\tb\u2028c\u2029 ')).toBe('a b c');
    expect(singleLine('plain')).toBe('plain');
  });
});
