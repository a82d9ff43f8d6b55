import { useId, useState, type FormEvent } from 'react';
import { useLanguage } from '../i18n/i18n';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { TextField } from '../ui/text-field';
import {
  SUPPRESSION_REASONS,
  useAddSuppression,
  useRemoveSuppression,
  useSuppressions,
  type SuppressionReason,
  type SuppressionView,
} from './use-suppressions';
import './sending.css';

/** Ops: addresses no mail (or no marketing) goes to; add one, lift one, with confirmation. */
export function SuppressionsPage() {
  const { t } = useLanguage();
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const list = useSuppressions(applied);
  const entries = list.data?.pages.flatMap((p) => p.suppressions) ?? [];
  return (
    <Page title={t('suppressions.title')}>
      <p>{t('suppressions.intro')}</p>
      <RoleGate error={list.error} roles={['ops']}>
        <AddForm />
        <Panel title={t('suppressions.listTitle')}>
          <form
            className="inline-form search-form"
            role="search"
            onSubmit={(e) => {
              e.preventDefault();
              setApplied(search.trim());
            }}
          >
            <TextField label={t('suppressions.find')} type="search" value={search} onChange={setSearch} />
            <button type="submit" className="button">
              {t('suppressions.findSubmit')}
            </button>
            {applied && (
              <button
                type="button"
                className="button"
                onClick={() => {
                  setSearch('');
                  setApplied('');
                }}
              >
                {t('suppressions.showAll')}
              </button>
            )}
          </form>
          <ErrorNotice error={list.error} />
          {list.isPending && <p>{t('common.loading')}</p>}
          {list.data && entries.length === 0 && <p className="hint">{t('suppressions.none')}</p>}
          {entries.length > 0 && <SuppressionTable entries={entries} />}
          {list.hasNextPage && (
            <button
              type="button"
              className="button load-more"
              disabled={list.isFetchingNextPage}
              onClick={() => void list.fetchNextPage()}
            >
              {t('suppressions.more')}
            </button>
          )}
        </Panel>
      </RoleGate>
    </Page>
  );
}

function AddForm() {
  const { t } = useLanguage();
  const add = useAddSuppression();
  const [email, setEmail] = useState('');
  const [reason, setReason] = useState<SuppressionReason>('manual');
  const [note, setNote] = useState('');
  const reasonId = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate(
      { email: email.trim(), reason, ...(note.trim() ? { note: note.trim() } : {}) },
      {
        onSuccess: () => {
          setEmail('');
          setNote('');
        },
      },
    );
  };
  return (
    <Panel title={t('suppressions.addTitle')}>
      <form className="inline-form suppression-add" onSubmit={submit}>
        <TextField
          label={t('suppressions.email')}
          type="email"
          required
          maxLength={320}
          value={email}
          onChange={setEmail}
        />
        <div className="field">
          <label htmlFor={reasonId}>{t('suppressions.reason')}</label>
          <select id={reasonId} value={reason} onChange={(e) => setReason(e.target.value as SuppressionReason)}>
            {SUPPRESSION_REASONS.map((r) => (
              <option key={r} value={r}>
                {t(`suppressions.reason.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <TextField label={t('suppressions.note')} maxLength={1000} value={note} onChange={setNote} />
        <button type="submit" className="button button-primary" disabled={add.isPending}>
          {t('suppressions.add')}
        </button>
      </form>
      <p className="hint">{t(`suppressions.reasonHint.${reason}`)}</p>
      <ErrorNotice error={add.error} />
      {add.data && (
        <p className="notice notice-success" role="status">
          {t('suppressions.added', { email: add.data.email })}
        </p>
      )}
    </Panel>
  );
}

function SuppressionTable({ entries }: { entries: SuppressionView[] }) {
  const { t, formatTime } = useLanguage();
  const remove = useRemoveSuppression();
  const [removing, setRemoving] = useState<SuppressionView | null>(null);
  return (
    <>
      <ErrorNotice error={remove.error} />
      <div className="table-scroll">
        <table className="suppression-table">
          <thead>
            <tr>
              <th scope="col">{t('suppressions.colEmail')}</th>
              <th scope="col">{t('suppressions.colReason')}</th>
              <th scope="col">{t('suppressions.colSource')}</th>
              <th scope="col">{t('suppressions.colNote')}</th>
              <th scope="col">{t('suppressions.colAdded')}</th>
              <th scope="col">{t('suppressions.colActions')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((s) => (
              <tr key={`${s.email}/${s.reason}`}>
                <th scope="row" className="cell-clip" title={s.email}>
                  {s.email}
                </th>
                <td>{t(`suppressions.reason.${s.reason}`)}</td>
                <td className="cell-clip" title={s.source}>
                  {s.source}
                </td>
                <td className="cell-clip" title={s.note ?? undefined}>
                  {s.note ?? '—'}
                </td>
                <td className="nowrap">{formatTime(s.createdAt)}</td>
                <td>
                  <button
                    type="button"
                    className="button"
                    aria-label={t('suppressions.removeOne', {
                      email: s.email,
                      reason: t(`suppressions.reason.${s.reason}`),
                    })}
                    onClick={() => setRemoving(s)}
                  >
                    {t('suppressions.remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ConfirmDialog
        open={removing !== null}
        title={t('suppressions.removeConfirmTitle', { email: removing?.email ?? '' })}
        confirmLabel={t('suppressions.removeConfirm')}
        danger
        busy={remove.isPending}
        onCancel={() => setRemoving(null)}
        onConfirm={() =>
          removing &&
          remove.mutate({ email: removing.email, reason: removing.reason }, { onSettled: () => setRemoving(null) })
        }
      >
        <p>
          {t('suppressions.removeConfirmBody', {
            email: removing?.email ?? '',
            reason: removing ? t(`suppressions.reason.${removing.reason}`) : '',
          })}
        </p>
      </ConfirmDialog>
    </>
  );
}
