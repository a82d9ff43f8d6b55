import {
  OPERATOR_TABLE,
  TABLE_CUSTOMER as customer,
  TABLE_EVENT as event,
  TABLE_NOW as NOW,
} from '../../../test/support/operator-table';
import { evaluateRule, journeyConditionSchema, matchesRule, segmentRuleSchema, type Rule } from '@kizuna/rules';

const DAY = 86_400_000;

describe('the operator table (docs/conditions.md)', () => {
  for (const [op, rows] of Object.entries(OPERATOR_TABLE)) {
    describe(op, () => {
      it.each(rows)('%s', (_title, written, expected) => {
        const rule = journeyConditionSchema.parse(written);
        expect(matchesRule(rule, { customer, event, now: NOW })).toBe(expected);
        // A segment rule means the same where it can be written (no event, no other segment).
        const text = JSON.stringify(written);
        if (!text.includes('"event.') && !text.includes('inSegment')) {
          expect(matchesRule(segmentRuleSchema.parse(written), { customer, now: NOW })).toBe(expected);
        }
      });
    });
  }
});

describe('time passing', () => {
  const at = (rule: unknown, now: number) => evaluateRule(segmentRuleSchema.parse(rule), { customer, now });

  it('within says when it stops being true', () => {
    const verdict = at({ field: 'stats.lastOrderAt', op: 'within', value: 'P90D' }, NOW);
    expect(verdict).toEqual({ matches: true, recheckAt: NOW - 40 * DAY + 90 * DAY + 1 });
    expect(at({ field: 'stats.lastOrderAt', op: 'within', value: 'P90D' }, verdict.recheckAt!).matches).toBe(false);
  });

  it('days since the last order says when it crosses', () => {
    const verdict = at({ field: 'stats.daysSinceLastOrder', op: 'gt', value: 90 }, NOW);
    expect(verdict).toEqual({ matches: false, recheckAt: NOW - 40 * DAY + 90 * DAY + 1 });
    expect(at({ field: 'stats.daysSinceLastOrder', op: 'gt', value: 90 }, verdict.recheckAt!).matches).toBe(true);
  });

  it('a behaviour leaf holds until its atLeast-th latest event leaves the window', () => {
    const verdict = at({ event: 'email.opened', within: 'P30D', atLeast: 2 }, NOW);
    expect(verdict).toEqual({ matches: true, recheckAt: NOW - 10 * DAY + 30 * DAY + 1 });
  });

  it('a group rechecks at its earliest part', () => {
    const verdict = at(
      {
        any: [
          { field: 'stats.lastOrderAt', op: 'within', value: 'P90D' },
          { event: 'email.opened', within: 'P30D', atLeast: 2 },
        ],
      },
      NOW,
    );
    expect(verdict.recheckAt).toBe(NOW + 20 * DAY + 1);
  });
});

describe('writing rules', () => {
  const problems = (schema: typeof segmentRuleSchema, rule: unknown): string[] => {
    const result = schema.safeParse(rule);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('rewrites the first journey format to field form', () => {
    const written = {
      all: [
        { property: 'total', op: 'gt', value: 100 },
        { attribute: 'tier', value: 'gold' },
        { stat: 'daysSinceLastOrder', op: 'gte', value: 30 },
      ],
    };
    expect(journeyConditionSchema.parse(written)).toEqual<Rule>({
      all: [
        { field: 'event.total', op: 'gt', value: 100 },
        { field: 'attributes.tier', op: 'eq', value: 'gold' },
        { field: 'stats.daysSinceLastOrder', op: 'gte', value: 30 },
      ],
    });
  });

  it.each<[string, unknown, string]>([
    ['an unknown field', { field: 'stats.ltv', op: 'gt', value: 1 }, 'field: unknown field "stats.ltv"'],
    ['an event field in a segment', { field: 'event.total', op: 'gt', value: 1 }, 'a segment rule has no event'],
    ['a segment in a segment', { inSegment: 'vip' }, 'cannot name another segment'],
    ['in without a list', { field: 'locale', op: 'in', value: 'ja' }, 'value: op "in" needs a list'],
    ['gt on text', { field: 'stats.revenue', op: 'gt', value: 'lots' }, 'value: op "gt" needs a number'],
    ['within on a number', { field: 'stats.revenue', op: 'within', value: 'P1D' }, 'op "within" compares a date'],
    ['exists with a value', { field: 'email', op: 'exists', value: 'x' }, 'op "exists" takes no value'],
    ['an unknown operator', { field: 'email', op: 'like', value: 'x' }, 'op: must be one of eq, neq'],
    ['a reserved path', { field: 'attributes.__proto__', op: 'exists' }, 'reserved word'],
    ['no shape at all', { color: 'red' }, 'must be a rule: one of'],
    ['a mistake deep inside', { all: [{ not: { field: 'locale', op: 'in', value: 1 } }] }, 'all.0.not.value:'],
  ])('refuses %s, saying where', (_title, rule, message) => {
    expect(problems(segmentRuleSchema, rule).join('\n')).toContain(message);
  });

  it('refuses nesting past the limit without recursing through all of it', () => {
    let deep: unknown = { field: 'email', op: 'exists' };
    for (let i = 0; i < 5000; i++) {
      deep = { not: deep };
    }
    expect(problems(journeyConditionSchema, deep).join('\n')).toContain('nests deeper than 20 levels');
  });
});
