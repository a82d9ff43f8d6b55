import { useState } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useLanguage } from '../i18n/i18n';
import { ErrorNotice } from '../ui/error-notice';
import { formatMonth, formats } from './format';
import type { NpsGroup, NpsReport } from './reports';
import type { Period } from './period';
import { useNpsComments } from './use-analytics';

const GROUPS: Array<{ group: NpsGroup; label: 'shop.promoters' | 'shop.passives' | 'shop.detractors' }> = [
  { group: 'promoter', label: 'shop.promoters' },
  { group: 'passive', label: 'shop.passives' },
  { group: 'detractor', label: 'shop.detractors' },
];

/** NPS over the period with its three counts, the monthly trend (chart and table), and comments per group. */
export function NpsPanel({ report, period }: { report: NpsReport; period: Period }) {
  const { t, language } = useLanguage();
  const f = formats(language, 'USD');
  const share = (n: number) =>
    f.percent(report.respondents === 0 ? null : n / report.respondents) ?? t('analytics.noData');
  const score = (s: number | null) => (s === null ? t('analytics.noData') : f.decimal(Math.round(s * 10) / 10));
  return (
    <>
      <div className="nps-summary">
        <div>
          <span className="tile-label">{t('shop.npsScore')}</span>
          <p className="nps-score">{score(report.score)}</p>
          <p className="hint">{t('shop.npsCounts', { respondents: f.count(report.respondents) })}</p>
        </div>
        <dl className="nps-groups">
          <div className="nps-promoters">
            <dt>{t('shop.promoters')}</dt>
            <dd>
              {f.count(report.promoters)} <span className="tile-note">({share(report.promoters)})</span>
            </dd>
          </div>
          <div className="nps-passives">
            <dt>{t('shop.passives')}</dt>
            <dd>
              {f.count(report.passives)} <span className="tile-note">({share(report.passives)})</span>
            </dd>
          </div>
          <div className="nps-detractors">
            <dt>{t('shop.detractors')}</dt>
            <dd>
              {f.count(report.detractors)} <span className="tile-note">({share(report.detractors)})</span>
            </dd>
          </div>
        </dl>
      </div>
      <h3>{t('shop.npsTrend')}</h3>
      <figure className="chart">
        <div className="chart-canvas" role="img" aria-label={t('shop.npsTrendLabel')}>
          <ResponsiveContainer width="100%" height={220}>
            <LineChart
              data={report.trend.map((m) => ({ month: m.month, score: m.score }))}
              margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
              accessibilityLayer={false}
            >
              <CartesianGrid stroke="#e3e7ee" vertical={false} />
              <XAxis
                dataKey="month"
                tickFormatter={(m: string) => formatMonth(language, m)}
                tick={{ fill: '#4a5468', fontSize: 12 }}
              />
              <YAxis
                domain={[-100, 100]}
                ticks={[-100, -50, 0, 50, 100]}
                tick={{ fill: '#4a5468', fontSize: 12 }}
                width={44}
              />
              <ReferenceLine y={0} stroke="#8a93a5" />
              <Tooltip labelFormatter={(m) => (typeof m === 'string' ? formatMonth(language, m) : '')} />
              <Line
                dataKey="score"
                name={t('shop.npsScore')}
                stroke="#1f3a68"
                strokeWidth={2}
                connectNulls={false}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
        <details className="chart-table">
          <summary>{t('analytics.showTable')}</summary>
          <table>
            <caption className="visually-hidden">{t('shop.npsTrend')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('analytics.month')}</th>
                <th scope="col">{t('shop.npsScore')}</th>
                <th scope="col">{t('shop.promoters')}</th>
                <th scope="col">{t('shop.passives')}</th>
                <th scope="col">{t('shop.detractors')}</th>
                <th scope="col">{t('shop.respondents')}</th>
              </tr>
            </thead>
            <tbody>
              {report.trend.map((m) => (
                <tr key={m.month}>
                  <th scope="row">{formatMonth(language, m.month)}</th>
                  <td>{score(m.score)}</td>
                  <td>{f.count(m.promoters)}</td>
                  <td>{f.count(m.passives)}</td>
                  <td>{f.count(m.detractors)}</td>
                  <td>{f.count(m.respondents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figure>
      <Comments period={period} />
    </>
  );
}

function Comments({ period }: { period: Period }) {
  const { t, formatTime } = useLanguage();
  const [group, setGroup] = useState<NpsGroup>('detractor');
  const comments = useNpsComments(period, group);
  const all = comments.data?.pages.flatMap((p) => p.comments) ?? [];
  return (
    <section aria-label={t('shop.comments')}>
      <h3>{t('shop.comments')}</h3>
      <div className="segmented" role="group" aria-label={t('shop.commentsGroup')}>
        {GROUPS.map((g) => (
          <button
            key={g.group}
            type="button"
            className="segment"
            aria-pressed={group === g.group}
            onClick={() => setGroup(g.group)}
          >
            {t(g.label)}
          </button>
        ))}
      </div>
      <ErrorNotice error={comments.error} />
      {comments.isPending && <p>{t('common.loading')}</p>}
      {comments.data && all.length === 0 && <p>{t('shop.noComments')}</p>}
      {all.length > 0 && (
        <ul className="comments">
          {all.map((c) => (
            <li key={`${c.customerId ?? ''}-${c.answeredAt}`}>
              <blockquote>{c.comment}</blockquote>
              <span className="comment-meta">
                {t('shop.score', { score: c.score })} · {c.email ?? c.customerId ?? t('shop.anonymous')} ·{' '}
                {formatTime(c.answeredAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {comments.hasNextPage && (
        <button
          type="button"
          className="button"
          disabled={comments.isFetchingNextPage}
          onClick={() => void comments.fetchNextPage()}
        >
          {t('shop.more')}
        </button>
      )}
    </section>
  );
}
