import type { HelperOptions } from 'handlebars';
import { DateTime } from 'luxon';
import { remembered } from './remembered.util';

/**
 * Helpers every template may use. Locale, time zone and currency come from the render's data
 * frame (`@locale`, `@timeZone`, `@currency`), set per message from the customer's profile, so
 * templates never pass them unless they mean to override them.
 */
export interface RenderFrame {
  locale: string;
  timeZone: string;
  currency: string;
}

type Hash = Record<string, unknown>;

const frameOf = (options: HelperOptions): RenderFrame => options.data as RenderFrame;
const hashOf = (options: HelperOptions): Hash => (options.hash ?? {}) as Hash;

/** Handlebars passes the options object as the last argument; the ones before it are the template's. */
function split(args: unknown[]): { params: unknown[]; options: HelperOptions } {
  return { params: args.slice(0, -1), options: args[args.length - 1] as HelperOptions };
}

const isMissing = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : undefined;
  }
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

// Intl formatters are costly to build and cheap to reuse: one per locale and options.
const currencyFormat = remembered((key) => {
  const [locale, currency] = key.split('|');
  return new Intl.NumberFormat(locale, { style: 'currency', currency });
});
const decimalFormat = remembered((key) => {
  const [locale, decimals] = key.split('|');
  const digits = decimals === '' ? undefined : Number(decimals);
  return new Intl.NumberFormat(
    locale,
    digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits },
  );
});
const pluralRules = remembered((locale) => new Intl.PluralRules(locale));

/** `{{money total currency}}`: 59.8, "JPY" → "￥60" in ja, "$59.80" for USD in en-US. */
function money(...args: unknown[]): string {
  const { params, options } = split(args);
  const amount = toNumber(params[0]);
  if (amount === undefined) {
    return '';
  }
  const frame = frameOf(options);
  const currency = typeof params[1] === 'string' && /^[A-Z]{3}$/.test(params[1]) ? params[1] : frame.currency;
  return currencyFormat(`${frame.locale}|${currency}`).format(amount);
}

/** `{{number n}}`, with optional `decimals=2`. */
function number(...args: unknown[]): string {
  const { params, options } = split(args);
  const value = toNumber(params[0]);
  if (value === undefined) {
    return '';
  }
  const decimals = toNumber(hashOf(options).decimals);
  return decimalFormat(`${frameOf(options).locale}|${decimals ?? ''}`).format(value);
}

/** A Map: the preset name is the template author's string (`{{date d "constructor"}}`). */
const DATE_PRESETS: ReadonlyMap<string, Intl.DateTimeFormatOptions> = new Map([
  ['short', DateTime.DATE_SHORT],
  ['medium', DateTime.DATE_MED],
  ['long', DateTime.DATE_FULL],
  ['datetime', DateTime.DATETIME_MED],
  ['time', DateTime.TIME_SIMPLE],
]);

function toDateTime(value: unknown): DateTime | undefined {
  let dt: DateTime | undefined;
  if (value instanceof Date) {
    dt = DateTime.fromJSDate(value);
  } else if (typeof value === 'string') {
    dt = DateTime.fromISO(value, { setZone: true });
  } else if (typeof value === 'number') {
    dt = DateTime.fromMillis(value);
  }
  return dt?.isValid ? dt : undefined;
}

/**
 * `{{date placedAt}}` in the customer's zone and locale; a second argument picks a preset
 * (short, medium, long, datetime, time) or a luxon format such as "yyyy-MM-dd".
 */
function date(...args: unknown[]): string {
  const { params, options } = split(args);
  const dt = toDateTime(params[0]);
  if (!dt) {
    return '';
  }
  const frame = frameOf(options);
  const local = dt.setZone(frame.timeZone).setLocale(frame.locale);
  const format = typeof params[1] === 'string' ? params[1] : 'medium';
  const preset = DATE_PRESETS.get(format);
  return preset ? local.toLocaleString(preset) : local.toFormat(format);
}

/**
 * `{{plural count one="# item" other="# items"}}`: the form for the locale's plural category
 * (zero, one, two, few, many, other); `#` becomes the formatted count. `zero=` also catches 0
 * in languages without a zero category.
 */
function plural(...args: unknown[]): string {
  const { params, options } = split(args);
  const count = toNumber(params[0]) ?? 0;
  const hash = hashOf(options);
  const locale = frameOf(options).locale;
  const category = pluralRules(locale).select(count);
  const form =
    (count === 0 && typeof hash.zero === 'string' ? hash.zero : undefined) ??
    (Object.hasOwn(hash, category) ? hash[category] : undefined) ??
    hash.other;
  return typeof form === 'string' ? form.replace(/#/g, decimalFormat(`${locale}|`).format(count)) : '';
}

/** `{{default customer.firstName "there"}}`: the first argument that is not missing or blank. */
function fallback(...args: unknown[]): unknown {
  const { params } = split(args);
  return params.find((value) => !isMissing(value)) ?? '';
}

/** `{{#if (eq status "paid")}}`. */
function eq(...args: unknown[]): boolean {
  const { params } = split(args);
  return params[0] === params[1];
}

export const TEMPLATE_HELPERS: Record<string, (...args: unknown[]) => unknown> = {
  money,
  number,
  date,
  plural,
  default: fallback,
  eq,
};
