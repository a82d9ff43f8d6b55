import { useDeferredValue, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { formats, type Formats } from '../analytics/format';
import type { JourneySummary } from '../analytics/use-analytics';
import { useLanguage } from '../i18n/i18n';
import type { MessageKey } from '../i18n/catalog';
import { ErrorNotice } from '../ui/error-notice';
import { Page } from '../ui/page';
import { useSession } from '../session/use-session';
import { RoleGate } from '../ui/role-gate';
import { TextField } from '../ui/text-field';
import { StatusBadge, STATUSES } from './status-badge';
import { useJourneySummaries } from './use-journey-analytics';
import { useJourneyList } from './use-journeys';
import './journeys.css';

type SortKey = 'name' | 'status' | 'entered' | 'activeNow' | 'updatedAt';

/**
 * The list of journeys (marketers; ops read it): one request (counts included), filtered and sorted in the
 * browser, which stays fast at thousands of rows; a second, whatever the number of journeys,
 * brings each one's conversion rate and attributed revenue over the last 30 shop days
 * (GET /v1/analytics/journeys). The list shows as soon as the first answers.
 */
export function JourneysListPage() {
  const { t, formatTime, language } = useLanguage();
  const list = useJourneyList();
  const role = useSession().data?.user.role;
  const mayCreate = role === 'marketer' || role === 'admin';
  const summaries = useJourneySummaries();
  const earned = useMemo(
    () => new Map((summaries.data?.journeys ?? []).map((j) => [j.journeyId, j])),
    [summaries.data],
  );
  const money = formats(language, summaries.data?.currency ?? 'USD');
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'updatedAt', descending: true });
  const deferredFilter = useDeferredValue(filter);
  const all = list.data?.journeys;

  const rows = useMemo(() => {
    const needle = deferredFilter.trim().toLocaleLowerCase(language);
    const collator = new Intl.Collator(language, { numeric: true });
    const shown = (all ?? []).filter(
      (j) => (!needle || j.name.toLocaleLowerCase(language).includes(needle)) && (!status || j.status === status),
    );
    const direction = sort.descending ? -1 : 1;
    return shown.sort((a, b) => {
      const x = a[sort.key];
      const y = b[sort.key];
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
      return direction * order || a.id.localeCompare(b.id);
    });
  }, [all, deferredFilter, status, sort, language]);

  const header = (key: SortKey, label: MessageKey, numeric?: boolean) => (
    <th
      key={key}
      scope="col"
      className={numeric ? 'num' : undefined}
      aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : undefined}
    >
      <button
        type="button"
        className="sort-button"
        title={t('journeys.sortBy', { column: t(label) })}
        onClick={() => setSort((s) => ({ key, descending: s.key === key ? !s.descending : numeric === true }))}
      >
        {t(label)}
        <span aria-hidden="true" className="sort-mark">
          {sort.key === key ? (sort.descending ? '▼' : '▲') : ''}
        </span>
      </button>
    </th>
  );

  return (
    <Page
      title={t('journeys.title')}
      actions={
        mayCreate && (
          <Link className="button button-primary" to="/journeys/new">
            {t('journeys.new')}
          </Link>
        )
      }
    >
      <RoleGate error={list.error} roles={['marketer', 'ops']}>
        <ErrorNotice error={list.error ?? summaries.error} />
        {list.isPending && <p>{t('common.loading')}</p>}
        {all && (
          <section className="panel journeys-list" aria-label={t('journeys.title')}>
            <div className="inline-form journeys-filters">
              <TextField label={t('journeys.filter')} value={filter} onChange={setFilter} type="search" />
              <div className="field">
                <label htmlFor="journey-status-filter">{t('journeys.statusFilter')}</label>
                <select id="journey-status-filter" value={status} onChange={(e) => setStatus(e.target.value)}>
                  <option value="">{t('journeys.statusAll')}</option>
                  {STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {t(`journeys.status.${s}`)}
                    </option>
                  ))}
                </select>
              </div>
              <p className="hint journeys-count" role="status">
                {t('journeys.count', { shown: rows.length, total: all.length })}
              </p>
            </div>
            {all.length === 0 ? (
              <p>{t('journeys.empty')}</p>
            ) : rows.length === 0 ? (
              <p>{t('journeys.noMatch')}</p>
            ) : (
              <div className="table-scroll" tabIndex={0} role="region" aria-label={t('journeys.title')}>
                <table className="journeys-table">
                  <thead>
                    <tr>
                      {header('name', 'journeys.col.name')}
                      {header('status', 'journeys.col.status')}
                      <th scope="col" className="num">
                        {t('journeys.col.version')}
                      </th>
                      {header('entered', 'journeys.col.entered', true)}
                      {header('activeNow', 'journeys.col.inNow', true)}
                      <th scope="col" className="num">
                        {t('journeys.col.conversion')}
                      </th>
                      <th scope="col" className="num">
                        {t('journeys.col.revenue')}
                      </th>
                      {header('updatedAt', 'journeys.col.updated')}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((j) => (
                      <tr key={j.id}>
                        <th scope="row" className="journey-name">
                          <Link to={`/journeys/${j.id}`} title={j.name} className="ellipsis">
                            {j.name}
                          </Link>
                        </th>
                        <td>
                          <StatusBadge status={j.status} />
                        </td>
                        <td className="num">{j.activeVersion ?? <span title={t('journeys.noVersion')}>—</span>}</td>
                        <td className="num">{j.entered.toLocaleString(language)}</td>
                        <td className="num">{j.activeNow.toLocaleString(language)}</td>
                        <EarnedCells summary={earned.get(j.id)} f={money} pending={summaries.isPending} />
                        <td className="nowrap">{formatTime(j.updatedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        )}
      </RoleGate>
    </Page>
  );
}

/** Conversion rate (with what it is made of) and attributed revenue over the last 30 shop days. */
function EarnedCells({ summary, f, pending }: { summary: JourneySummary | undefined; f: Formats; pending: boolean }) {
  const { t } = useLanguage();
  if (!summary) {
    const text = pending ? '…' : '—';
    return (
      <>
        <td className="num pending">{text}</td>
        <td className="num pending">{text}</td>
      </>
    );
  }
  const rate = summary.conversionRate;
  return (
    <>
      <td
        className="num"
        title={t('journeys.conversionHint', {
          numerator: f.count(rate.numerator),
          denominator: f.count(rate.denominator),
        })}
      >
        {f.percent(rate.value) ?? '—'}
      </td>
      <td className="num">{f.money(summary.attributedRevenue)}</td>
    </>
  );
}
