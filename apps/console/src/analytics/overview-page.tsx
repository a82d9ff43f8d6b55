import { Link } from 'react-router';
import { useLanguage } from '../i18n/i18n';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { DailyChart } from './daily-chart';
import { FigureTile } from './figure-tile';
import { formats, type Formats, type Ratio } from './format';
import { OtherCurrencies } from './other-currencies';
import { dailySeries, FAILING_SHARE, sumPeriod, type PeriodFigures } from './overview-figures';
import { daysBetween, previousPeriod } from './period';
import { PeriodPicker, PeriodShown } from './period-picker';
import { useAnalyticsSettings, useOverview, type JourneySummary, type MessageRow } from './use-analytics';
import { usePeriod } from './use-period';
import type { Translate } from '../i18n/i18n';
import './analytics.css';

const ROLES = ['marketer', 'ops', 'admin'];

/** Marketers, ops and admins: the period's email figures with trends, and the journeys to look at. */
export function OverviewPage() {
  const { t, language } = useLanguage();
  const settings = useAnalyticsSettings();
  const timeZone = settings.data?.timeZone;
  const { preset, period, choosePreset, chooseCustom } = usePeriod(timeZone);
  const previous = period ? previousPeriod(period) : null;
  const span = period && previous ? { from: previous.from, to: period.to } : null;
  const { daily, byJourney, journeys } = useOverview(span, period);
  const error = settings.error ?? daily.error ?? byJourney.error ?? journeys.error;
  const currency = daily.data?.currency ?? settings.data?.currency ?? 'USD';
  const f = formats(language, currency);

  return (
    <Page title={t('overview.title')}>
      <RoleGate error={error} roles={ROLES}>
        <ErrorNotice error={error} />
        {period && (
          <div className="analytics-toolbar">
            <PeriodPicker preset={preset} custom={period} onPreset={choosePreset} onCustom={chooseCustom} />
            <PeriodShown period={period} timeZone={timeZone} />
          </div>
        )}
        {(!period || daily.isPending) && !error && <p>{t('overview.loadingFigures')}</p>}
        {period && previous && daily.data && (
          <Tiles
            current={sumPeriod(daily.data.rows, period)}
            before={sumPeriod(daily.data.rows, previous)}
            days={daysBetween(period.from, period.to)}
            currency={currency}
            f={f}
            t={t}
          />
        )}
        {period && daily.data && (
          <Panel title={t('overview.chartTitle')}>
            <DailyChart points={dailySeries(daily.data.rows, period)} currency={currency} />
          </Panel>
        )}
        {period && journeys.data && byJourney.data && (
          <Attention journeys={journeys.data.journeys} rows={byJourney.data.rows} f={f} t={t} />
        )}
      </RoleGate>
    </Page>
  );
}

function Tiles({
  current,
  before,
  days,
  currency,
  f,
  t,
}: {
  current: PeriodFigures;
  before: PeriodFigures;
  days: number;
  currency: string;
  f: Formats;
  t: Translate;
}) {
  const pct = (r: Ratio) => f.percent(r.value) ?? t('analytics.noData');
  /** Counts and money: relative change; nothing to compare with when the previous period had none. */
  const countTrend = (now: number, then: number) => {
    if (then === 0) {
      return { text: t('overview.trendNone', { days }), direction: 'none' as const };
    }
    const change = (now - then) / then;
    if (change === 0) {
      return { text: t('overview.trendSame', { days }), direction: 'flat' as const };
    }
    const text = f.percent(Math.abs(change)) ?? '';
    return change > 0
      ? { text: t('overview.trendUp', { change: text, days }), direction: 'up' as const }
      : { text: t('overview.trendDown', { change: text, days }), direction: 'down' as const };
  };
  /** Rates: the difference in percentage points; none when either period has no denominator. */
  const rateTrend = (now: Ratio, then: Ratio) => {
    if (now.value === null || then.value === null) {
      return { text: t('overview.trendNone', { days }), direction: 'none' as const };
    }
    const points = (now.value - then.value) * 100;
    if (Math.abs(points) < 0.05) {
      return { text: t('overview.trendSame', { days }), direction: 'flat' as const };
    }
    const change = t('overview.points', { points: f.decimal(Math.round(Math.abs(points) * 10) / 10) });
    return points > 0
      ? { text: t('overview.trendUp', { change, days }), direction: 'up' as const }
      : { text: t('overview.trendDown', { change, days }), direction: 'down' as const };
  };
  const ratioWords = (key: Parameters<Translate>[0], r: Ratio) =>
    t(key, { numerator: f.count(r.numerator), denominator: f.count(r.denominator) });

  return (
    <section aria-label={t('overview.tiles')}>
      <ul className="tiles">
        <FigureTile
          label={t('overview.revenue')}
          value={f.money(current.attributedRevenue)}
          detail={t('overview.revenueHint')}
          trend={countTrend(current.attributedRevenue, before.attributedRevenue)}
          note={<OtherCurrencies items={current.otherCurrencies} currency={currency} />}
        />
        <FigureTile
          label={t('overview.conversions')}
          value={f.count(current.conversions)}
          detail={t('overview.conversionsHint')}
          trend={countTrend(current.conversions, before.conversions)}
        />
        <FigureTile
          label={t('overview.sent')}
          value={f.count(current.sent)}
          detail={t('overview.sentHint', { created: f.count(current.created) })}
          trend={countTrend(current.sent, before.sent)}
        />
        <FigureTile
          label={t('overview.openRate')}
          value={pct(current.openRate)}
          detail={ratioWords('overview.openDenominator', current.openRate)}
          trend={rateTrend(current.openRate, before.openRate)}
          note={t('overview.machineOpens', { count: f.count(current.machineOpens) })}
        />
        <FigureTile
          label={t('overview.clickRate')}
          value={pct(current.clickRate)}
          detail={ratioWords('overview.clickDenominator', current.clickRate)}
          trend={rateTrend(current.clickRate, before.clickRate)}
          note={t('overview.scannerClicks', { count: f.count(current.scannerClicks) })}
        />
        <FigureTile
          label={t('overview.unsubscribeRate')}
          value={pct(current.unsubscribeRate)}
          detail={ratioWords('overview.unsubscribeDenominator', current.unsubscribeRate)}
          trend={rateTrend(current.unsubscribeRate, before.unsubscribeRate)}
        />
        <FigureTile
          label={t('overview.bounceRate')}
          value={pct(current.bounceRate)}
          detail={ratioWords('overview.bounceDenominator', current.bounceRate)}
          trend={rateTrend(current.bounceRate, before.bounceRate)}
        />
      </ul>
      <p className="hint small-print">{t('overview.machineNote')}</p>
    </section>
  );
}

/** Paused journeys, and journeys whose messages of the period failed too often. */
function Attention({
  journeys,
  rows,
  f,
  t,
}: {
  journeys: readonly JourneySummary[];
  rows: readonly MessageRow[];
  f: Formats;
  t: Translate;
}) {
  const failing = new Map(
    rows
      .filter((r) => r.journeyId && r.created > 0 && r.failed > 0 && r.failed / r.created >= FAILING_SHARE)
      .map((r) => [r.journeyId!, r]),
  );
  const listed = journeys.filter((j) => j.status === 'paused' || failing.has(j.journeyId));
  return (
    <Panel title={t('overview.attention')}>
      <p className="hint">{t('overview.attentionRule', { percent: f.percent(FAILING_SHARE) ?? '' })}</p>
      {listed.length === 0 ? (
        <p>{t('overview.attentionNone')}</p>
      ) : (
        <table className="attention-table">
          <thead>
            <tr>
              <th scope="col">{t('overview.journey')}</th>
              <th scope="col">{t('overview.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {listed.map((j) => {
              const row = failing.get(j.journeyId);
              return (
                <tr key={j.journeyId}>
                  <th scope="row" className="name-cell">
                    <Link to={`/journeys/${j.journeyId}`} title={j.name}>
                      {j.name}
                    </Link>
                  </th>
                  <td>
                    <ul className="reasons">
                      {j.status === 'paused' && (
                        <li>
                          <span className="badge badge-warn">{t('overview.paused')}</span>
                        </li>
                      )}
                      {row && (
                        <li>
                          <span className="badge badge-danger">
                            {t('overview.failing', {
                              percent: f.percent(row.failed / row.created) ?? '',
                              failed: f.count(row.failed),
                              created: f.count(row.created),
                            })}
                          </span>
                        </li>
                      )}
                    </ul>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
