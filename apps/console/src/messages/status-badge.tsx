import { useT } from '../i18n/i18n';
import type { MessageStatus } from './use-messages';

/** A message's status as a coloured word (the word carries it; the colour only helps). */
export function StatusBadge({ status }: { status: MessageStatus }) {
  const t = useT();
  return <span className={`status-badge status-${status}`}>{t(`messages.status.${status}`)}</span>;
}
