import { useId } from 'react';
import { useLanguage } from '../i18n/i18n';
import type { SendingHealth } from './use-sending';

type Bucket = SendingHealth['attempts']['buckets'][number];

const W = 720;
const H = 220;
const PAD = { left: 44, right: 48, top: 12, bottom: 28 };
const OUTCOMES = ['sent', 'deferred', 'failed', 'unknown'] as const;

/** A "nice" ceiling for an axis: 1, 2 or 5 times a power of ten. */
function niceCeiling(value: number): number {
  if (value <= 0) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((m) => m * power >= value) ?? 10) * power;
}

/**
 * Delivery attempts per hour, stacked by outcome, with the failure rate as a line on its own
 * axis (right). Drawn as plain SVG: one small chart does not need a chart library (decision
 * 0031). The figures are also in a table below it, for screen readers and exact values.
 */
export function AttemptsChart({ buckets, bucket }: { buckets: Bucket[]; bucket: 'hour' | 'day' }) {
  const { t, language } = useLanguage();
  const titleId = useId();
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const totals = buckets.map((b) => b.sent + b.deferred + b.failed + b.unknown);
  const yMax = niceCeiling(Math.max(...totals, 1));
  const rates = buckets.map((b) => b.failureRate.value);
  const rMax = Math.max(0.05, niceCeiling(Math.max(...rates.map((r) => r ?? 0)) * 100) / 100);
  const step = plotW / Math.max(buckets.length, 1);
  const barW = Math.max(2, step * 0.7);
  const y = (v: number) => PAD.top + plotH - (v / yMax) * plotH;
  const yRate = (r: number) => PAD.top + plotH - (Math.min(r, rMax) / rMax) * plotH;
  const label = new Intl.DateTimeFormat(
    language,
    bucket === 'hour' ? { hour: 'numeric' } : { month: 'numeric', day: 'numeric' },
  );
  const every = Math.ceil(buckets.length / 8);
  const line = buckets
    .map((b, i) => (b.failureRate.value === null ? null : [PAD.left + step * (i + 0.5), yRate(b.failureRate.value)]))
    .filter((p): p is number[] => p !== null)
    .map(([x, yy], i) => `${i === 0 ? 'M' : 'L'}${x!.toFixed(1)},${yy!.toFixed(1)}`)
    .join(' ');
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 });
  const number = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });

  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={titleId} className="chart-svg">
        <title id={titleId}>{t('sending.chartAlt', { buckets: buckets.length })}</title>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(yMax * f)} y2={y(yMax * f)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(yMax * f) + 4} textAnchor="end" className="chart-axis">
              {number.format(yMax * f)}
            </text>
            <text x={W - PAD.right + 6} y={yRate(rMax * f) + 4} className="chart-axis chart-axis-rate">
              {percent.format(rMax * f)}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          let top = 0;
          const x = PAD.left + step * i + (step - barW) / 2;
          return (
            <g key={b.start}>
              {OUTCOMES.map((o) => {
                const v = b[o];
                if (v === 0) {
                  return null;
                }
                const rect = (
                  <rect key={o} x={x} y={y(top + v)} width={barW} height={y(top) - y(top + v)} className={`bar-${o}`}>
                    <title>{`${label.format(new Date(b.start))} · ${t(`sending.outcome.${o}`)}: ${v}`}</title>
                  </rect>
                );
                top += v;
                return rect;
              })}
              {i % every === 0 && (
                <text x={x + barW / 2} y={H - 8} textAnchor="middle" className="chart-axis">
                  {label.format(new Date(b.start))}
                </text>
              )}
            </g>
          );
        })}
        {line && <path d={line} className="chart-rate" />}
        {buckets.map((b, i) =>
          b.failureRate.value === null ? null : (
            <circle
              key={b.start}
              cx={PAD.left + step * (i + 0.5)}
              cy={yRate(b.failureRate.value)}
              r={3.5}
              className="chart-rate-dot"
            />
          ),
        )}
      </svg>
      <figcaption className="chart-legend">
        {OUTCOMES.map((o) => (
          <span key={o}>
            <span className={`swatch bar-${o}`} aria-hidden="true" />
            {t(`sending.outcome.${o}`)}
          </span>
        ))}
        <span>
          <span className="swatch swatch-rate" aria-hidden="true" />
          {t('sending.failureRate')}
        </span>
      </figcaption>
    </figure>
  );
}
