import { findUntrustedValueIssues, MAX_JSON_DEPTH, replaceInvalidText } from './untrusted-json.util';

const nested = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) {
    v = { a: v };
  }
  return v;
};

describe('findUntrustedValueIssues', () => {
  it.each<[string, unknown, string[]]>([
    ['plain data', { name: 'x', items: [{ id: 1, tags: ['a'] }], ok: true, none: null }, []],
    ['emoji (a surrogate pair) is fine', { note: '絆 🎁' }, []],
    ['a NUL in a value', { properties: { note: 'a\u0000b' } }, ['properties.note']],
    ['a NUL in a key', { properties: { 'a\u0000': 1 } }, ['properties']],
    ['a lone high surrogate', { a: ['x', '\ud800'] }, ['a[1]']],
    ['a lone low surrogate', { a: '\udc00' }, ['a']],
    ['a high surrogate before another high one', { a: '\ud800\ud800\udc00' }, ['a']],
    [
      '__proto__, constructor and prototype as keys',
      JSON.parse('{"__proto__":1,"b":{"constructor":2,"prototype":3}}'),
      ['__proto__', 'b.constructor', 'b.prototype'],
    ],
    ['Infinity from 1e400', JSON.parse('{"n":1e400}'), ['n']],
    [`exactly ${MAX_JSON_DEPTH} levels`, nested(MAX_JSON_DEPTH), []],
    [`${MAX_JSON_DEPTH + 1} levels`, nested(MAX_JSON_DEPTH + 1), [`${'a.'.repeat(MAX_JSON_DEPTH).slice(0, -1)}`]],
    ['a string body (YAML text) with a NUL', 'name: a\u0000', ['(body)']],
  ])('%s', (_title, value, paths) => {
    expect(findUntrustedValueIssues(value).map((i) => i.path)).toEqual(paths);
  });

  it('walks 100,000 levels without overflowing its own stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(findUntrustedValueIssues(deep)).toHaveLength(1);
  });

  it('walks a million-element list', () => {
    expect(findUntrustedValueIssues({ list: new Array(1_000_000).fill(0) })).toEqual([]);
  });

  it('prefixes paths with the root (query string, path parameters)', () => {
    expect(findUntrustedValueIssues({ before: '\u0000' }, { root: 'query' })).toEqual([
      { path: 'query.before', message: 'contains a NUL character (\\u0000), which cannot be stored' },
    ]);
  });

  it('leaves text alone when the caller repairs it, but not structure', () => {
    const value = JSON.parse('{"a":"\\u0000","__proto__":1}') as unknown;
    expect(findUntrustedValueIssues(value, { allowInvalidText: true }).map((i) => i.path)).toEqual(['__proto__']);
  });
});

describe('replaceInvalidText', () => {
  it('replaces NUL and lone surrogates with U+FFFD in values and keys, keeping pairs', () => {
    expect(replaceInvalidText({ 'k\u0000': ['a\u0000b', '\ud800x', 'ok 🎁', 3, null] })).toEqual({
      'k\ufffd': ['a\ufffdb', '\ufffdx', 'ok 🎁', 3, null],
    });
  });
});
