import { useLanguage } from '../i18n/i18n';
import { formats } from './format';

/** Money in other currencies than the shop's: listed apart, never converted or added in (docs/analytics.md). */
export function OtherCurrencies({
  items,
  currency,
}: {
  items: ReadonlyArray<{ currency: string; orders: number; revenue: number }> | undefined;
  currency: string;
}) {
  const { t, language } = useLanguage();
  if (!items || items.length === 0) {
    return null;
  }
  const f = formats(language, currency);
  const list = items
    .map((c) => t('analytics.otherCurrency', { amount: f.moneyIn(c.revenue, c.currency), orders: f.count(c.orders) }))
    .join(', ');
  return <span className="tile-note">{t('analytics.otherCurrencies', { list })}</span>;
}
