import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useT } from '../i18n/i18n';
import { ErrorNotice } from '../ui/error-notice';
import { useSession } from './use-session';

/** Pages behind sign-in: nobody signed in goes to the sign-in page, and comes back after (filters in the query too). */
export function RequireSession({ children }: { children: ReactNode }) {
  const t = useT();
  const session = useSession();
  const location = useLocation();
  if (session.isPending) {
    return <p className="loading">{t('common.loading')}</p>;
  }
  if (session.error) {
    return <ErrorNotice error={session.error} />;
  }
  if (!session.data) {
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  }
  return children;
}
