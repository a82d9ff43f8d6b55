import { canonicalJson, contentHash } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts object keys, so insertion order does not matter', () => {
    expect(canonicalJson({ b: 1, a: 2, c: 3 })).toBe('{"a":2,"b":1,"c":3}');
    expect(canonicalJson({ c: 3, a: 2, b: 1 })).toBe(canonicalJson({ b: 1, a: 2, c: 3 }));
  });

  it('sorts keys at every level, including objects inside arrays', () => {
    const one = { z: { y: 1, x: [{ q: 1, p: 2 }, 'a'] }, a: null };
    const two = { a: null, z: { x: [{ p: 2, q: 1 }, 'a'], y: 1 } };
    expect(canonicalJson(one)).toBe('{"a":null,"z":{"x":[{"p":2,"q":1},"a"],"y":1}}');
    expect(canonicalJson(two)).toBe(canonicalJson(one));
  });

  it('keeps array order: arrays are sequences, not sets', () => {
    expect(canonicalJson([2, 1])).toBe('[2,1]');
    expect(canonicalJson({ items: [1, 2] })).not.toBe(canonicalJson({ items: [2, 1] }));
  });

  it('leaves scalars and dates as JSON.stringify writes them', () => {
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson(42)).toBe('42');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson({ at: new Date('2026-11-21T09:30:00.000Z') })).toBe('{"at":"2026-11-21T09:30:00.000Z"}');
  });
});

describe('contentHash', () => {
  it('is the same for equal content in any key order', () => {
    const one = contentHash({
      name: 'order.placed',
      properties: { total: 10, currency: 'USD', items: [{ id: '1', name: 'Mug' }] },
    });
    const two = contentHash({
      properties: { items: [{ name: 'Mug', id: '1' }], currency: 'USD', total: 10 },
      name: 'order.placed',
    });
    expect(one.equals(two)).toBe(true);
    expect(one).toHaveLength(32);
  });

  it('differs when any nested value differs', () => {
    const one = contentHash({ properties: { items: [{ id: '1', quantity: 1 }] } });
    const two = contentHash({ properties: { items: [{ id: '1', quantity: 2 }] } });
    expect(one.equals(two)).toBe(false);
  });

  it('tells a string from a number', () => {
    expect(contentHash({ id: 1 }).equals(contentHash({ id: '1' }))).toBe(false);
  });
});
