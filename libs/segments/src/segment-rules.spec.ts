import {
  evaluateRule,
  eventsCountedBy,
  segmentRuleSchema,
  UNKNOWN_CUSTOMER,
  type CustomerFacts,
  type Rule,
} from '@kizuna/rules';

/**
 * The examples segments must express, through the one evaluator (operators on every type are
 * pinned in libs/rules/src/evaluate-rule.spec.ts).
 */
interface SegmentFacts {
  email: string | null;
  locale: string | null;
  timezone: string | null;
  emailConsent: string;
  attributes: Record<string, unknown>;
  stats: {
    ordersCount: number;
    revenue: number;
    averageOrderValue: number;
    firstOrderAt: Date | null;
    lastOrderAt: Date | null;
  };
  events: Record<string, Date[]>;
}

/** The facts a test writes with dates, as the evaluator reads them (epoch ms). */
function asFacts(facts: SegmentFacts): CustomerFacts {
  const { firstOrderAt, lastOrderAt } = facts.stats;
  return {
    ...UNKNOWN_CUSTOMER,
    ...facts,
    stats: {
      ...facts.stats,
      firstOrderAt: firstOrderAt?.getTime() ?? null,
      lastOrderAt: lastOrderAt?.getTime() ?? null,
    },
    events: Object.fromEntries(
      Object.entries(facts.events).map(([name, dates]) => [name, dates.map((d) => d.getTime())]),
    ),
  };
}

function evaluateSegment(rule: Rule, facts: SegmentFacts, now: Date): { member: boolean; recheckAt: Date | undefined } {
  const verdict = evaluateRule(rule, { customer: asFacts(facts), now: now.getTime() });
  return {
    member: verdict.matches,
    recheckAt: verdict.recheckAt === undefined ? undefined : new Date(verdict.recheckAt),
  };
}

const DAY = 86_400_000;
const NOW = new Date('2026-11-21T00:00:00Z');
const daysAgo = (n: number): Date => new Date(NOW.getTime() - n * DAY);

function customer(
  overrides: Partial<Omit<SegmentFacts, 'stats'>> & { stats?: Partial<SegmentFacts['stats']> } = {},
): SegmentFacts {
  const { stats, ...rest } = overrides;
  return {
    email: 'aiko@example.com',
    locale: 'ja-JP',
    timezone: 'Asia/Tokyo',
    emailConsent: 'subscribed',
    attributes: { tier: 'gold', prefs: { newsletter: true } },
    events: {},
    ...rest,
    stats: { ordersCount: 0, revenue: 0, averageOrderValue: 0, firstOrderAt: null, lastOrderAt: null, ...stats },
  };
}

const parse = (rule: unknown): Rule => segmentRuleSchema.parse(rule);

describe('evaluateSegment: the examples segments must express', () => {
  const cases: Array<{ title: string; rule: unknown; facts: SegmentFacts; member: boolean; recheckAt?: Date }> = [
    {
      title: 'placed an order at least 2 times: yes with 2',
      rule: { field: 'stats.ordersCount', op: 'gte', value: 2 },
      facts: customer({ stats: { ordersCount: 2 } }),
      member: true,
    },
    {
      title: 'placed an order at least 2 times: no with 1',
      rule: { field: 'stats.ordersCount', op: 'gte', value: 2 },
      facts: customer({ stats: { ordersCount: 1 } }),
      member: false,
    },
    {
      title: 'no order in the last 90 days: last order 91 days ago',
      rule: { field: 'stats.lastOrderAt', op: 'notWithin', value: 'P90D' },
      facts: customer({ stats: { ordersCount: 1, firstOrderAt: daysAgo(91), lastOrderAt: daysAgo(91) } }),
      member: true,
    },
    {
      title: 'no order in the last 90 days: last order 10 days ago, recheck at the crossing',
      rule: { field: 'stats.lastOrderAt', op: 'notWithin', value: 'P90D' },
      facts: customer({ stats: { ordersCount: 1, firstOrderAt: daysAgo(10), lastOrderAt: daysAgo(10) } }),
      member: false,
      recheckAt: new Date(daysAgo(10).getTime() + 90 * DAY + 1),
    },
    {
      title: 'no order in the last 90 days: never ordered counts as no order',
      rule: { field: 'stats.lastOrderAt', op: 'notWithin', value: 'P90D' },
      facts: customer(),
      member: true,
    },
    {
      title: 'revenue >= 50,000 (JPY shop)',
      rule: { field: 'stats.revenue', op: 'gte', value: 50_000 },
      facts: customer({ stats: { ordersCount: 3, revenue: 52_000 } }),
      member: true,
    },
    {
      title: 'opened an email in the last 30 days: opened 12 days ago, member until it ages out',
      rule: { event: 'email.opened', within: 'P30D' },
      facts: customer({ events: { 'email.opened': [daysAgo(12), daysAgo(40)] } }),
      member: true,
      recheckAt: new Date(daysAgo(12).getTime() + 30 * DAY + 1),
    },
    {
      title: 'opened an email in the last 30 days: only an open 40 days ago',
      rule: { event: 'email.opened', within: 'P30D' },
      facts: customer({ events: { 'email.opened': [daysAgo(40)] } }),
      member: false,
    },
    {
      // `facts.events.constructor` is Object; counting it threw a TypeError (a 500 on preview).
      title: 'an event named constructor, never seen, is counted as never seen',
      rule: { event: 'constructor', within: 'P30D' },
      facts: customer(),
      member: false,
    },
    {
      title: 'locale is ja (ja-JP matches by prefix)',
      rule: { field: 'locale', op: 'startsWith', value: 'ja' },
      facts: customer(),
      member: true,
    },
    {
      title: 'locale is ja: en-US does not',
      rule: { field: 'locale', op: 'startsWith', value: 'ja' },
      facts: customer({ locale: 'en-US' }),
      member: false,
    },
    {
      title: 'attributes, nested, and the in operator',
      rule: {
        all: [
          { field: 'attributes.tier', op: 'in', value: ['gold', 'platinum'] },
          { field: 'attributes.prefs.newsletter', op: 'eq', value: true },
        ],
      },
      facts: customer(),
      member: true,
    },
    {
      title: 'a missing attribute is not there (and does not throw)',
      rule: { field: 'attributes.nothing.deeper', op: 'exists' },
      facts: customer(),
      member: false,
    },
    {
      title: 'prototype names are not attributes',
      rule: { field: 'attributes.toString', op: 'exists' },
      facts: customer(),
      member: false,
    },
    {
      title: 'AND / OR / NOT: repeat buyers not dormant, or anyone who opened an email',
      rule: {
        any: [
          {
            all: [
              { field: 'stats.ordersCount', op: 'gte', value: 2 },
              { not: { field: 'stats.lastOrderAt', op: 'notWithin', value: 'P90D' } },
            ],
          },
          { event: 'email.opened', within: 'P30D' },
        ],
      },
      facts: customer({ stats: { ordersCount: 2, firstOrderAt: daysAgo(100), lastOrderAt: daysAgo(20) } }),
      member: true,
      recheckAt: new Date(daysAgo(20).getTime() + 90 * DAY + 1),
    },
    {
      title: "dormant by the customer's own buying cycle: every 10 days, silent for 25 (2 cycles = 20 days)",
      rule: { field: 'stats.lastOrderAt', op: 'notWithin', value: { cycles: 2, fallback: 'P90D' } },
      facts: customer({ stats: { ordersCount: 4, firstOrderAt: daysAgo(55), lastOrderAt: daysAgo(25) } }),
      member: true,
    },
    {
      title: 'buying cycle with one order only: the fallback window applies',
      rule: { field: 'stats.lastOrderAt', op: 'notWithin', value: { cycles: 2, fallback: 'P90D' } },
      facts: customer({ stats: { ordersCount: 1, firstOrderAt: daysAgo(25), lastOrderAt: daysAgo(25) } }),
      member: false,
      recheckAt: new Date(daysAgo(25).getTime() + 90 * DAY + 1),
    },
    {
      title: 'buying cycle never shorter than atLeast',
      rule: { field: 'stats.lastOrderAt', op: 'notWithin', value: { cycles: 1, fallback: 'P90D', atLeast: 'P30D' } },
      facts: customer({ stats: { ordersCount: 3, firstOrderAt: daysAgo(24), lastOrderAt: daysAgo(20) } }),
      member: false,
      recheckAt: new Date(daysAgo(20).getTime() + 30 * DAY + 1),
    },
  ];

  it.each(cases)('$title', ({ rule, facts, member, recheckAt }) => {
    expect(evaluateSegment(parse(rule), facts, NOW)).toEqual({ member, recheckAt });
  });

  it('a purchase before the crossing moves the recheck time later', () => {
    const rule = parse({ field: 'stats.lastOrderAt', op: 'notWithin', value: 'P90D' });
    const before = evaluateSegment(
      rule,
      customer({ stats: { ordersCount: 1, firstOrderAt: daysAgo(80), lastOrderAt: daysAgo(80) } }),
      NOW,
    );
    const after = evaluateSegment(
      rule,
      customer({ stats: { ordersCount: 2, firstOrderAt: daysAgo(80), lastOrderAt: daysAgo(1) } }),
      NOW,
    );
    expect(before.member).toBe(false);
    expect(after.member).toBe(false);
    expect(after.recheckAt!.getTime() - before.recheckAt!.getTime()).toBe(79 * DAY);
  });

  it('evaluating at the recheck time gives the flipped answer', () => {
    const rule = parse({ field: 'stats.lastOrderAt', op: 'notWithin', value: 'P90D' });
    const facts = customer({ stats: { ordersCount: 1, firstOrderAt: daysAgo(10), lastOrderAt: daysAgo(10) } });
    const { recheckAt } = evaluateSegment(rule, facts, NOW);
    expect(evaluateSegment(rule, facts, new Date(recheckAt!.getTime() - 2)).member).toBe(false);
    expect(evaluateSegment(rule, facts, recheckAt!).member).toBe(true);
  });

  it('lists the events a rule counts, so only those are loaded', () => {
    const rule = parse({
      any: [{ event: 'email.opened', within: 'P30D' }, { not: { event: 'email.clicked', within: 'P7D', atLeast: 2 } }],
    });
    expect(eventsCountedBy(rule)).toEqual([
      { name: 'email.opened', within: 'P30D', atLeast: 1 },
      { name: 'email.clicked', within: 'P7D', atLeast: 2 },
    ]);
  });
});

describe('segmentRuleSchema', () => {
  const rejected: Array<[string, unknown, string]> = [
    ['unknown field', { field: 'stats.lifetimeValue', op: 'gt', value: 1 }, 'attributes.<name>'],
    ['bad duration', { field: 'stats.lastOrderAt', op: 'notWithin', value: '90 days' }, 'ISO-8601 duration'],
    ['numeric op without a number', { field: 'stats.revenue', op: 'gte', value: 'lots' }, 'needs a number'],
    ['in without a list', { field: 'locale', op: 'in', value: 'ja' }, 'needs a list'],
    ['empty all', { all: [] }, ''],
    ['unknown key', { field: 'locale', op: 'eq', value: 'ja', extra: 1 }, ''],
  ];
  it.each(rejected)('rejects %s', (_title, rule, message) => {
    const result = segmentRuleSchema.safeParse(rule);
    expect(result.success).toBe(false);
    if (message) {
      expect(JSON.stringify(result.error?.issues)).toContain(message);
    }
  });
});
