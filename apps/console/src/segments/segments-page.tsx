import { Link } from 'react-router';
import { useLanguage } from '../i18n/i18n';
import { useSession } from '../session/use-session';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { useSegments } from './use-segments';
import '../ui/controls.css';
import './segments.css';

/** Marketers (ops read only): every segment with its member count, in one request. */
export function SegmentsPage() {
  const { t, formatTime, language } = useLanguage();
  const segments = useSegments();
  const role = useSession().data?.user.role;
  const count = new Intl.NumberFormat(language);
  const list = segments.data?.segments ?? [];
  return (
    <Page
      title={t('segments.title')}
      actions={
        role !== 'ops' && (
          <Link className="button button-primary" to="/segments/new">
            {t('segments.new')}
          </Link>
        )
      }
    >
      <p>{t('segments.intro')}</p>
      <RoleGate error={segments.error} roles={['marketer', 'ops']}>
        {role === 'ops' && <p className="notice notice-info">{t('segments.readOnly')}</p>}
        <Panel title={t('segments.listTitle', { count: list.length })}>
          {segments.isPending && <p>{t('common.loading')}</p>}
          <ErrorNotice error={segments.error} />
          {segments.data && list.length === 0 && <p className="hint">{t('segments.empty')}</p>}
          {list.length > 0 && (
            <table className="segments-table">
              <thead>
                <tr>
                  <th scope="col">{t('segments.colName')}</th>
                  <th scope="col">{t('segments.colKey')}</th>
                  <th scope="col" className="numeric">
                    {t('segments.colMembers')}
                  </th>
                  <th scope="col">{t('segments.colStatus')}</th>
                  <th scope="col">{t('segments.colUpdated')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <tr key={s.id}>
                    <th scope="row" className="cell-clip" title={s.name}>
                      <Link to={`/segments/${s.id}`}>{s.name}</Link>
                    </th>
                    <td className="cell-clip" title={s.key}>
                      <code>{s.key}</code>
                    </td>
                    <td className="numeric">{count.format(s.memberCount)}</td>
                    <td>
                      <span className={s.ready ? 'status-chip status-ready' : 'status-chip status-busy'}>
                        {s.ready ? t('segments.ready') : t('segments.evaluating')}
                      </span>
                    </td>
                    <td>{formatTime(s.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
      </RoleGate>
    </Page>
  );
}
