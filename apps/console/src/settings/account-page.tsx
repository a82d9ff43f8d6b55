import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useT } from '../i18n/i18n';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { useSession, useSignOutEverywhere } from '../session/use-session';

export function AccountPage() {
  const t = useT();
  const session = useSession().data;
  const everywhere = useSignOutEverywhere();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  if (!session) {
    return null;
  }
  return (
    <Page title={t('settings.account')}>
      <dl className="facts">
        <dt>{t('account.email')}</dt>
        <dd>{session.user.email}</dd>
        <dt>{t('account.role')}</dt>
        <dd>{t(`role.${session.user.role}`)}</dd>
      </dl>
      <Panel title={t('account.everywhereTitle')}>
        <p>{t('account.everywhereBody')}</p>
        <ErrorNotice error={everywhere.error} />
        <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>
          {t('account.everywhereButton')}
        </button>
      </Panel>
      <ConfirmDialog
        open={confirming}
        title={t('account.everywhereConfirm')}
        confirmLabel={t('account.everywhereButton')}
        danger
        busy={everywhere.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => everywhere.mutate(undefined, { onSuccess: () => void navigate('/sign-in') })}
      />
    </Page>
  );
}
