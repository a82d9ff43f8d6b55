import { useId, useState } from 'react';
import { useLanguage } from '../i18n/i18n';
import { formatMonth, formats } from './format';
import { heatColour } from './heat';
import type { CohortsReport } from './reports';

const OFFSETS = Array.from({ length: 13 }, (_, i) => i);

/**
 * Retention by cohort (docs/analytics.md, "Retention cohorts"): a heat table of shares, each
 * cell with its value in text; or cumulative revenue per cohort customer. Running months are
 * marked *, months in which a journey was published ◆ (with the journeys' names).
 */
export function CohortTable({ report }: { report: CohortsReport }) {
  const { t, language } = useLanguage();
  const f = formats(language, report.currency);
  const [view, setView] = useState<'retention' | 'revenue'>('retention');
  const id = useId();
  const launches = new Map<string, string[]>();
  for (const l of report.launches) {
    launches.set(l.month, [...(launches.get(l.month) ?? []), l.name]);
  }
  if (report.cohorts.length === 0) {
    return <p>{t('shop.noCohorts')}</p>;
  }
  return (
    <>
      <p className="hint">{t('shop.cohortsIntro')}</p>
      <div className="segmented" role="group" aria-label={t('shop.cohortView')}>
        <button
          type="button"
          className="segment"
          aria-pressed={view === 'retention'}
          onClick={() => setView('retention')}
        >
          {t('shop.cohortRetention')}
        </button>
        <button type="button" className="segment" aria-pressed={view === 'revenue'} onClick={() => setView('revenue')}>
          {t('shop.cohortRevenue')}
        </button>
      </div>
      <div className="cohort-scroll" tabIndex={0} role="region" aria-labelledby={`${id}-caption`}>
        <table className="cohort-table">
          <caption id={`${id}-caption`} className="visually-hidden">
            {view === 'retention' ? t('shop.cohortRetention') : t('shop.cohortRevenue')}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t('shop.cohort')}</th>
              <th scope="col">{t('shop.customers')}</th>
              {OFFSETS.map((o) => (
                <th scope="col" key={o}>
                  {t('shop.monthOffset', { offset: o })}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {report.cohorts.map((c) => {
              const launched = launches.get(c.month);
              const byOffset = new Map(c.retention.map((r) => [r.offset, r]));
              return (
                <tr key={c.month}>
                  <th scope="row">
                    {formatMonth(language, c.month)}
                    {launched && (
                      <span className="launch-mark" title={t('shop.launch', { names: launched.join(', ') })}>
                        <span aria-hidden="true">◆</span>
                        <span className="visually-hidden">{t('shop.launch', { names: launched.join(', ') })}</span>
                      </span>
                    )}
                  </th>
                  <td>{f.count(c.customers)}</td>
                  {OFFSETS.map((o) => {
                    const cell = byOffset.get(o);
                    if (
                      !cell ||
                      (view === 'retention' ? cell.share.value === null : cell.cumulativeRevenuePerCustomer === null)
                    ) {
                      return (
                        <td key={o} className="cell-empty">
                          <span aria-hidden="true">·</span>
                          <span className="visually-hidden">{t('analytics.noData')}</span>
                        </td>
                      );
                    }
                    const partial = cell.partial ? (
                      <>
                        <span aria-hidden="true">*</span>
                        <span className="visually-hidden">{` (${t('shop.partial')})`}</span>
                      </>
                    ) : null;
                    if (view === 'revenue') {
                      return (
                        <td key={o} className={cell.partial ? 'cell-partial' : undefined}>
                          {f.money(cell.cumulativeRevenuePerCustomer!)}
                          {partial}
                        </td>
                      );
                    }
                    const share = cell.share.value!;
                    const words = t('shop.cohortCell', {
                      share: f.percent(share) ?? '',
                      buyers: f.count(cell.buyers),
                      customers: f.count(cell.share.denominator),
                    });
                    return (
                      <td
                        key={o}
                        className={cell.partial ? 'cell-partial' : undefined}
                        style={heatColour(share)}
                        title={words}
                      >
                        {f.percent(share)}
                        {partial}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {view === 'retention' && (
        <p className="scale" aria-hidden="true">
          <span>{t('shop.scale')}</span>
          <span>{f.percent(0)}</span>
          <span className="scale-bar" />
          <span>{f.percent(1)}</span>
        </p>
      )}
      <p className="hint small-print">
        {t('shop.partialNote')} {t('shop.launchNote')}
      </p>
    </>
  );
}
