import { NO_FACTS } from './customer-facts';
import { evaluate, lookup } from './condition.util';
import type { Condition } from './journey-definition.schema';

const NOW = Date.parse('2026-03-02T00:00:00Z');
const scope = {
  properties: { total: '120.5', cartId: 42, tags: ['gift', 'vip'], note: 'please wrap', items: [{ id: 'sku-1' }] },
  facts: {
    ...NO_FACTS,
    attributes: { tier: 'gold', optIn: false },
    ordersCount: 2,
    lastOrderAt: NOW - 40 * 86_400_000,
  },
  now: NOW,
};

describe('conditions', () => {
  it.each<[string, Condition, boolean]>([
    ['numeric string compared as a number', { property: 'total', op: 'gt', value: 100 }, true],
    ['ids compare as text', { property: 'cartId', op: 'eq', value: '42' }, true],
    ['neq', { property: 'cartId', op: 'neq', value: 42 }, false],
    ['in', { attribute: 'tier', op: 'in', value: ['silver', 'gold'] }, true],
    ['contains in a list', { property: 'tags', op: 'contains', value: 'vip' }, true],
    ['contains in a string', { property: 'note', op: 'contains', value: 'wrap' }, true],
    ['exists on false is true', { attribute: 'optIn', op: 'exists' }, true],
    ['notExists', { attribute: 'missing', op: 'notExists' }, true],
    ['dotted path into a list', { property: 'items.0.id', op: 'eq', value: 'sku-1' }, true],
    ['a missing value is not greater than anything', { property: 'nope', op: 'gte', value: 0 }, false],
    // Own properties only: these once found Object.prototype and Array.prototype.
    ['constructor is not a property of every event', { property: 'constructor', op: 'exists' }, false],
    ['toString is not an attribute of every customer', { attribute: 'toString', op: 'exists' }, false],
    ['a stat', { stat: 'daysSinceLastOrder', op: 'gte', value: 40 }, true],
    ['a stat with no orders is unknown', { stat: 'daysSinceFirstOrder', op: 'lt', value: 1000 }, false],
    [
      'all',
      {
        all: [
          { stat: 'ordersCount', op: 'eq', value: 2 },
          { attribute: 'tier', op: 'eq', value: 'gold' },
        ],
      },
      true,
    ],
    ['any', { any: [{ inSegment: 'vip' }, { attribute: 'tier', op: 'eq', value: 'bronze' }] }, false],
    ['not', { not: { inSegment: 'vip' } }, true],
  ])('%s', (_name, condition, expected) => {
    expect(evaluate(condition, scope)).toBe(expected);
  });

  it('lookup stops at non-objects', () => {
    expect(lookup({ a: 'text' }, 'a.b')).toBeUndefined();
  });
});
