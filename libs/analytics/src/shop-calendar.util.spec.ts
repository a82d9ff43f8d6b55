import {
  addMonths,
  asOfInstant,
  monthsAfter,
  shiftShopDay,
  shopDayOf,
  shopMonthOf,
  shopPeriod,
  trailingDays,
} from '@kizuna/analytics';

const HOUR = 3_600_000;

describe('shop days and months', () => {
  it.each([
    // New York's clocks went forward at 02:00 on 10 March 2024 (EST −5 → EDT −4): a 23-hour day.
    ['a spring-forward day', '2024-03-10', 'America/New_York', Date.UTC(2024, 2, 10, 5), 23],
    // ... and back at 02:00 on 3 November 2024: a 25-hour day.
    ['a fall-back day', '2024-11-03', 'America/New_York', Date.UTC(2024, 10, 3, 4), 25],
    // Tokyo is UTC+9 all year: 1 February starts at 31 January 15:00 UTC.
    ['a Tokyo day', '2024-02-01', 'Asia/Tokyo', Date.UTC(2024, 0, 31, 15), 24],
  ])('%s lasts as long as it does there', (_title, day, zone, start, hours) => {
    expect(shopPeriod(day, day, zone)).toEqual({ start, end: start + hours * HOUR });
  });

  it('takes a period with both ends included, and "as of" as the end of the day', () => {
    expect(shopPeriod('2024-01-01', '2024-01-31', 'UTC')).toEqual({
      start: Date.UTC(2024, 0, 1),
      end: Date.UTC(2024, 1, 1),
    });
    expect(asOfInstant('2024-01-31', 'Asia/Tokyo')).toBe(Date.UTC(2024, 0, 31, 15));
  });

  it('counts trailing windows in shop days (2024 is a leap year)', () => {
    // The 365 days ending 31 December 2024 start on 2 January 2024.
    expect(trailingDays('2024-12-31', 365, 'UTC')).toEqual({ start: Date.UTC(2024, 0, 2), end: Date.UTC(2025, 0, 1) });
    expect(trailingDays('2024-12-31', 1, 'UTC')).toEqual({ start: Date.UTC(2024, 11, 31), end: Date.UTC(2025, 0, 1) });
    expect(shiftShopDay('2024-03-01', 1, 'UTC')).toBe('2024-02-29');
    expect(shiftShopDay('2024-02-29', -1, 'UTC')).toBe('2024-03-01');
  });

  it('puts a moment in the shop day and month it falls in, midnight starting the new one', () => {
    const tokyoMidnight = Date.UTC(2024, 0, 31, 15);
    expect(shopDayOf(tokyoMidnight, 'Asia/Tokyo')).toBe('2024-02-01');
    expect(shopDayOf(tokyoMidnight - 1, 'Asia/Tokyo')).toBe('2024-01-31');
    expect(shopMonthOf(tokyoMidnight, 'Asia/Tokyo')).toBe('2024-02');
    expect(shopMonthOf(tokyoMidnight, 'UTC')).toBe('2024-01');
  });

  it('counts and adds months across years', () => {
    expect(monthsAfter('2024-11', '2025-02')).toBe(3);
    expect(monthsAfter('2025-02', '2025-02')).toBe(0);
    expect(addMonths('2024-11', 3)).toBe('2025-02');
    expect(addMonths('2025-01', -1)).toBe('2024-12');
  });

  it.each([
    ['an unknown zone', () => shopPeriod('2024-01-01', '2024-01-01', 'Mars/Olympus')],
    ['a day that does not exist', () => asOfInstant('2023-02-29', 'UTC')],
    ['a day not written YYYY-MM-DD', () => asOfInstant('1/2/2024', 'UTC')],
    ['a period that ends before it starts', () => shopPeriod('2024-02-01', '2024-01-31', 'UTC')],
    ['an empty window', () => trailingDays('2024-02-01', 0, 'UTC')],
    ['month 13', () => monthsAfter('2024-13', '2025-01')],
  ])('refuses %s', (_title, call) => {
    expect(call).toThrow(RangeError);
  });
});
