import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useLanguage } from '../i18n/i18n';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { TextField } from '../ui/text-field';
import { useCustomerSearch } from './use-customers';
import './customers.css';

/** Marketers and ops: find a customer by the start of their id or email. */
export function CustomersPage() {
  const { t, formatTime, language } = useLanguage();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [draft, setDraft] = useState(q);
  const search = useCustomerSearch(q);
  const customers = search.data?.pages.flatMap((p) => p.customers) ?? [];
  const number = new Intl.NumberFormat(language);
  return (
    <Page title={t('customers.title')}>
      <RoleGate error={search.error} roles={['marketer', 'ops']}>
        <Panel title={t('customers.searchTitle')}>
          <form
            role="search"
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              setParams(draft.trim() ? { q: draft.trim() } : {});
            }}
          >
            <TextField
              label={t('customers.query')}
              type="search"
              maxLength={320}
              value={draft}
              onChange={setDraft}
              hint={t('customers.queryHint')}
            />
            <button type="submit" className="button button-primary">
              {t('customers.search')}
            </button>
          </form>
        </Panel>
        {q && (
          <Panel title={t('customers.resultsTitle', { q })}>
            <ErrorNotice error={search.error} />
            {search.isPending && <p>{t('common.loading')}</p>}
            {search.data && customers.length === 0 && <p className="hint">{t('customers.none')}</p>}
            {customers.length > 0 && (
              <div className="table-scroll">
                <table className="customer-results">
                  <thead>
                    <tr>
                      <th scope="col">{t('customers.colId')}</th>
                      <th scope="col">{t('customers.colEmail')}</th>
                      <th scope="col">{t('customers.colConsent')}</th>
                      <th scope="col" className="numeric">
                        {t('customers.colOrders')}
                      </th>
                      <th scope="col">{t('customers.colLastOrder')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {customers.map((c) => (
                      <tr key={c.customerId ?? c.email ?? ''}>
                        <th scope="row" className="cell-clip">
                          {c.customerId ? (
                            <Link to={`/customers/${encodeURIComponent(c.customerId)}`} title={c.customerId}>
                              {c.customerId}
                            </Link>
                          ) : (
                            t('customers.noId')
                          )}
                        </th>
                        <td className="cell-clip" title={c.email ?? undefined}>
                          {c.email ?? '—'}
                        </td>
                        <td>{t(`customers.consent.${c.emailConsent}`)}</td>
                        <td className="numeric">{number.format(c.ordersCount)}</td>
                        <td>{c.lastOrderAt ? formatTime(c.lastOrderAt) : t('common.never')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {search.hasNextPage && (
              <button
                type="button"
                className="button load-more"
                disabled={search.isFetchingNextPage}
                onClick={() => void search.fetchNextPage()}
              >
                {t('customers.more')}
              </button>
            )}
          </Panel>
        )}
      </RoleGate>
    </Page>
  );
}
