import { NavLink, Outlet, useNavigate } from 'react-router';
import { useT } from '../i18n/i18n';
import { LanguageSwitch } from '../ui/language-switch';
import { ErrorNotice } from '../ui/error-notice';
import { useSession, useSignOut } from '../session/use-session';
import { SCREENS } from './screens';

/** Every signed-in page: the top navigation, the language switch, who you are, sign out. */
export function AppShell() {
  const t = useT();
  const session = useSession().data;
  const signOut = useSignOut();
  const navigate = useNavigate();
  if (!session) {
    return null;
  }
  const { email, role } = session.user;
  return (
    <>
      <a className="skip-link" href="#main">
        {t('shell.skipToContent')}
      </a>
      <header className="top-bar">
        <span className="brand">{t('shell.product')}</span>
        <nav aria-label={t('shell.mainNav')}>
          <ul>
            {SCREENS.map((screen) => (
              <li key={screen.path}>
                <NavLink to={screen.path} end={screen.path === '/'}>
                  {t(screen.label)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="top-bar-end">
          <LanguageSwitch />
          <span className="who">{t('shell.signedInAs', { email, role: t(`role.${role}`) })}</span>
          <button
            type="button"
            className="button button-quiet"
            disabled={signOut.isPending}
            onClick={() => signOut.mutate(undefined, { onSuccess: () => void navigate('/sign-in') })}
          >
            {t('shell.signOut')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <ErrorNotice error={signOut.error} />
        <Outlet />
      </main>
    </>
  );
}
