import { NavLink, Outlet } from 'react-router';
import { useT } from '../i18n/i18n';

/** Sending's two tabs: the switch and health, and the suppression list. */
export function SendingLayout() {
  const t = useT();
  return (
    <div className="settings">
      <nav aria-label={t('sending.tabs')} className="sub-nav">
        <ul>
          <li>
            <NavLink to="/sending" end>
              {t('sending.tabOverview')}
            </NavLink>
          </li>
          <li>
            <NavLink to="/sending/suppressions">{t('suppressions.title')}</NavLink>
          </li>
        </ul>
      </nav>
      <Outlet />
    </div>
  );
}
