import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useLanguage } from '../i18n/i18n';
import { formatDay, formats } from './format';
import type { dailySeries } from './overview-figures';

const COLOURS = { sent: '#1f3a68', opens: '#1d7a8c', clicks: '#b5541c' };

/**
 * Emails sent (bars), unique opens and unique clicks (lines) per shop day. The chart is a
 * picture for sighted readers; the same figures are in the table below it, which screen
 * readers get.
 */
export function DailyChart({ points, currency }: { points: ReturnType<typeof dailySeries>; currency: string }) {
  const { t, language } = useLanguage();
  const f = formats(language, currency);
  return (
    <figure className="chart">
      <div className="chart-canvas" role="img" aria-label={t('overview.chartLabel')}>
        <ResponsiveContainer width="100%" height={260}>
          <ComposedChart data={points} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid stroke="#e3e7ee" vertical={false} />
            <XAxis
              dataKey="day"
              tickFormatter={(day: string) => formatDay(language, day, true)}
              tick={{ fill: '#4a5468', fontSize: 12 }}
              minTickGap={16}
            />
            <YAxis allowDecimals={false} tick={{ fill: '#4a5468', fontSize: 12 }} width={48} />
            <Tooltip
              labelFormatter={(day) => (typeof day === 'string' ? formatDay(language, day) : '')}
              formatter={(value) => f.count(Number(value))}
            />
            <Legend />
            <Bar
              dataKey="sent"
              name={t('overview.sent')}
              fill={COLOURS.sent}
              maxBarSize={28}
              isAnimationActive={false}
            />
            <Line
              dataKey="uniqueOpens"
              name={t('overview.uniqueOpens')}
              stroke={COLOURS.opens}
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
            <Line
              dataKey="uniqueClicks"
              name={t('overview.uniqueClicks')}
              stroke={COLOURS.clicks}
              strokeWidth={2}
              strokeDasharray="5 3"
              dot={false}
              isAnimationActive={false}
            />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <details className="chart-table">
        <summary>{t('analytics.showTable')}</summary>
        <table>
          <caption className="visually-hidden">{t('overview.chartTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('analytics.day')}</th>
              <th scope="col">{t('overview.created')}</th>
              <th scope="col">{t('overview.sent')}</th>
              <th scope="col">{t('overview.failed')}</th>
              <th scope="col">{t('overview.uniqueOpens')}</th>
              <th scope="col">{t('overview.uniqueClicks')}</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.day}>
                <th scope="row">{formatDay(language, p.day)}</th>
                <td>{f.count(p.created)}</td>
                <td>{f.count(p.sent)}</td>
                <td>{f.count(p.failed)}</td>
                <td>{f.count(p.uniqueOpens)}</td>
                <td>{f.count(p.uniqueClicks)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
