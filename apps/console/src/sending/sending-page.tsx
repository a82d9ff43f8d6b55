import { useState } from 'react';
import { useLanguage } from '../i18n/i18n';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { TextField } from '../ui/text-field';
import { AttemptsChart } from './attempts-chart';
import {
  usePauseSending,
  useResumeSending,
  useSendingHealth,
  useSendingState,
  type SendingHealth,
} from './use-sending';
import './sending.css';

/** Ops: the kill switch (with confirmation both ways), the queue, deferrals and the last day's deliveries. */
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
        <SendingHealthPanels />
      </RoleGate>
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

function SendingHealthPanels() {
  const { t, language } = useLanguage();
  const health = useSendingHealth();
  const h = health.data;
  const number = new Intl.NumberFormat(language);
  return (
    <>
      <Panel title={t('sending.queueTitle')}>
        {health.isPending && <p>{t('common.loading')}</p>}
        <ErrorNotice error={health.error} />
        {h && (
          <dl className="tiles">
            <Tile label={t('sending.queued')} value={number.format(h.queue.queued)} />
            <Tile label={t('sending.deferred')} value={number.format(h.queue.deferred)} />
            <Tile label={t('sending.sendingNow')} value={number.format(h.queue.sending)} />
            <Tile label={t('sending.due')} value={number.format(h.queue.due)} hint={t('sending.dueHint')} />
            <Tile
              label={t('sending.lag')}
              value={duration(t, h.queue.lagSeconds)}
              hint={t('sending.lagHint')}
              tone={h.queue.lagSeconds > 300 ? 'warn' : undefined}
            />
            <Tile
              label={t('sending.duplicates')}
              value={number.format(h.unknownAttempts.email.inPeriod + h.unknownAttempts.webhook.inPeriod)}
              hint={t('sending.duplicatesHint')}
            />
          </dl>
        )}
      </Panel>
      {h && (
        <div className="sending-grid">
          <Panel title={t('sending.deferredTitle')}>
            <DeferredByReason counts={h.deferredByReason} />
          </Panel>
          <Panel title={t('sending.deliveriesTitle')}>
            <DeliverySummary health={h} />
          </Panel>
        </div>
      )}
      {h && (
        <Panel title={t('sending.chartTitle')}>
          <AttemptsChart buckets={h.attempts.buckets} bucket={h.attempts.bucket} />
          <details className="chart-table">
            <summary>{t('sending.showTable')}</summary>
            <AttemptsTable health={h} />
          </details>
        </Panel>
      )}
    </>
  );
}

function Tile({ label, value, hint, tone }: { label: string; value: string; hint?: string; tone?: 'warn' }) {
  return (
    <div className={tone === 'warn' ? 'tile tile-warn' : 'tile'}>
      <dt>{label}</dt>
      <dd className="tile-value">{value}</dd>
      {hint && <dd className="tile-hint">{hint}</dd>}
    </div>
  );
}

function duration(t: ReturnType<typeof useLanguage>['t'], seconds: number): string {
  if (seconds < 60) {
    return t('sending.seconds', { n: Math.round(seconds) });
  }
  if (seconds < 3600) {
    return t('sending.minutes', { n: Math.round(seconds / 60) });
  }
  return t('sending.hours', { n: Math.round((seconds / 3600) * 10) / 10 });
}

const REASONS = ['frequency_cap', 'quiet_hours', 'temporary_failure'] as const;

function DeferredByReason({ counts }: { counts: SendingHealth['deferredByReason'] }) {
  const { t, language } = useLanguage();
  const total = REASONS.reduce((sum, r) => sum + counts[r], 0);
  const number = new Intl.NumberFormat(language);
  return (
    <table className="reason-table">
      <tbody>
        {REASONS.map((r) => (
          <tr key={r}>
            <th scope="row">{t(`sending.reason.${r}`)}</th>
            <td className="reason-bar-cell">
              <span
                className="reason-bar"
                style={{ width: `${total === 0 ? 0 : (counts[r] / total) * 100}%` }}
                aria-hidden="true"
              />
            </td>
            <td className="numeric">{number.format(counts[r])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The period's totals; the failure rate with what it is made of (docs/analytics.md, "Sending health"). */
function DeliverySummary({ health }: { health: SendingHealth }) {
  const { t, language } = useLanguage();
  const number = new Intl.NumberFormat(language);
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 2 });
  const sum = (k: 'sent' | 'deferred' | 'failed' | 'unknown') =>
    health.attempts.buckets.reduce((total, b) => total + b[k], 0);
  const sent = sum('sent');
  const failed = sum('failed');
  const denominator = sent + failed;
  return (
    <dl className="facts">
      <dt>{t('sending.outcome.sent')}</dt>
      <dd>{number.format(sent)}</dd>
      <dt>{t('sending.outcome.deferred')}</dt>
      <dd>{number.format(sum('deferred'))}</dd>
      <dt>{t('sending.outcome.failed')}</dt>
      <dd>{number.format(failed)}</dd>
      <dt>{t('sending.failureRate')}</dt>
      <dd>
        {denominator === 0
          ? t('sending.noData')
          : t('sending.rateOf', {
              rate: percent.format(failed / denominator),
              failed: number.format(failed),
              total: number.format(denominator),
            })}
      </dd>
    </dl>
  );
}

function AttemptsTable({ health }: { health: SendingHealth }) {
  const { t, language } = useLanguage();
  const when = new Intl.DateTimeFormat(
    language,
    health.attempts.bucket === 'hour'
      ? { month: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit' }
      : { year: 'numeric', month: 'numeric', day: 'numeric' },
  );
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 });
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t('sending.colFrom')}</th>
          <th scope="col" className="numeric">
            {t('sending.outcome.sent')}
          </th>
          <th scope="col" className="numeric">
            {t('sending.outcome.deferred')}
          </th>
          <th scope="col" className="numeric">
            {t('sending.outcome.failed')}
          </th>
          <th scope="col" className="numeric">
            {t('sending.outcome.unknown')}
          </th>
          <th scope="col" className="numeric">
            {t('sending.failureRate')}
          </th>
        </tr>
      </thead>
      <tbody>
        {health.attempts.buckets.map((b) => (
          <tr key={b.start}>
            <th scope="row">{when.format(new Date(b.start))}</th>
            <td className="numeric">{b.sent}</td>
            <td className="numeric">{b.deferred}</td>
            <td className="numeric">{b.failed}</td>
            <td className="numeric">{b.unknown}</td>
            <td className="numeric">{b.failureRate.value === null ? '—' : percent.format(b.failureRate.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
