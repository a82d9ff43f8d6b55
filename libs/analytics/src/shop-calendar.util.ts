import { DateTime, IANAZone } from 'luxon';

/**
 * Days and months are the shop's (`SHOP_TIMEZONE`), not UTC: a Tokyo shop's 1 February starts at
 * 31 January 15:00 UTC, and a New York day can last 23 or 25 hours. Periods are half-open
 * instant ranges [start, end) in epoch milliseconds, so a fact at midnight belongs to the day
 * it starts (docs/analytics.md, "Time").
 */

/** A calendar day in the shop's time zone: `YYYY-MM-DD`. */
export type ShopDay = string;
/** A calendar month in the shop's time zone: `YYYY-MM`. */
export type ShopMonth = string;

export interface Instants {
  start: number;
  end: number;
}

function zoneOf(timeZone: string): IANAZone {
  if (!IANAZone.isValidZone(timeZone)) {
    throw new RangeError(`not an IANA time zone: ${timeZone}`);
  }
  return IANAZone.create(timeZone);
}

function dayIn(date: ShopDay, timeZone: string): DateTime {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(date) ? DateTime.fromISO(date, { zone: zoneOf(timeZone) }) : null;
  if (!day?.isValid) {
    throw new RangeError(`not a calendar day (YYYY-MM-DD): ${date}`);
  }
  return day;
}

/** The shop days `from` to `to`, both included. */
export function shopPeriod(from: ShopDay, to: ShopDay, timeZone: string): Instants {
  const start = dayIn(from, timeZone);
  const last = dayIn(to, timeZone);
  if (last < start) {
    throw new RangeError(`a period ends on or after its first day: ${from} to ${to}`);
  }
  return { start: start.toMillis(), end: last.plus({ days: 1 }).toMillis() };
}

/** "As of D" means with everything up to the end of shop day D: this instant, excluded. */
export function asOfInstant(date: ShopDay, timeZone: string): number {
  return dayIn(date, timeZone).plus({ days: 1 }).toMillis();
}

/** The `days` shop days that end with `asOf` (asOf included). */
export function trailingDays(asOf: ShopDay, days: number, timeZone: string): Instants {
  if (!Number.isInteger(days) || days < 1) {
    throw new RangeError(`a window is a whole number of days, at least 1: ${days}`);
  }
  const last = dayIn(asOf, timeZone);
  return { start: last.minus({ days: days - 1 }).toMillis(), end: last.plus({ days: 1 }).toMillis() };
}

/** The shop day `days` days before (negative: after) `date`. */
export function shiftShopDay(date: ShopDay, days: number, timeZone: string): ShopDay {
  return dayIn(date, timeZone).minus({ days }).toISODate()!;
}

export function shopDayOf(at: number, timeZone: string): ShopDay {
  return DateTime.fromMillis(at, { zone: zoneOf(timeZone) }).toISODate()!;
}

export function shopMonthOf(at: number, timeZone: string): ShopMonth {
  return DateTime.fromMillis(at, { zone: zoneOf(timeZone) }).toFormat('yyyy-MM');
}

function monthIndex(month: ShopMonth): number {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) {
    throw new RangeError(`not a calendar month (YYYY-MM): ${month}`);
  }
  return Number(match[1]) * 12 + Number(match[2]) - 1;
}

/** Whole months from one shop month to a later one: 2024-11 → 2025-02 is 3. */
export function monthsAfter(from: ShopMonth, to: ShopMonth): number {
  return monthIndex(to) - monthIndex(from);
}

/** The month `months` after `month` (negative: before). */
export function addMonths(month: ShopMonth, months: number): ShopMonth {
  const index = monthIndex(month) + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}
