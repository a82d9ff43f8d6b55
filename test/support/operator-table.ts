import { UNKNOWN_CUSTOMER, type CustomerFacts } from '@kizuna/rules';

/**
 * The operator table: every operator on every kind of value, worked out by hand from
 * docs/conditions.md. The rules core, the journey simulator and segments are each checked
 * against it, so a condition means the same wherever it is written.
 */
const DAY = 86_400_000;
export const TABLE_NOW = Date.parse('2026-11-21T00:00:00Z');
const NOW = TABLE_NOW;

export const TABLE_CUSTOMER: CustomerFacts = {
  ...UNKNOWN_CUSTOMER,
  email: 'aiko@example.com',
  locale: 'ja-JP',
  timezone: 'Asia/Tokyo',
  emailConsent: 'subscribed',
  attributes: {
    text: 'Gold Member',
    wide: 'ＧＯＬＤ',
    empty: '',
    nothing: null,
    idText: '42',
    idNumber: 42,
    amount: 120.5,
    amountText: '120.5',
    yes: true,
    no: false,
    tags: ['gift', 'vip', 7],
    nested: { tier: 'gold' },
    birthday: '1990-05-17',
    lastSeen: '2026-11-01T09:00:00Z',
  },
  stats: {
    ordersCount: 3,
    revenue: 240,
    averageOrderValue: 80,
    firstOrderAt: NOW - 200 * DAY,
    lastOrderAt: NOW - 40 * DAY,
  },
  segments: ['vip'],
  events: { 'email.opened': [NOW - 2 * DAY, NOW - 10 * DAY, NOW - 45 * DAY] },
};
export const TABLE_EVENT = { total: '59.8', cartId: 1001, items: [{ id: 'sku-1' }] };

/** [title, the condition as written, does it hold for TABLE_CUSTOMER and TABLE_EVENT at TABLE_NOW] */
export type OperatorRow = [string, unknown, boolean];

export const OPERATOR_TABLE: Record<string, OperatorRow[]> = {
  exists: [
    ['text', { field: 'attributes.text', op: 'exists' }, true],
    ['false is a value', { field: 'attributes.no', op: 'exists' }, true],
    ['zero is a value', { field: 'stats.revenue', op: 'exists' }, true],
    ['empty string is no value', { field: 'attributes.empty', op: 'exists' }, false],
    ['null is no value', { field: 'attributes.nothing', op: 'exists' }, false],
    ['missing', { field: 'attributes.missing', op: 'exists' }, false],
    ['inherited names are not there', { field: 'attributes.toString', op: 'exists' }, false],
    ['a list', { field: 'attributes.tags', op: 'exists' }, true],
  ],
  notExists: [
    ['missing', { field: 'attributes.missing', op: 'notExists' }, true],
    ['empty string', { field: 'attributes.empty', op: 'notExists' }, true],
    ['text', { field: 'attributes.text', op: 'notExists' }, false],
  ],
  eq: [
    ['text, same case', { field: 'attributes.text', op: 'eq', value: 'Gold Member' }, true],
    ['text is case-sensitive', { field: 'attributes.text', op: 'eq', value: 'gold member' }, false],
    ['"42" equals 42', { field: 'attributes.idText', op: 'eq', value: 42 }, true],
    ['42 equals "42"', { field: 'attributes.idNumber', op: 'eq', value: '42' }, true],
    ['"120.5" equals 120.5', { field: 'attributes.amountText', op: 'eq', value: 120.5 }, true],
    ['true equals true', { field: 'attributes.yes', op: 'eq', value: true }, true],
    ['true is not "true"', { field: 'attributes.yes', op: 'eq', value: 'true' }, false],
    ['false is not 0', { field: 'attributes.no', op: 'eq', value: 0 }, false],
    ['a list never equals one value', { field: 'attributes.tags', op: 'eq', value: 'vip' }, false],
    ['missing equals nothing', { field: 'attributes.missing', op: 'eq', value: '' }, false],
    ['nested path', { field: 'attributes.nested.tier', op: 'eq', value: 'gold' }, true],
    ['profile field', { field: 'locale', op: 'eq', value: 'ja-JP' }, true],
    ['stat', { field: 'stats.ordersCount', op: 'eq', value: 3 }, true],
    ['event property (journeys)', { field: 'event.cartId', op: 'eq', value: '1001' }, true],
    ['into a list of the event', { field: 'event.items.0.id', op: 'eq', value: 'sku-1' }, true],
  ],
  neq: [
    ['different text', { field: 'attributes.text', op: 'neq', value: 'Silver' }, true],
    ['"42" vs 42', { field: 'attributes.idText', op: 'neq', value: 42 }, false],
    ['missing is not equal to anything', { field: 'attributes.missing', op: 'neq', value: 'x' }, true],
  ],
  in: [
    ['text in list', { field: 'attributes.nested.tier', op: 'in', value: ['silver', 'gold'] }, true],
    ['number text in numbers', { field: 'attributes.idText', op: 'in', value: [41, 42] }, true],
    ['not in list', { field: 'attributes.text', op: 'in', value: ['Silver'] }, false],
    ['a list overlaps', { field: 'attributes.tags', op: 'in', value: ['vip', 'new'] }, true],
    ['missing is in no list', { field: 'attributes.missing', op: 'in', value: ['x'] }, false],
  ],
  notIn: [
    ['not in list', { field: 'attributes.text', op: 'notIn', value: ['Silver'] }, true],
    ['in list', { field: 'attributes.idNumber', op: 'notIn', value: ['42'] }, false],
    ['missing is in no list', { field: 'attributes.missing', op: 'notIn', value: ['x'] }, true],
  ],
  gt: [
    ['number', { field: 'attributes.amount', op: 'gt', value: 100 }, true],
    ['decimal text counts as its number', { field: 'event.total', op: 'gt', value: 50 }, true],
    ['equal is not greater', { field: 'stats.ordersCount', op: 'gt', value: 3 }, false],
    ['text is not a number', { field: 'attributes.text', op: 'gt', value: 0 }, false],
    ['true is not a number', { field: 'attributes.yes', op: 'gt', value: 0 }, false],
    ['missing is not greater than anything', { field: 'attributes.missing', op: 'gt', value: -1 }, false],
    ['a date after a date', { field: 'attributes.lastSeen', op: 'gt', value: '2026-10-31' }, true],
    ['stats dates against a date', { field: 'stats.lastOrderAt', op: 'gt', value: '2026-10-01' }, true],
    ['days since the last order', { field: 'stats.daysSinceLastOrder', op: 'gt', value: 39.5 }, true],
  ],
  gte: [
    ['equal', { field: 'stats.ordersCount', op: 'gte', value: 3 }, true],
    ['days since the first order', { field: 'stats.daysSinceFirstOrder', op: 'gte', value: 200 }, true],
  ],
  lt: [
    ['number', { field: 'stats.revenue', op: 'lt', value: 240.01 }, true],
    ['a date before a date', { field: 'attributes.birthday', op: 'lt', value: '2000-01-01' }, true],
    ['missing is not less than anything', { field: 'attributes.missing', op: 'lt', value: 1e9 }, false],
  ],
  lte: [
    ['equal', { field: 'stats.averageOrderValue', op: 'lte', value: 80 }, true],
    ['greater', { field: 'stats.averageOrderValue', op: 'lte', value: 79.99 }, false],
  ],
  contains: [
    ['text ignores case', { field: 'attributes.text', op: 'contains', value: 'member' }, true],
    ['text ignores width', { field: 'attributes.wide', op: 'contains', value: 'gold' }, true],
    ['text without it', { field: 'attributes.text', op: 'contains', value: 'silver' }, false],
    ['list holds the value', { field: 'attributes.tags', op: 'contains', value: 'vip' }, true],
    ['list holds the number as text', { field: 'attributes.tags', op: 'contains', value: '7' }, true],
    ['list elements match exactly', { field: 'attributes.tags', op: 'contains', value: 'VIP' }, false],
    ['a number is not text', { field: 'attributes.idNumber', op: 'contains', value: '4' }, false],
    ['missing contains nothing', { field: 'attributes.missing', op: 'contains', value: 'a' }, false],
  ],
  startsWith: [
    ['text ignores case', { field: 'attributes.text', op: 'startsWith', value: 'gold' }, true],
    ['locale prefix', { field: 'locale', op: 'startsWith', value: 'ja' }, true],
    ['not a prefix', { field: 'attributes.text', op: 'startsWith', value: 'member' }, false],
    ['a list is not text', { field: 'attributes.tags', op: 'startsWith', value: 'gift' }, false],
  ],
  within: [
    ['last order 40 days ago within 90 days', { field: 'stats.lastOrderAt', op: 'within', value: 'P90D' }, true],
    ['last order 40 days ago within 30 days', { field: 'stats.lastOrderAt', op: 'within', value: 'P30D' }, false],
    ['a date in attributes', { field: 'attributes.lastSeen', op: 'within', value: 'P30D' }, true],
    ['text that is no date', { field: 'attributes.text', op: 'within', value: 'P30D' }, false],
    ['missing is within nothing', { field: 'attributes.missing', op: 'within', value: 'P30D' }, false],
    // Average gap (200 - 40) / 2 = 80 days; 0.25 cycles = 20 days < 40.
    [
      'a quarter of the buying cycle',
      { field: 'stats.lastOrderAt', op: 'within', value: { cycles: 0.25, fallback: 'P90D' } },
      false,
    ],
    // 0.5 cycles = 40 days: exactly at the edge, which is still within.
    [
      'half the buying cycle',
      { field: 'stats.lastOrderAt', op: 'within', value: { cycles: 0.5, fallback: 'P90D' } },
      true,
    ],
  ],
  notWithin: [
    ['older than 30 days', { field: 'stats.lastOrderAt', op: 'notWithin', value: 'P30D' }, true],
    ['missing counts as not within', { field: 'attributes.missing', op: 'notWithin', value: 'P30D' }, true],
  ],
  behaviour: [
    ['opened twice in 30 days', { event: 'email.opened', within: 'P30D', atLeast: 2 }, true],
    ['opened three times in 30 days', { event: 'email.opened', within: 'P30D', atLeast: 3 }, false],
    ['never clicked', { event: 'email.clicked', within: 'P30D' }, false],
  ],
  groups: [
    ['all', { all: [{ field: 'stats.ordersCount', op: 'gte', value: 2 }, { inSegment: 'vip' }] }, true],
    ['any', { any: [{ inSegment: 'lapsed' }, { field: 'attributes.yes', op: 'eq', value: false }] }, false],
    ['not', { not: { inSegment: 'lapsed' } }, true],
  ],
};
