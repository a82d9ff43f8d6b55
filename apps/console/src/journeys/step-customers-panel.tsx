import { useId } from 'react';
import { useLanguage } from '../i18n/i18n';
import { ErrorNotice } from '../ui/error-notice';
import { useStepCustomers } from './use-journeys';

/** Who is in the selected step now: keyset pages of 25, "load more" for the next. */
export function StepCustomersPanel({ journeyId, stepId }: { journeyId: string; stepId: string | undefined }) {
  const { t, formatTime } = useLanguage();
  const customers = useStepCustomers(journeyId, stepId);
  const titleId = useId();
  const rows = customers.data?.pages.flatMap((p) => p.customers) ?? [];
  return (
    <section className="panel step-customers" aria-labelledby={titleId}>
      <h2 id={titleId} className="ellipsis" title={stepId}>
        {stepId ? t('journey.stepPanel', { step: stepId }) : t('journey.stepPanel', { step: '…' })}
      </h2>
      {!stepId && <p className="hint">{t('journey.stepPanelNone')}</p>}
      <ErrorNotice error={customers.error} />
      {stepId && customers.isPending && <p>{t('common.loading')}</p>}
      {stepId && customers.data && rows.length === 0 && <p>{t('journey.stepPanelEmpty')}</p>}
      {rows.length > 0 && (
        <table className="compact-table">
          <thead>
            <tr>
              <th scope="col">{t('journey.col.customer')}</th>
              <th scope="col">{t('journey.col.key')}</th>
              <th scope="col">{t('journey.col.since')}</th>
              <th scope="col">{t('journey.col.nextTimer')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={`${c.customerId ?? ''}:${c.instanceKey}:${c.enteredAt}`}>
                <th scope="row">
                  <span className="ellipsis" title={c.customerId ?? ''}>
                    {c.customerId ?? '—'}
                  </span>
                  {c.email && (
                    <span className="ellipsis hint" title={c.email}>
                      {c.email}
                    </span>
                  )}
                </th>
                <td>
                  <span className="ellipsis" title={c.instanceKey}>
                    {c.instanceKey}
                  </span>
                </td>
                <td>{formatTime(c.since)}</td>
                <td>{c.nextTimerAt ? formatTime(c.nextTimerAt) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {customers.hasNextPage && (
        <button
          type="button"
          className="button"
          disabled={customers.isFetchingNextPage}
          onClick={() => void customers.fetchNextPage()}
        >
          {t('journey.loadMore')}
        </button>
      )}
    </section>
  );
}
