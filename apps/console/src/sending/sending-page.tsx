import { useState } from 'react';
import { useLanguage } from '../i18n/i18n';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { TextField } from '../ui/text-field';
import { usePauseSending, useResumeSending, useSendingState } from './use-sending';

/** Ops: the kill switch, with confirmation both ways. */
export function SendingPage() {
  const { t, formatTime } = useLanguage();
  const state = useSendingState();
  const pause = usePauseSending();
  const resume = useResumeSending();
  const [dialog, setDialog] = useState<'pause' | 'resume' | null>(null);
  const [reason, setReason] = useState('');
  const s = state.data;

  return (
    <Page title={t('sending.title')}>
      <RoleGate error={state.error} roles={['ops']}>
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
      </RoleGate>
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
        <TextField label={t('sending.pauseReason')} maxLength={500} value={reason} onChange={setReason} />
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
