import type { Language } from '../i18n/catalog';

/** A ratio as every analytics endpoint gives it (docs/analytics.md): value null when the denominator is 0. */
export interface Ratio {
  numerator: number;
  denominator: number;
  value: number | null;
}

export const ratioOf = (numerator: number, denominator: number): Ratio => ({
  numerator,
  denominator,
  value: denominator === 0 ? null : numerator / denominator,
});

/** Numbers, money and shares in the reader's language. */
export function formats(language: Language, currency: string) {
  const count = new Intl.NumberFormat(language, { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat(language, { maximumFractionDigits: 2 });
  const tenths = new Intl.NumberFormat(language, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const thousandths = new Intl.NumberFormat(language, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  const percent = new Intl.NumberFormat(language, {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  const moneyIn = (code: string) => new Intl.NumberFormat(language, { style: 'currency', currency: code });
  const money = moneyIn(currency);
  return {
    count: (n: number) => count.format(n),
    decimal: (n: number) => decimal.format(n),
    /** One decimal always (20 → "20.0"): estimates and their intervals. */
    tenths: (n: number) => tenths.format(n),
    /** Three decimals always: p-values. */
    thousandths: (n: number) => thousandths.format(n),
    /** A share (0.125 → 12.5%); null stays null so the caller says "no data". */
    percent: (v: number | null) => (v === null ? null : percent.format(v)),
    money: (n: number) => money.format(n),
    moneyIn: (n: number, code: string) => moneyIn(code).format(n),
  };
}

export type Formats = ReturnType<typeof formats>;

/** A month `YYYY-MM` as the reader writes it (Jan 2031, 2031年1月). */
export function formatMonth(language: Language, month: string): string {
  return new Intl.DateTimeFormat(language, { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(
    new Date(`${month}-01T00:00:00Z`),
  );
}

/** A shop day `YYYY-MM-DD` as the reader writes it, without moving it to the browser's zone. */
export function formatDay(language: Language, day: string, short = false): string {
  return new Intl.DateTimeFormat(language, {
    ...(short ? { month: 'short', day: 'numeric' } : { dateStyle: 'medium' }),
    timeZone: 'UTC',
  }).format(new Date(`${day}T00:00:00Z`));
}
