import { useId, useState } from 'react';
import { useLanguage, type Translate } from '../i18n/i18n';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { CohortTable } from './cohort-table';
import { FigureTile } from './figure-tile';
import { formatDay, formats, type Formats, type Ratio } from './format';
import { NpsPanel } from './nps-panel';
import { OtherCurrencies } from './other-currencies';
import type { KpisReport } from './reports';
import { addMonths, isShopDay } from './period';
import { PeriodPicker, PeriodShown } from './period-picker';
import { useAnalyticsSettings, useCohorts, useKpis, useNps } from './use-analytics';
import { usePeriod } from './use-period';
import './analytics.css';

const ROLES = ['marketer', 'ops', 'admin'];

/** Marketers, ops and admins: the shop's KPIs as of a day, retention cohorts, and NPS. */
export function ShopAnalyticsPage() {
  const { t, language } = useLanguage();
  const settings = useAnalyticsSettings();
  const timeZone = settings.data?.timeZone;
  const { today, preset, period, choosePreset, chooseCustom } = usePeriod(timeZone);
  const [asOfInput, setAsOfInput] = useState<string | null>(null);
  const asOf = asOfInput && isShopDay(asOfInput) ? asOfInput : (period?.to ?? null);
  const thisMonth = today ? today.slice(0, 7) : null;
  const kpis = useKpis(asOf, period);
  const cohorts = useCohorts(thisMonth ? { from: addMonths(thisMonth, -11), to: thisMonth } : null);
  const nps = useNps(period);
  const id = useId();
  const error = settings.error ?? kpis.error ?? cohorts.error ?? nps.error;
  const currency = kpis.data?.currency ?? settings.data?.currency ?? 'USD';

  return (
    <Page title={t('shop.title')}>
      <RoleGate error={error} roles={ROLES}>
        {period && (
          <div className="analytics-toolbar">
            <PeriodPicker preset={preset} custom={period} onPreset={choosePreset} onCustom={chooseCustom} />
            <div className="field">
              <label htmlFor={`${id}-asof`}>{t('shop.asOf')}</label>
              <input
                id={`${id}-asof`}
                type="date"
                value={asOf ?? ''}
                onChange={(e) => setAsOfInput(e.target.value || null)}
              />
            </div>
          </div>
        )}
        {period && <PeriodShown period={period} timeZone={timeZone} />}
        <Panel title={t('shop.kpis')}>
          <ErrorNotice error={kpis.error} />
          {kpis.isPending && !kpis.error && <p>{t('common.loading')}</p>}
          {kpis.data && <Kpis report={kpis.data} f={formats(language, currency)} t={t} language={language} />}
        </Panel>
        <Panel title={t('shop.cohorts')}>
          <ErrorNotice error={cohorts.error} />
          {cohorts.isPending && !cohorts.error && <p>{t('common.loading')}</p>}
          {cohorts.data && <CohortTable report={cohorts.data} />}
        </Panel>
        <Panel title={t('shop.nps')}>
          <ErrorNotice error={nps.error} />
          {nps.isPending && !nps.error && <p>{t('common.loading')}</p>}
          {nps.data && period && <NpsPanel report={nps.data} period={period} />}
        </Panel>
      </RoleGate>
    </Page>
  );
}

function Kpis({ report, f, t, language }: { report: KpisReport; f: Formats; t: Translate; language: 'en' | 'ja' }) {
  const pct = (r: Ratio) => f.percent(r.value) ?? t('analytics.noData');
  const { period: p, trailingYear: y, churn, clv } = report;
  const clvDetail =
    clv.value === null
      ? t('shop.clvUnknown')
      : t('shop.clvParts', {
          aov: clv.aov === null ? t('analytics.noData') : f.money(clv.aov),
          frequency: clv.yearlyFrequency === null ? t('analytics.noData') : f.decimal(clv.yearlyFrequency),
          lifespan: clv.lifespanYears === null ? t('analytics.noData') : f.decimal(clv.lifespanYears),
        });
  return (
    <>
      <div className="kpi-group">
        <h3>{t('shop.periodGroup')}</h3>
        <ul className="tiles">
          <FigureTile label={t('shop.buyers')} value={f.count(p.buyers)} />
          <FigureTile label={t('shop.orders')} value={f.count(p.orders)} />
          <FigureTile
            label={t('shop.revenue')}
            value={f.money(p.revenue)}
            detail={t('shop.revenueHint')}
            note={<OtherCurrencies items={p.otherCurrencies} currency={report.currency} />}
          />
          <FigureTile
            label={t('shop.aov')}
            value={p.aov.value === null ? t('analytics.noData') : f.money(p.aov.value)}
            detail={t('shop.aovHint', { revenue: f.money(p.aov.numerator), orders: f.count(p.aov.denominator) })}
          />
        </ul>
      </div>
      <div className="kpi-group">
        <h3>{t('shop.yearGroup', { asOf: formatDay(language, report.asOf) })}</h3>
        <ul className="tiles">
          <FigureTile
            label={t('shop.frequency')}
            value={y.purchaseFrequency.value === null ? t('analytics.noData') : f.decimal(y.purchaseFrequency.value)}
            detail={t('shop.frequencyHint', {
              orders: f.count(y.purchaseFrequency.numerator),
              buyers: f.count(y.purchaseFrequency.denominator),
            })}
          />
          <FigureTile
            label={t('shop.repeatRate')}
            value={pct(y.repeatPurchaseRate)}
            detail={t('shop.repeatHint', {
              numerator: f.count(y.repeatPurchaseRate.numerator),
              denominator: f.count(y.repeatPurchaseRate.denominator),
            })}
          />
          <FigureTile
            label={t('shop.churn', { days: report.churnDays })}
            value={pct(churn.rate)}
            detail={t('shop.churnHint', {
              lapsed: f.count(churn.lapsed),
              previous: f.count(churn.previousBuyers),
              days: report.churnDays,
            })}
          />
          <FigureTile
            label={t('shop.yearlyChurn')}
            value={pct(report.yearlyChurn)}
            detail={t('shop.yearlyChurnHint', {
              numerator: f.count(report.yearlyChurn.numerator),
              denominator: f.count(report.yearlyChurn.denominator),
            })}
          />
          <FigureTile
            label={t('shop.clv')}
            value={clv.value === null ? t('analytics.noData') : f.money(clv.value)}
            detail={clvDetail}
            note={clv.capped ? t('shop.clvCapped') : undefined}
          />
        </ul>
      </div>
    </>
  );
}
