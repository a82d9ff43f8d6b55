/**
 * Shop days (`YYYY-MM-DD` in SHOP_TIMEZONE) and the periods the analytics screens ask for. The
 * shop's day is not the browser's: a Tokyo shop's Monday starts on Sunday afternoon in London.
 */

const DAY_MS = 86_400_000;

/** Today in the shop's time zone. */
export function shopToday(timeZone: string, now = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** A shop day moved by whole days (calendar arithmetic: no clock, no daylight saving). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** Every shop day of a period, in order. */
export function eachDay(from: string, to: string): string[] {
  const n = daysBetween(from, to);
  return Array.from({ length: Math.max(n, 0) }, (_, i) => addDays(from, i));
}

export function isShopDay(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
}

export type Preset = 7 | 30 | 90 | 'custom';

export interface Period {
  from: string;
  to: string;
}

/** The last `days` shop days ending today. */
export function presetPeriod(days: number, today: string): Period {
  return { from: addDays(today, -(days - 1)), to: today };
}

/** The period of equal length just before: what a trend compares with. */
export function previousPeriod(p: Period): Period {
  const n = daysBetween(p.from, p.to);
  return { from: addDays(p.from, -n), to: addDays(p.from, -1) };
}

/** The month (`YYYY-MM`) `months` after a month. */
export function addMonths(month: string, months: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}
