import {
  DATE_FIELDS,
  OPERATORS as CORE_OPERATORS,
  PROFILE_FIELDS as CORE_PROFILE_FIELDS,
  STAT_FIELDS,
} from '../../../../libs/rules/src/rule.schema';
import {
  addChild,
  DATE_STATS,
  NUMBER_STATS,
  OPERATORS,
  PROFILE_FIELDS,
  newField,
  newGroup,
  nodeForIssue,
  parseCondition,
  pathsOf,
  toJson,
  type ConditionNode,
  type ConditionTree,
  type FieldNode,
} from './condition-model';

/** Every node kind in the tree, depth first: what the form shows as fields vs as JSON. */
const kinds = (tree: ConditionTree): string[] => {
  const out: string[] = [];
  const visit = (n: ConditionNode) => {
    out.push(n.negated ? `not ${n.kind}` : n.kind);
    if (n.kind === 'group') {
      n.children.forEach(visit);
    }
  };
  visit(tree.root);
  return out;
};

describe('the condition builder model', () => {
  it('reads a segment rule into form rows and writes back exactly the same JSON', () => {
    const rule = {
      all: [
        { field: 'stats.ordersCount', op: 'gte', value: 2 },
        { field: 'attributes.tier', op: 'in', value: ['gold', 'silver'] },
        {
          any: [
            { field: 'stats.lastOrderAt', op: 'notWithin', value: 'P90D' },
            { not: { event: 'email.opened', within: 'P30D', atLeast: 1 } },
          ],
        },
        { field: 'emailConsent', op: 'eq', value: 'subscribed' },
        { field: 'stats.lastOrderAt', op: 'within', value: { cycles: 2, fallback: 'P90D', atLeast: 'P14D' } },
        { field: 'attributes.vip', op: 'eq', value: true },
        { field: 'attributes.score', op: 'notIn', value: [1, 2.5] },
        { field: 'stats.firstOrderAt', op: 'gt', value: '2026-01-31' },
        { field: 'locale', op: 'startsWith', value: 'ja' },
        { field: 'email', op: 'exists' },
        { not: { any: [{ field: 'timezone', op: 'eq', value: 'Asia/Tokyo' }] } },
        { field: 'stats.firstOrderAt', op: 'within', value: 'PT12H' },
      ],
    };
    const tree = parseCondition(rule);
    expect(kinds(tree)).toEqual([
      'group',
      'field',
      'field',
      'group',
      'field',
      'not event',
      // emailConsent, the cycles window, vip, score, firstOrderAt, locale, email
      'field',
      'field',
      'field',
      'field',
      'field',
      'field',
      'field',
      'not group',
      'field',
      'field',
    ]);
    expect(tree.implicit).toBe(false);
    expect(toJson(tree)).toEqual(rule);
    // And again: the tree read back from its own JSON is the same form.
    const again = parseCondition(toJson(tree));
    expect(kinds(again)).toEqual(kinds(tree));
    expect(toJson(again)).toEqual(rule);
  });

  it('keeps a single leaf a single leaf (journey conditions are often one), inSegment and event.* included', () => {
    for (const rule of [
      { inSegment: 'vip' },
      { field: 'event.total', op: 'gt', value: 100 },
      { not: { field: 'attributes.kids.0', op: 'notExists' } },
    ]) {
      const tree = parseCondition(rule);
      expect(tree.implicit).toBe(true);
      expect(tree.root.children).toHaveLength(1);
      expect(toJson(tree)).toEqual(rule);
    }
  });

  it('keeps as JSON what the form cannot show field by field, and writes it back unchanged', () => {
    const rule = {
      any: [
        { field: 'attributes.tags', op: 'in', value: ['a,b', 'c'] },
        { field: 'attributes.mixed', op: 'in', value: ['a', 1] },
        { field: 'stats.lastOrderAt', op: 'within', value: 'P1DT12H' },
        { field: 'attributes.at', op: 'lt', value: '2026-01-31T10:00:00Z' },
        { field: 'locale', op: 'eq', value: 5 },
      ],
    };
    const tree = parseCondition(rule);
    expect(kinds(tree)).toEqual(['group', 'json', 'json', 'json', 'json', 'json']);
    expect(toJson(tree)).toEqual(rule);
  });

  it('writes what the form holds in the API form: numbers as numbers, lists split at commas', () => {
    const orders: FieldNode = { ...newField('stats.ordersCount'), op: 'gte', value: ' 3 ' };
    const tier: FieldNode = { ...newField('attributes.tier'), op: 'in', valueType: 'text', value: 'gold, silver,' };
    const vip: FieldNode = { ...newField('attributes.vip'), op: 'eq', valueType: 'boolean', value: 'true' };
    const lapsed: FieldNode = {
      ...newField('stats.lastOrderAt'),
      op: 'notWithin',
      window: { kind: 'fixed', duration: { amount: '6', unit: 'months' } },
    };
    let tree: ConditionTree = { root: newGroup('all'), implicit: false };
    for (const node of [orders, tier, vip, lapsed]) {
      tree = addChild(tree, tree.root.id, node);
    }
    expect(toJson(tree)).toEqual({
      all: [
        { field: 'stats.ordersCount', op: 'gte', value: 3 },
        { field: 'attributes.tier', op: 'in', value: ['gold', 'silver'] },
        { field: 'attributes.vip', op: 'eq', value: true },
        { field: 'stats.lastOrderAt', op: 'notWithin', value: 'P6M' },
      ],
    });
    // A value that is no number is sent as typed, for the API to refuse with its message.
    const typo = addChild(tree, tree.root.id, { ...newField('stats.revenue'), op: 'gt', value: '12o' });
    expect((toJson(typo) as { all: unknown[] }).all[4]).toEqual({ field: 'stats.revenue', op: 'gt', value: '12o' });
  });

  it("pins the API's validation paths to the rows they are about", () => {
    const tree = parseCondition({
      all: [
        { not: { field: 'attributes.a', op: 'eq', value: 1 } },
        { any: [{ field: 'stats.revenue', op: 'gt', value: 1 }] },
      ],
    });
    const paths = pathsOf(tree);
    const [negated, group] = tree.root.children as [ConditionNode, ConditionNode & { children: ConditionNode[] }];
    expect(nodeForIssue(paths, 'rule.all[0].not.value', 'rule')).toBe(negated.id);
    expect(nodeForIssue(paths, 'rule.all[1].any[0].value', 'rule')).toBe(group.children[0]!.id);
    expect(nodeForIssue(paths, 'rule.all[1].any', 'rule')).toBe(group.id);
    expect(nodeForIssue(paths, 'rule', 'rule')).toBe(tree.root.id);
    expect(nodeForIssue(paths, 'name', 'rule')).toBeUndefined();
    // A single leaf sits at the root of the JSON.
    const single = parseCondition({ field: 'email', op: 'startsWith', value: '' });
    expect(nodeForIssue(pathsOf(single), 'rule.value', 'rule')).toBe(single.root.children[0]!.id);
  });
});

describe("the builder's vocabulary", () => {
  // The console cannot bundle the rules core (zod and luxon would ship to the browser), so it keeps
  // its own copy of the language's names: this keeps the copy equal to the core's.
  it('is the rules core’s: the same operators, profile fields and stats', () => {
    expect([...OPERATORS]).toEqual([...CORE_OPERATORS]);
    expect([...PROFILE_FIELDS]).toEqual([...CORE_PROFILE_FIELDS]);
    expect([...NUMBER_STATS, ...DATE_STATS].sort()).toEqual([...STAT_FIELDS].sort());
    expect([...DATE_STATS].sort()).toEqual([...DATE_FIELDS].sort());
  });
});
