import type { ReactNode } from 'react';

/**
 * One figure of a dashboard: its name, its value, and what it is made of (numerator and
 * denominator, in words, beside the value rather than only on hover), then its trend.
 */
export function FigureTile({
  label,
  value,
  detail,
  trend,
  note,
}: {
  label: string;
  value: string;
  detail?: ReactNode;
  trend?: { text: string; direction: 'up' | 'down' | 'flat' | 'none' };
  note?: ReactNode;
}) {
  return (
    <li className="tile">
      <span className="tile-label">{label}</span>
      <span className="tile-value" title={typeof detail === 'string' ? detail : undefined}>
        {value}
      </span>
      {detail && <span className="tile-detail">{detail}</span>}
      {trend && <span className={`tile-trend trend-${trend.direction}`}>{trend.text}</span>}
      {note && <span className="tile-note">{note}</span>}
    </li>
  );
}
