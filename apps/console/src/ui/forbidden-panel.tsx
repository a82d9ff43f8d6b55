import { useT } from '../i18n/i18n';
import type { MessageKey } from '../i18n/catalog';

/** What a page shows when the API refuses it for the signed-in role (403). */
export function ForbiddenPanel({ roles, role }: { roles: string[]; role: string }) {
  const t = useT();
  const name = (r: string) => t(`role.${r}` as MessageKey);
  return (
    <div role="alert" className="notice notice-warning">
      <h2>{t('forbidden.title')}</h2>
      <p>{t('forbidden.body', { roles: roles.map(name).join(' / '), role: name(role) })}</p>
    </div>
  );
}
