import { NavLink, Outlet } from 'react-router';
import { useT } from '../i18n/i18n';

export function SettingsLayout() {
  const t = useT();
  return (
    <div className="settings">
      <nav aria-label={t('settings.tabs')} className="sub-nav">
        <ul>
          <li>
            <NavLink to="/settings" end>
              {t('settings.account')}
            </NavLink>
          </li>
          <li>
            <NavLink to="/settings/users">{t('settings.users')}</NavLink>
          </li>
          <li>
            <NavLink to="/settings/api-keys">{t('settings.apiKeys')}</NavLink>
          </li>
          <li>
            <NavLink to="/settings/analytics">{t('settings.analytics')}</NavLink>
          </li>
        </ul>
      </nav>
      <Outlet />
    </div>
  );
}
