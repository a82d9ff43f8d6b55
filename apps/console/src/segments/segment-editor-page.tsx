import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/api-error';
import { useLanguage } from '../i18n/i18n';
import { ConditionBuilder, isEmptyCondition, type ConditionIssue } from '../rules/condition-builder';
import { useSession } from '../session/use-session';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorNotice } from '../ui/error-notice';
import { useDebounced } from '../ui/use-debounced';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { TextField } from '../ui/text-field';
import {
  useCreateSegment,
  useDeleteSegment,
  useSegment,
  useSegmentMembers,
  useSegmentPreview,
  useSegments,
  useUpdateSegment,
  type SegmentView,
} from './use-segments';
import '../ui/controls.css';
import './segments.css';

/** The API's validation messages (`details.issues`) of an error, for the builder to pin. */
function issuesOf(error: unknown): ConditionIssue[] {
  if (!(error instanceof ApiError) || error.code !== 'VALIDATION_FAILED') {
    return [];
  }
  const issues = error.details?.issues;
  return Array.isArray(issues) ? (issues as ConditionIssue[]) : [];
}

/** Marketers: create a segment, or change one, with the condition builder and a live preview. */
export function SegmentEditorPage() {
  const { id } = useParams();
  const { t } = useLanguage();
  const segment = useSegment(id);
  const title = id ? t('segments.editTitle', { name: segment.data?.name ?? '…' }) : t('segments.newTitle');
  return (
    <Page title={title} actions={<Link to="/segments">{t('segments.back')}</Link>}>
      <RoleGate error={segment.error} roles={['marketer', 'ops']}>
        {id === undefined && <SegmentEditor />}
        {id !== undefined && segment.isPending && <p>{t('common.loading')}</p>}
        <ErrorNotice error={segment.error} />
        {segment.data && <SegmentEditor key={segment.data.id} segment={segment.data} />}
      </RoleGate>
    </Page>
  );
}

function SegmentEditor({ segment }: { segment?: SegmentView }) {
  const { t, language } = useLanguage();
  const navigate = useNavigate();
  const readOnly = useSession().data?.user.role === 'ops';
  const [name, setName] = useState(segment?.name ?? '');
  const [key, setKey] = useState(segment?.key ?? '');
  const [description, setDescription] = useState(segment?.description ?? '');
  const [rule, setRule] = useState<unknown>(segment?.rule);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const create = useCreateSegment();
  const update = useUpdateSegment(segment?.id ?? '');
  const remove = useDeleteSegment();
  const save = segment ? update : create;
  const settledRule = useDebounced(rule, 500);
  const previewable = !readOnly && settledRule !== undefined && !isEmptyCondition(settledRule);
  const preview = useSegmentPreview(previewable ? settledRule : undefined);
  const issues = [...issuesOf(save.error), ...issuesOf(preview.error)];
  const count = new Intl.NumberFormat(language);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = { name, description: description.trim() === '' ? null : description, rule: rule ?? { all: [] } };
    if (segment) {
      update.mutate(body);
    } else {
      create.mutate({ ...body, key }, { onSuccess: (created) => void navigate(`/segments/${created.id}`) });
    }
  };

  return (
    <div className="segment-editor">
      {readOnly && <p className="notice notice-info">{t('segments.readOnly')}</p>}
      <div className="editor-columns">
        <form className="panel" onSubmit={submit} aria-label={t('segments.detailsTitle')}>
          <h2>{t('segments.detailsTitle')}</h2>
          <div className="segment-fields">
            <TextField
              label={t('segments.name')}
              required
              maxLength={200}
              readOnly={readOnly}
              value={name}
              onChange={setName}
            />
            {segment ? (
              <TextField label={t('segments.key')} readOnly value={segment.key} onChange={() => undefined} />
            ) : (
              <TextField
                label={t('segments.key')}
                hint={t('segments.keyHint')}
                required
                pattern="[a-z0-9][a-z0-9_\-]{0,99}"
                value={key}
                onChange={setKey}
              />
            )}
          </div>
          <TextField
            label={t('segments.description')}
            maxLength={2000}
            readOnly={readOnly}
            value={description}
            onChange={setDescription}
          />
          <ConditionBuilder
            label={t('segments.rule')}
            context="segment"
            value={rule}
            onChange={setRule}
            issues={issues}
            readOnly={readOnly}
          />
          {!readOnly && (
            <div className="editor-actions">
              {segment && (
                <button type="button" className="button button-danger-quiet" onClick={() => setConfirmDelete(true)}>
                  {t('segments.delete')}
                </button>
              )}
              <button type="submit" className="button button-primary" disabled={save.isPending}>
                {segment ? t('segments.save') : t('segments.create')}
              </button>
            </div>
          )}
          <ErrorNotice error={save.error ?? remove.error} />
          {update.isSuccess && (
            <p className="notice notice-success" role="status">
              {t('segments.saved')}
            </p>
          )}
        </form>
        <div className="editor-side">
          {!readOnly && (
            <Panel title={t('segments.previewTitle')}>
              {!previewable && <p className="hint">{t('segments.previewEmpty')}</p>}
              {previewable && preview.isFetching && (
                <p className="hint" role="status">
                  {t('segments.previewUpdating')}
                </p>
              )}
              {previewable && preview.data && !preview.isError && (
                <div aria-busy={preview.isFetching}>
                  <p className="preview-count" role="status">
                    {t('segments.previewCount', {
                      matched: count.format(preview.data.matched),
                      evaluated: count.format(preview.data.evaluated),
                    })}
                  </p>
                  {preview.data.evaluated >= 10_000 && (
                    <p className="hint">
                      {t('segments.previewLimited', { evaluated: count.format(preview.data.evaluated) })}
                    </p>
                  )}
                  {preview.data.sample.length === 0 ? (
                    <p className="hint">{t('segments.previewNone')}</p>
                  ) : (
                    <ContactTable title={t('segments.previewSample')} rows={preview.data.sample} />
                  )}
                </div>
              )}
              {issuesOf(preview.error).length === 0 && <ErrorNotice error={preview.error} />}
            </Panel>
          )}
          {segment && <MembersPanel segment={segment} />}
        </div>
      </div>
      {segment && (
        <ConfirmDialog
          open={confirmDelete}
          title={t('segments.deleteConfirmTitle', { name: segment.name })}
          confirmLabel={t('segments.deleteConfirm')}
          danger
          busy={remove.isPending}
          onCancel={() => setConfirmDelete(false)}
          onConfirm={() =>
            remove.mutate(segment.id, {
              onSettled: () => setConfirmDelete(false),
              onSuccess: () => void navigate('/segments'),
            })
          }
        >
          <p>{t('segments.deleteConfirmBody')}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function ContactTable(props: {
  title: string;
  /** The title is already the panel's heading: kept for screen readers only. */
  hideTitle?: boolean;
  rows: Array<{ customerId: string | null; email: string | null; enteredAt?: string }>;
}) {
  const { t, formatTime } = useLanguage();
  const withEntered = props.rows.some((r) => r.enteredAt !== undefined);
  return (
    <table className="contact-table">
      <caption className={props.hideTitle ? 'visually-hidden' : undefined}>{props.title}</caption>
      <thead>
        <tr>
          <th scope="col">{t('segments.colCustomer')}</th>
          <th scope="col">{t('segments.colEmail')}</th>
          {withEntered && <th scope="col">{t('segments.colEntered')}</th>}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r, i) => (
          <tr key={`${r.customerId ?? ''}-${r.email ?? ''}-${i}`}>
            <td className="cell-clip" title={r.customerId ?? undefined}>
              {r.customerId ?? t('segments.unknownContact')}
            </td>
            <td className="cell-clip" title={r.email ?? undefined}>
              {r.email ?? t('segments.unknownContact')}
            </td>
            {withEntered && <td>{r.enteredAt ? formatTime(r.enteredAt) : ''}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Members a keyset page at a time; the count comes with the list (one request for both). */
function MembersPanel({ segment }: { segment: SegmentView }) {
  const { t, language } = useLanguage();
  const members = useSegmentMembers(segment.id);
  const listed = useSegments().data?.segments.find((s) => s.id === segment.id);
  const rows = members.data?.pages.flatMap((p) => p.members) ?? [];
  const total = listed ? new Intl.NumberFormat(language).format(listed.memberCount) : '…';
  return (
    <Panel title={t('segments.membersTitle', { count: total })}>
      {!segment.ready && <p className="notice notice-info">{t('segments.membersNotReady')}</p>}
      {members.isPending && <p>{t('common.loading')}</p>}
      <ErrorNotice error={members.error} />
      {members.data && rows.length === 0 && <p className="hint">{t('segments.membersNone')}</p>}
      {rows.length > 0 && <ContactTable title={t('segments.membersTitle', { count: total })} hideTitle rows={rows} />}
      {members.hasNextPage && (
        <button
          type="button"
          className="button"
          disabled={members.isFetchingNextPage}
          onClick={() => void members.fetchNextPage()}
        >
          {t('segments.more')}
        </button>
      )}
    </Panel>
  );
}
