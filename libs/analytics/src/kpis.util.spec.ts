import {
  averageOrderValue,
  churnRate,
  churnWindows,
  customerLifetimeValue,
  netPromoterScore,
  npsByMonth,
  npsGroup,
  purchaseFrequency,
  repeatPurchaseRate,
  shopPeriod,
  type NpsAnswer,
} from '@kizuna/analytics';

describe('rates carry their denominators', () => {
  it.each([
    ['AOV', averageOrderValue(300, 4), { numerator: 300, denominator: 4, value: 75 }],
    ['AOV without orders', averageOrderValue(0, 0), { numerator: 0, denominator: 0, value: null }],
    ['purchase frequency', purchaseFrequency(6, 4), { numerator: 6, denominator: 4, value: 1.5 }],
    ['repeat purchase rate', repeatPurchaseRate(1, 4), { numerator: 1, denominator: 4, value: 0.25 }],
    ['churn', churnRate(2, 5), { numerator: 2, denominator: 5, value: 0.4 }],
    ['churn without earlier buyers', churnRate(0, 0), { numerator: 0, denominator: 0, value: null }],
  ])('%s', (_title, actual, expected) => {
    expect(actual).toEqual(expected);
  });
});

describe('churnWindows', () => {
  it('compares the N days ending with D with the N days before them', () => {
    // 90 days ending 30 June 2024 start on 2 April (30 + 31 + 28 days back); the 90 before them
    // end on 1 April and start on 3 January (31 + 29 + 29 days back, 2024 being a leap year).
    expect(churnWindows('2024-06-30', 90, 'UTC')).toEqual({
      previous: { start: Date.UTC(2024, 0, 3), end: Date.UTC(2024, 3, 2) },
      current: { start: Date.UTC(2024, 3, 2), end: Date.UTC(2024, 6, 1) },
    });
  });
});

describe('customerLifetimeValue = AOV × yearly frequency × min(1 / yearly churn, 10)', () => {
  it.each([
    // 80 × 1.5 × (1 / 0.4 = 2.5 years) = 300.
    ['a shop losing 40% of its buyers a year', 80, 1.5, 0.4, { value: 300, lifespanYears: 2.5, capped: false }],
    // 1 / 0.05 = 20 years, capped at 10: 80 × 1.5 × 10 = 1200.
    ['a shop that almost never loses anyone', 80, 1.5, 0.05, { value: 1200, lifespanYears: 10, capped: true }],
    ['a shop that lost nobody', 80, 1.5, 0, { value: 1200, lifespanYears: 10, capped: true }],
    // 1 / 0.1 is exactly the cap.
    ['churn at the cap', 80, 1.5, 0.1, { value: 1200, lifespanYears: 10, capped: true }],
    ['a shop with no buyers a year ago', 80, 1.5, null, { value: null, lifespanYears: null, capped: false }],
    ['a shop with no orders this year', null, null, 0.5, { value: null, lifespanYears: 2, capped: false }],
  ])('%s', (_title, aov, frequency, churn, expected) => {
    expect(customerLifetimeValue(aov, frequency, churn)).toEqual(expected);
  });
});

describe('NPS', () => {
  const at = (month: number, day: number, hour = 12) => Date.UTC(2024, month - 1, day, hour);
  const answers: NpsAnswer[] = [
    // A New Year's Eve answer at 23:00 UTC is 1 January 08:00 in Tokyo.
    { customer: 'e', score: 0, answeredAt: Date.UTC(2023, 11, 31, 23) },
    { customer: 'a', score: 10, answeredAt: at(1, 5) },
    { customer: 'b', score: 9, answeredAt: at(1, 10) },
    { customer: 'c', score: 7, answeredAt: at(1, 15) },
    { customer: 'a', score: 3, answeredAt: at(1, 20) },
    // Two answers at the same instant: the one recorded last counts.
    { customer: 'd', score: 6, answeredAt: at(2, 2) },
    { customer: 'd', score: 10, answeredAt: at(2, 2) },
    // Exactly at the end of February (UTC): March's.
    { customer: 'f', score: 9, answeredAt: Date.UTC(2024, 2, 1) },
  ];

  it.each([
    [0, 'detractor'],
    [6, 'detractor'],
    [7, 'passive'],
    [8, 'passive'],
    [9, 'promoter'],
    [10, 'promoter'],
  ])('%s is a %s', (score, group) => {
    expect(npsGroup(score)).toBe(group);
  });

  it('counts each customer once, with their latest answer in the period', () => {
    // January–February UTC: a's latest is 3 (detractor), b 9 and d 10 (promoters), c 7 (passive);
    // e answered in December, f in March. 100 × (2 − 1) / 4 = 25.
    expect(netPromoterScore(answers, shopPeriod('2024-01-01', '2024-02-29', 'UTC'))).toEqual({
      promoters: 2,
      passives: 1,
      detractors: 1,
      respondents: 4,
      score: 25,
    });
  });

  it('reads the period in the shop time zone', () => {
    // January in Tokyo also has e's 0: promoters b; passive c; detractors a, e. 100 × (1 − 2) / 4.
    expect(netPromoterScore(answers, shopPeriod('2024-01-01', '2024-01-31', 'Asia/Tokyo')).score).toBe(-25);
  });

  it('has no score without respondents', () => {
    expect(netPromoterScore([], shopPeriod('2024-01-01', '2024-01-31', 'UTC'))).toEqual({
      promoters: 0,
      passives: 0,
      detractors: 0,
      respondents: 0,
      score: null,
    });
  });

  it('trends month by month, empty months included', () => {
    // January: a 3, b 9, c 7 → (1 − 1) / 3 = 0. February: d 10 → 100. March: f 9 → 100. April: none.
    const trend = npsByMonth(answers, shopPeriod('2024-01-01', '2024-04-30', 'UTC'), 'UTC');
    expect(trend.map((m) => [m.month, m.respondents, m.score])).toEqual([
      ['2024-01', 3, 0],
      ['2024-02', 1, 100],
      ['2024-03', 1, 100],
      ['2024-04', 0, null],
    ]);
  });

  it('refuses a score that is not 0 to 10', () => {
    const period = shopPeriod('2024-01-01', '2024-01-31', 'UTC');
    expect(() => netPromoterScore([{ customer: 'x', score: 11, answeredAt: at(1, 2) }], period)).toThrow(RangeError);
    expect(() => npsGroup(8.5)).toThrow(RangeError);
  });
});
