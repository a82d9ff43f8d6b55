import { useT } from '../i18n/i18n';

export const STATUSES = ['draft', 'active', 'paused', 'archived'] as const;
export type JourneyStatus = (typeof STATUSES)[number];

/** A journey's lifecycle state as a coloured label ("active" reads "Published"). */
export function StatusBadge({ status }: { status: JourneyStatus }) {
  const t = useT();
  return <span className={`badge badge-${status}`}>{t(`journeys.status.${status}`)}</span>;
}
