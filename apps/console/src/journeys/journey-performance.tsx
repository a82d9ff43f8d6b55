import { FigureTile } from '../analytics/figure-tile';
import { formatDay, type Formats, type Ratio } from '../analytics/format';
import { OtherCurrencies } from '../analytics/other-currencies';
import type { PeriodFigures } from '../analytics/overview-figures';
import type { MessageRow } from '../analytics/use-analytics';
import { useLanguage, type Translate } from '../i18n/i18n';
import { Panel } from '../ui/page';
import type { LiftReport, SplitReport, SplitsReport } from './use-journey-analytics';
import '../analytics/analytics.css';

/**
 * What a journey earns (docs/analytics.md): its email figures over the period, its holdout lift
 * and its A/B tests. Every rate shows what it is made of; a lift shows its interval and p-value,
 * and nothing at all below the minimum sample (the report says how many entrants it still needs).
 */

type Estimate = NonNullable<LiftReport['absoluteLift']>;

/** A share as a signed change in percentage points: 0.2 → "+20.0 pts". */
function points(f: Formats, t: Translate, share: number): string {
  const value = Math.round(share * 1000) / 10;
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${t('overview.points', { points: f.tenths(Math.abs(value)) })}`;
}

/** A share as a signed percentage: 1 → "+100.0%". */
function signedPercent(f: Formats, share: number): string {
  const text = f.percent(Math.abs(share)) ?? '';
  return share > 0 ? `+${text}` : share < 0 ? `−${text}` : text;
}

/** p-values as they are usually written: three decimals, "< 0.001" below that. */
export function formatP(f: Formats, p: number): string {
  return p < 0.001 ? `< ${f.thousandths(0.001)}` : f.thousandths(p);
}

/** How the canvas shows a send step's opens and clicks: people (unique) or shares of those sent. */
export type StepFigureMode = 'counts' | 'rates';

/** The email figures of a send step on the canvas, three short lines: sent and opens, clicks and orders, revenue. */
export function stepEmailLines(row: MessageRow, f: Formats, t: Translate, mode: StepFigureMode): string[] {
  const show = (count: number, rate: Ratio) =>
    mode === 'counts' ? f.count(count) : (f.percent(rate.value) ?? t('analytics.noData'));
  return [
    t('perf.stepSent', { sent: f.count(row.sent), opened: show(row.uniqueOpens, row.openRate) }),
    t('perf.stepClicked', {
      clicked: show(row.uniqueClicks, row.clickRate),
      conversions: f.count(row.conversions),
    }),
    t('perf.stepRevenue', { revenue: f.money(row.attributedRevenue) }),
  ];
}

export function JourneyFigures({ figures, currency, f }: { figures: PeriodFigures; currency: string; f: Formats }) {
  const { t } = useLanguage();
  const pct = (r: Ratio) => f.percent(r.value) ?? t('analytics.noData');
  const ratioWords = (key: Parameters<Translate>[0], r: Ratio) =>
    t(key, { numerator: f.count(r.numerator), denominator: f.count(r.denominator) });
  return (
    <ul className="tiles">
      <FigureTile
        label={t('overview.sent')}
        value={f.count(figures.sent)}
        detail={t('overview.sentHint', { created: f.count(figures.created) })}
      />
      <FigureTile
        label={t('overview.openRate')}
        value={pct(figures.openRate)}
        detail={ratioWords('overview.openDenominator', figures.openRate)}
        note={t('overview.machineOpens', { count: f.count(figures.machineOpens) })}
      />
      <FigureTile
        label={t('overview.clickRate')}
        value={pct(figures.clickRate)}
        detail={ratioWords('overview.clickDenominator', figures.clickRate)}
        note={t('overview.scannerClicks', { count: f.count(figures.scannerClicks) })}
      />
      <FigureTile
        label={t('perf.conversionRate')}
        value={pct(figures.conversionRate)}
        detail={ratioWords('perf.conversionDenominator', figures.conversionRate)}
        note={t('perf.conversions', { count: f.count(figures.conversions) })}
      />
      <FigureTile
        label={t('overview.revenue')}
        value={f.money(figures.attributedRevenue)}
        detail={t('overview.revenueHint')}
        note={<OtherCurrencies items={figures.otherCurrencies} currency={currency} />}
      />
      <FigureTile
        label={t('perf.revenuePerRecipient')}
        value={
          figures.revenuePerRecipient.value === null
            ? t('analytics.noData')
            : f.money(figures.revenuePerRecipient.value)
        }
        detail={t('perf.revenuePerRecipientHint', {
          revenue: f.money(figures.attributedRevenue),
          sent: f.count(figures.sent),
        })}
      />
    </ul>
  );
}

/** An estimate with its interval: "+20.0 pts (95% CI +7.2 pts to +31.7 pts)". */
function EstimateCell({ estimate, write, level }: { estimate: Estimate; write: (v: number) => string; level: string }) {
  const { t } = useLanguage();
  return (
    <>
      <strong>{write(estimate.value)}</strong>{' '}
      <span className="hint">
        {t('perf.interval', { level, low: write(estimate.interval.low), high: write(estimate.interval.high) })}
      </span>
    </>
  );
}

export function LiftPanel({ report, confidence, f }: { report: LiftReport; confidence: number; f: Formats }) {
  const { t, language } = useLanguage();
  const level = f.percent(confidence)?.replace(/\.0%$/, '%') ?? '';
  const counted = report.countedThrough
    ? t('perf.countedThrough', {
        day: formatDay(language, report.countedThrough),
        inProgress: f.count(report.inProgress),
        window: report.goalWithin ?? '',
      })
    : t('perf.countedNone', { inProgress: f.count(report.inProgress), window: report.goalWithin ?? '' });
  return (
    <Panel title={t('perf.liftTitle')}>
      {report.status === 'no-holdout' && <p>{t('perf.noHoldout')}</p>}
      {report.status === 'no-goal' && <p>{t('perf.noGoal')}</p>}
      {(report.status === 'not-enough-data' || report.status === 'ready') && (
        <>
          <p className="hint">
            {t('perf.liftHint', { holdout: f.percent(report.holdout ?? 0) ?? '', window: report.goalWithin ?? '' })}{' '}
            {counted}
          </p>
          <GroupsTable
            caption={t('perf.groups')}
            rows={[
              { name: t('perf.treated'), group: report.treated },
              { name: t('perf.control'), group: report.control },
            ]}
            f={f}
          />
        </>
      )}
      {report.status === 'not-enough-data' && (
        <p className="notice notice-info" role="status">
          {t('perf.notEnough', { needed: f.count(report.moreEntrantsNeeded ?? 0) })}
        </p>
      )}
      {report.status === 'ready' && report.absoluteLift && report.pValue !== null && (
        <dl className="lift-figures">
          <div>
            <dt>{t('perf.absoluteLift')}</dt>
            <dd>
              <EstimateCell estimate={report.absoluteLift} write={(v) => points(f, t, v)} level={level} />
            </dd>
          </div>
          <div>
            <dt>{t('perf.relativeLift')}</dt>
            <dd>
              {report.relativeLift ? (
                <EstimateCell estimate={report.relativeLift} write={(v) => signedPercent(f, v)} level={level} />
              ) : (
                <span className="hint">{t('perf.relativeNone')}</span>
              )}
            </dd>
          </div>
          <div>
            <dt>{t('perf.pValue')}</dt>
            <dd>
              <strong>{formatP(f, report.pValue)}</strong>{' '}
              <span className={report.significant ? 'verdict verdict-yes' : 'verdict verdict-no'}>
                {report.significant ? t('perf.significant', { level }) : t('perf.notSignificant', { level })}
              </span>
            </dd>
          </div>
          {report.incrementalConversions && (
            <div>
              <dt>{t('perf.incrementalConversions')}</dt>
              <dd>
                <EstimateCell estimate={report.incrementalConversions} write={(v) => f.tenths(v)} level={level} />
              </dd>
            </div>
          )}
          {report.incrementalRevenue && (
            <div>
              <dt>{t('perf.incrementalRevenue')}</dt>
              <dd>
                <EstimateCell estimate={report.incrementalRevenue} write={(v) => f.money(v)} level={level} />
              </dd>
            </div>
          )}
          {report.entriesPerCustomer !== null && (
            <div>
              <dt>{t('perf.entriesPerCustomer')}</dt>
              <dd>{f.decimal(report.entriesPerCustomer)}</dd>
            </div>
          )}
        </dl>
      )}
    </Panel>
  );
}

interface GroupFigures {
  entrants: number;
  converted: number;
  rate: Ratio;
  revenue: number;
}

interface GroupRow {
  name: string;
  group: GroupFigures;
}

/** The columns every group of a test has (holdout groups, split paths): headers, then cells. */
function GroupFigureHeaders() {
  const { t } = useLanguage();
  return (
    <>
      {(['perf.col.entrants', 'perf.col.converted', 'perf.col.rate', 'perf.col.revenue'] as const).map((key) => (
        <th key={key} scope="col" className="num">
          {t(key)}
        </th>
      ))}
    </>
  );
}

function GroupFigureCells({ group, f }: { group: GroupFigures; f: Formats }) {
  const { t } = useLanguage();
  return (
    <>
      <td className="num">{f.count(group.entrants)}</td>
      <td className="num">{f.count(group.converted)}</td>
      <td className="num">{f.percent(group.rate.value) ?? t('analytics.noData')}</td>
      <td className="num">{f.money(group.revenue)}</td>
    </>
  );
}

function GroupsTable({ caption, rows, f }: { caption: string; rows: GroupRow[]; f: Formats }) {
  const { t } = useLanguage();
  return (
    <table className="groups-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('perf.col.group')}</th>
          <GroupFigureHeaders />
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name}>
            <th scope="row">{r.name}</th>
            <GroupFigureCells group={r.group} f={f} />
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function verdictText(split: SplitReport, f: Formats, t: Translate, language: Parameters<typeof formatDay>[0]) {
  if (split.declaredAt) {
    const day = formatDay(language, split.declaredAt.slice(0, 10));
    return split.winner ? t('perf.winner', { path: split.winner, day }) : t('perf.noWinner', { day });
  }
  if (split.status === 'no-goal') {
    return t('perf.noGoal');
  }
  if (split.status === 'not-enough-data') {
    return t('perf.notEnough', { needed: f.count(split.moreEntrantsNeeded ?? 0) });
  }
  return t('perf.verdictPending');
}

export function SplitsPanel({ report, f }: { report: SplitsReport; f: Formats }) {
  const { t, language } = useLanguage();
  if (report.splits.length === 0) {
    return null;
  }
  return (
    <Panel title={t('perf.splitsTitle')}>
      <p className="hint">{t('perf.splitsHint')}</p>
      {report.splits.map((split) => {
        const level = f.percent(split.confidence)?.replace(/\.0%$/, '%') ?? '';
        return (
          <section key={split.stepId} className="split-report" aria-label={t('perf.split', { step: split.stepId })}>
            <h3>{t('perf.split', { step: split.stepId })}</h3>
            <p className={split.winner ? 'notice notice-success' : 'notice notice-info'} role="status">
              {verdictText(split, f, t, language)}
              {split.autoWinner && ` ${t('perf.autoWinner')}`}
            </p>
            <div className="table-scroll">
              <table className="groups-table">
                <caption className="visually-hidden">{t('perf.split', { step: split.stepId })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('perf.col.path')}</th>
                    <GroupFigureHeaders />
                    <th scope="col" className="num">
                      {t('perf.col.sent')}
                    </th>
                    <th scope="col" className="num">
                      {t('perf.col.clicks')}
                    </th>
                    <th scope="col">{t('perf.col.vsControl', { level })}</th>
                    <th scope="col" className="num">
                      {t('perf.col.p')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {split.paths.map((p, i) => (
                    <tr key={p.path}>
                      <th scope="row">
                        {p.path}
                        {i === 0 && <span className="hint"> {t('perf.controlPath')}</span>}
                      </th>
                      <GroupFigureCells group={p} f={f} />
                      <td className="num">{f.count(p.sent)}</td>
                      <td className="num">{f.count(p.uniqueClicks)}</td>
                      <td>
                        {p.vsControl ? (
                          <EstimateCell
                            estimate={p.vsControl.absoluteLift}
                            write={(v) => points(f, t, v)}
                            level={level}
                          />
                        ) : (
                          <span className="hint">—</span>
                        )}
                      </td>
                      <td className="num">{p.vsControl ? formatP(f, p.vsControl.pValue) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        );
      })}
    </Panel>
  );
}
