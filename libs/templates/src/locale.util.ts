import { remembered } from './remembered.util';

/**
 * The variant for a customer's locale: exact match (ja-JP), then the language (ja), then
 * another variant of that language (en-GB for en-US), then the template's default locale.
 * Case and `_`/`-` do not matter.
 */
export function chooseLocale(available: string[], wanted: string | null | undefined, fallback: string): string {
  const norm = (l: string) => l.replace(/_/g, '-').toLowerCase();
  if (wanted) {
    const w = norm(wanted);
    const language = w.split('-')[0]!;
    const exact = available.find((l) => norm(l) === w);
    const byLanguage =
      available.find((l) => norm(l) === language) ?? available.find((l) => norm(l).split('-')[0] === language);
    const found = exact ?? byLanguage;
    if (found) {
      return found;
    }
  }
  return available.find((l) => norm(l) === norm(fallback)) ?? available[0] ?? fallback;
}

/** The canonical form of a locale, or undefined when Intl does not accept it. */
const canonicalLocale = remembered((locale): string | undefined => {
  try {
    return Intl.getCanonicalLocales(locale.replace(/_/g, '-'))[0];
  } catch {
    return undefined;
  }
});

/** A locale Intl accepts, else the fallback: a profile's locale is customer data. */
export function intlLocale(locale: string | null | undefined, fallback: string): string {
  return (locale && canonicalLocale(locale)) || fallback;
}

const knownTimeZone = remembered((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
});

/** An IANA zone luxon/Intl accepts, else UTC. */
export function validTimeZone(zone: string | null | undefined): string {
  return zone && knownTimeZone(zone) ? zone : 'UTC';
}
