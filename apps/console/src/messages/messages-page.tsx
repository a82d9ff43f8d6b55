import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useLanguage } from '../i18n/i18n';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { TextField } from '../ui/text-field';
import { SelectField } from './select-field';
import { StatusBadge } from './status-badge';
import {
  exportHref,
  STATUSES,
  useMessageFilterChoices,
  useMessageLog,
  type MessageFilters,
  type MessageStatus,
  type MessageSummaryView,
} from './use-messages';
import './messages.css';

const FILTER_KEYS = ['status', 'journeyId', 'templateKey', 'customerId', 'fromDay', 'toDay'] as const;

function filtersFrom(params: URLSearchParams): MessageFilters {
  const f: MessageFilters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) {
      (f as Record<string, string>)[key] = value;
    }
  }
  return f;
}

/** Ops: the message log, filtered, newest first; each message opens its own page. */
export function MessagesPage() {
  const { t } = useLanguage();
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const log = useMessageLog(filters);
  const choices = useMessageFilterChoices();
  const journeyNames = new Map((choices.data?.journeys ?? []).map((j) => [j.id, j.name]));
  const messages = log.data?.pages.flatMap((p) => p.messages) ?? [];

  return (
    <Page
      title={t('messages.title')}
      actions={
        <a className="button" href={exportHref(filters)} download>
          {t('messages.export')}
        </a>
      }
    >
      <RoleGate error={log.error ?? choices.error} roles={['ops']}>
        <FilterForm
          key={params.toString()}
          filters={filters}
          journeys={choices.data?.journeys ?? []}
          templates={(choices.data?.templates ?? []).filter((tpl) => tpl.kind === 'email').map((tpl) => tpl.key)}
          onApply={(next) => {
            const search = new URLSearchParams();
            for (const key of FILTER_KEYS) {
              const value = next[key];
              if (value) {
                search.set(key, value);
              }
            }
            setParams(search);
          }}
        />
        <Panel title={t('messages.logTitle')}>
          <ErrorNotice error={log.error} />
          {log.isPending && <p>{t('common.loading')}</p>}
          {log.data && messages.length === 0 && <p className="hint">{t('messages.none')}</p>}
          {messages.length > 0 && (
            <div className="table-scroll">
              <table className="message-log">
                <caption className="visually-hidden">{t('messages.logTitle')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('messages.colCreated')}</th>
                    <th scope="col">{t('messages.colStatus')}</th>
                    <th scope="col">{t('messages.colSubject')}</th>
                    <th scope="col">{t('messages.colCustomer')}</th>
                    <th scope="col">{t('messages.colJourney')}</th>
                    <th scope="col">{t('messages.colTemplate')}</th>
                    <th scope="col" className="numeric">
                      {t('messages.colAttempts')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {messages.map((m) => (
                    <MessageRow key={m.id} message={m} journeyName={journeyNames.get(m.journeyId ?? '')} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {log.hasNextPage && (
            <button
              type="button"
              className="button load-more"
              disabled={log.isFetchingNextPage}
              onClick={() => void log.fetchNextPage()}
            >
              {log.isFetchingNextPage ? t('common.loading') : t('messages.older')}
            </button>
          )}
        </Panel>
      </RoleGate>
    </Page>
  );
}

function MessageRow({ message: m, journeyName }: { message: MessageSummaryView; journeyName: string | undefined }) {
  const { t, formatTime } = useLanguage();
  const subject = m.subject ?? (m.channel === 'webhook' ? m.webhookUrl : null);
  return (
    <tr>
      <td className="nowrap">{formatTime(m.createdAt)}</td>
      <td>
        <StatusBadge status={m.status} />
      </td>
      <th scope="row" className="cell-clip">
        <Link to={`/messages/${m.id}`} title={subject ?? undefined}>
          {subject ?? t('messages.noSubject', { template: m.templateKey ?? m.channel })}
        </Link>
      </th>
      <td className="cell-clip">
        {m.customerId ? (
          <Link to={`/customers/${encodeURIComponent(m.customerId)}`} title={m.recipient ?? m.customerId}>
            {m.customerId}
          </Link>
        ) : (
          <span title={m.recipient ?? undefined}>{m.recipient ?? '—'}</span>
        )}
        {m.customerId && m.recipient && <span className="cell-sub">{m.recipient}</span>}
      </td>
      <td className="cell-clip" title={journeyName ?? m.journeyId ?? undefined}>
        {m.journeyId ? (journeyName ?? t('messages.unknownJourney')) : t('messages.noJourney')}
        {m.stepId && <span className="cell-sub">{m.stepId}</span>}
      </td>
      <td className="cell-clip" title={m.templateKey ?? undefined}>
        {m.templateKey ?? '—'}
      </td>
      <td className="numeric">{m.attempts}</td>
    </tr>
  );
}

function FilterForm({
  filters,
  journeys,
  templates,
  onApply,
}: {
  filters: MessageFilters;
  journeys: Array<{ id: string; name: string }>;
  templates: string[];
  onApply: (filters: MessageFilters) => void;
}) {
  const { t } = useLanguage();
  const [draft, setDraft] = useState<MessageFilters>(filters);
  const set = (patch: Partial<MessageFilters>) => setDraft((d) => ({ ...d, ...patch }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply({ ...draft, customerId: draft.customerId?.trim() || undefined });
  };
  return (
    <Panel title={t('messages.filtersTitle')}>
      <form className="filter-form" onSubmit={submit}>
        <SelectField
          label={t('messages.filterStatus')}
          value={draft.status ?? ''}
          onChange={(v) => set({ status: (v || undefined) as MessageStatus | undefined })}
          options={[
            { value: '', label: t('messages.any') },
            ...STATUSES.map((s) => ({ value: s, label: t(`messages.status.${s}`) })),
          ]}
        />
        <SelectField
          label={t('messages.filterJourney')}
          value={draft.journeyId ?? ''}
          onChange={(v) => set({ journeyId: v || undefined })}
          options={[{ value: '', label: t('messages.any') }, ...journeys.map((j) => ({ value: j.id, label: j.name }))]}
        />
        <SelectField
          label={t('messages.filterTemplate')}
          value={draft.templateKey ?? ''}
          onChange={(v) => set({ templateKey: v || undefined })}
          options={[{ value: '', label: t('messages.any') }, ...templates.map((k) => ({ value: k, label: k }))]}
        />
        <TextField
          label={t('messages.filterCustomer')}
          value={draft.customerId ?? ''}
          maxLength={255}
          onChange={(v) => set({ customerId: v })}
        />
        <TextField
          label={t('messages.filterFrom')}
          type="date"
          value={draft.fromDay ?? ''}
          onChange={(v) => set({ fromDay: v || undefined })}
        />
        <TextField
          label={t('messages.filterTo')}
          type="date"
          value={draft.toDay ?? ''}
          min={draft.fromDay}
          onChange={(v) => set({ toDay: v || undefined })}
        />
        <div className="filter-actions">
          <button type="submit" className="button button-primary">
            {t('messages.apply')}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setDraft({});
              onApply({});
            }}
          >
            {t('messages.clear')}
          </button>
        </div>
      </form>
    </Panel>
  );
}
