import { useId, useState } from 'react';
import { ApiError } from '../api/api-error';
import { useLanguage } from '../i18n/i18n';
import { useSession } from '../session/use-session';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorNotice } from '../ui/error-notice';
import { ForbiddenPanel } from '../ui/forbidden-panel';
import { Page, Panel } from '../ui/page';
import { usePauseSending, useResumeSending, useSendingState } from './use-sending';

/** Ops: the kill switch, with confirmation both ways. */
export function SendingPage() {
  const { t, formatTime } = useLanguage();
  const session = useSession().data;
  const state = useSendingState();
  const pause = usePauseSending();
  const resume = useResumeSending();
  const [dialog, setDialog] = useState<'pause' | 'resume' | null>(null);
  const [reason, setReason] = useState('');
  const reasonId = useId();
  const forbidden = state.error instanceof ApiError && state.error.status === 403;
  const s = state.data;

  return (
    <Page title={t('sending.title')}>
      {forbidden && session ? (
        <ForbiddenPanel roles={['ops']} role={session.user.role} />
      ) : (
        <Panel title={t('sending.stateTitle')}>
          {state.isPending && <p>{t('common.loading')}</p>}
          <ErrorNotice error={state.error ?? pause.error ?? resume.error} />
          {s && (
            <div className={s.paused ? 'switch-state switch-paused' : 'switch-state switch-on'} role="status">
              <p className="switch-headline">{s.paused ? t('sending.paused') : t('sending.on')}</p>
              <p>{s.paused ? t('sending.pausedBody') : t('sending.onBody')}</p>
              {s.paused && s.reason && <p>{t('sending.reason', { reason: s.reason })}</p>}
              {s.changedAt && (
                <p className="hint">{t('sending.changed', { time: formatTime(s.changedAt), by: s.changedBy ?? '' })}</p>
              )}
            </div>
          )}
          {s && !s.paused && (
            <button type="button" className="button button-danger" onClick={() => setDialog('pause')}>
              {t('sending.pause')}
            </button>
          )}
          {s?.paused && (
            <button type="button" className="button button-primary" onClick={() => setDialog('resume')}>
              {t('sending.resume')}
            </button>
          )}
        </Panel>
      )}
      <p className="hint">{t('sending.more')}</p>
      <ConfirmDialog
        open={dialog === 'pause'}
        title={t('sending.pauseConfirmTitle')}
        confirmLabel={t('sending.pauseConfirm')}
        danger
        busy={pause.isPending}
        onCancel={() => setDialog(null)}
        onConfirm={() => pause.mutate(reason, { onSettled: () => setDialog(null), onSuccess: () => setReason('') })}
      >
        <p>{t('sending.pauseConfirmBody')}</p>
        <label htmlFor={reasonId}>{t('sending.pauseReason')}</label>
        <input id={reasonId} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'resume'}
        title={t('sending.resumeConfirmTitle')}
        confirmLabel={t('sending.resumeConfirm')}
        busy={resume.isPending}
        onCancel={() => setDialog(null)}
        onConfirm={() => resume.mutate(undefined, { onSettled: () => setDialog(null) })}
      >
        <p>{t('sending.resumeConfirmBody')}</p>
      </ConfirmDialog>
    </Page>
  );
}
