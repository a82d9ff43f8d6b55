import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useLanguage } from '../i18n/i18n';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { StatusBadge } from './status-badge';
import { useMessage, useMessageFilterChoices, useRetryMessage, type MessageDetailView } from './use-messages';
import './messages.css';

/**
 * The mail's HTML made inert for viewing: images from elsewhere are not loaded (the tracking
 * pixel must not count an operator's look as the customer's open, nor a remote image tell anyone
 * it was viewed), and a policy in the document loads nothing from anywhere as a second guard.
 * DOMParser builds the document without running anything in it.
 */
function inert(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const img of doc.querySelectorAll('img')) {
    if (!img.getAttribute('src')?.startsWith('data:')) {
      img.removeAttribute('src');
    }
    img.removeAttribute('srcset');
  }
  const policy = doc.createElement('meta');
  policy.httpEquiv = 'Content-Security-Policy';
  policy.content = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";
  doc.head.prepend(policy);
  return `<!doctype html>${doc.documentElement.outerHTML}`;
}

/** Ops: one message, as rendered and sent, with every delivery attempt and the server's replies. */
export function MessagePage() {
  const { t } = useLanguage();
  const { id = '' } = useParams();
  const message = useMessage(id);
  const m = message.data;
  return (
    <Page title={t('message.title')}>
      <p>
        <Link to="/messages">{t('message.back')}</Link>
      </p>
      <RoleGate error={message.error} roles={['ops']}>
        {message.isPending && <p>{t('common.loading')}</p>}
        <ErrorNotice error={message.error} />
        {m && <MessageDetail message={m} />}
      </RoleGate>
    </Page>
  );
}

function MessageDetail({ message: m }: { message: MessageDetailView }) {
  const { t, formatTime } = useLanguage();
  const retry = useRetryMessage(m.id);
  const [confirming, setConfirming] = useState(false);
  const journeys = useMessageFilterChoices().data?.journeys ?? [];
  const journeyName = journeys.find((j) => j.id === m.journeyId)?.name;
  return (
    <>
      <Panel title={t('message.summaryTitle')}>
        <div className="message-headline">
          <StatusBadge status={m.status} />
          <span className="message-subject" title={m.subject ?? undefined}>
            {m.subject ?? t('messages.noSubject', { template: m.templateKey ?? m.channel })}
          </span>
        </div>
        {m.statusReason && <p className="status-reason">{m.statusReason}</p>}
        <dl className="facts message-facts">
          <dt>{t('message.customer')}</dt>
          <dd>
            {m.customerId ? <Link to={`/customers/${encodeURIComponent(m.customerId)}`}>{m.customerId}</Link> : '—'}
          </dd>
          <dt>{t('message.recipient')}</dt>
          <dd>{m.recipient ?? (m.channel === 'webhook' ? m.webhookUrl : '—')}</dd>
          <dt>{t('message.journey')}</dt>
          <dd className="clip" title={journeyName ?? m.journeyId ?? undefined}>
            {m.journeyId ? `${journeyName ?? m.journeyId}${m.stepId ? ` · ${m.stepId}` : ''}` : t('messages.noJourney')}
          </dd>
          <dt>{t('message.template')}</dt>
          <dd>
            {m.templateKey
              ? `${m.templateKey}${m.templateVersion ? ` v${m.templateVersion}` : ''}${m.locale ? ` (${m.locale})` : ''}`
              : '—'}
          </dd>
          <dt>{t('message.category')}</dt>
          <dd>{t(`message.category.${m.category}`)}</dd>
          <dt>{t('message.created')}</dt>
          <dd>{formatTime(m.createdAt)}</dd>
          <dt>{t('message.notBefore')}</dt>
          <dd>{formatTime(m.notBefore)}</dd>
          <dt>{t('message.sent')}</dt>
          <dd>{m.sentAt ? formatTime(m.sentAt) : '—'}</dd>
          <dt>{t('message.messageId')}</dt>
          <dd className="mono">{m.smtpMessageId ?? '—'}</dd>
        </dl>
        {m.status === 'failed' && (
          <div className="message-actions">
            <button type="button" className="button button-primary" onClick={() => setConfirming(true)}>
              {t('message.retry')}
            </button>
          </div>
        )}
        <ErrorNotice error={retry.error} />
        {retry.isSuccess && (
          <p className="notice notice-success" role="status">
            {t('message.retried')}
          </p>
        )}
      </Panel>

      <Panel title={t('message.attemptsTitle')}>
        {m.attemptLog.length === 0 ? (
          <p className="hint">{t('message.noAttempts')}</p>
        ) : (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col" className="numeric">
                    {t('message.colAttempt')}
                  </th>
                  <th scope="col">{t('message.colStarted')}</th>
                  <th scope="col">{t('message.colOutcome')}</th>
                  <th scope="col">{t('message.colCode')}</th>
                  <th scope="col">{t('message.colReply')}</th>
                </tr>
              </thead>
              <tbody>
                {m.attemptLog.map((a) => (
                  <tr key={a.attempt}>
                    <th scope="row" className="numeric">
                      {a.attempt}
                    </th>
                    <td className="nowrap">{formatTime(a.startedAt)}</td>
                    <td>{a.outcome ? t(`message.outcome.${a.outcome}`) : t('message.outcome.open')}</td>
                    <td className="mono">{a.smtpCode ?? '—'}</td>
                    <td className="mono smtp-reply">{a.response ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>

      <Panel title={t('message.contentTitle')}>
        {m.html === null && m.text === null ? (
          <p className="hint">{t('message.noContent')}</p>
        ) : (
          <div className="message-content">
            {m.html !== null && (
              <div>
                <h3>{t('message.html')}</h3>
                {/* sandbox="": no script, no form, no navigation, no same-origin access: the mail as it looks, inert. */}
                <iframe className="message-frame" title={t('message.htmlFrame')} sandbox="" srcDoc={inert(m.html)} />
                <p className="hint">{t('message.imagesBlocked')}</p>
              </div>
            )}
            {m.text !== null && (
              <div>
                <h3>{t('message.text')}</h3>
                <pre className="message-text" tabIndex={0}>
                  {m.text}
                </pre>
              </div>
            )}
          </div>
        )}
      </Panel>

      <ConfirmDialog
        open={confirming}
        title={t('message.retryConfirmTitle')}
        confirmLabel={t('message.retryConfirm')}
        busy={retry.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => retry.mutate(undefined, { onSettled: () => setConfirming(false) })}
      >
        <p>{t('message.retryConfirmBody', { recipient: m.recipient ?? m.customerId ?? '' })}</p>
      </ConfirmDialog>
    </>
  );
}
