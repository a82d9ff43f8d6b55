import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useLanguage } from '../i18n/i18n';
import { StatusBadge } from '../messages/status-badge';
import { useSession } from '../session/use-session';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import {
  useCustomer,
  useCustomerEvents,
  useCustomerJourneys,
  useCustomerMessages,
  type CustomerEventView,
  type CustomerProfileView,
} from './use-customers';
import './customers.css';

const TABS = ['profile', 'activity', 'journeys', 'messages'] as const;
type Tab = (typeof TABS)[number];
const NPS_EVENT = 'nps.responded';

/**
 * Marketers and ops: one customer. The profile is the page's one request; each tab adds one
 * (events, journeys, messages), so a page never asks for more than two things at once.
 */
export function CustomerPage() {
  const { t } = useLanguage();
  const { customerId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(params.get('tab') ?? '')
    ? (params.get('tab') as Tab)
    : 'profile';
  const profile = useCustomer(customerId);
  return (
    <Page title={t('customer.title', { id: customerId })}>
      <p>
        <Link to="/customers">{t('customer.back')}</Link>
      </p>
      <RoleGate error={profile.error} roles={['marketer', 'ops']}>
        <ErrorNotice error={profile.error} />
        {profile.isPending && <p>{t('common.loading')}</p>}
        {profile.data && (
          <>
            <CustomerHeader profile={profile.data} />
            <nav aria-label={t('customer.tabs')} className="sub-nav">
              <ul>
                {TABS.map((name) => (
                  <li key={name}>
                    <Link
                      to={name === 'profile' ? '?' : `?tab=${name}`}
                      aria-current={tab === name ? 'page' : undefined}
                      onClick={(e) => {
                        e.preventDefault();
                        setParams(name === 'profile' ? {} : { tab: name });
                      }}
                    >
                      {t(`customer.tab.${name}`)}
                    </Link>
                  </li>
                ))}
              </ul>
            </nav>
            {tab === 'profile' && <ProfileTab profile={profile.data} />}
            {tab === 'activity' && <ActivityTab customerId={customerId} />}
            {tab === 'journeys' && <JourneysTab customerId={customerId} />}
            {tab === 'messages' && <MessagesTab customerId={customerId} />}
          </>
        )}
      </RoleGate>
    </Page>
  );
}

function CustomerHeader({ profile: p }: { profile: CustomerProfileView }) {
  const { t, language } = useLanguage();
  const money = new Intl.NumberFormat(language, { style: 'currency', currency: p.stats?.currency ?? 'USD' });
  return (
    <div className="customer-header">
      <div className="customer-identity">
        <span className="customer-email">{p.email ?? t('customer.noEmail')}</span>
        <span className={`consent consent-${p.emailConsent ?? 'unknown'}`}>
          {t(`customers.consent.${p.emailConsent ?? 'unknown'}`)}
        </span>
      </div>
      <dl className="customer-kpis">
        <div>
          <dt>{t('customer.orders')}</dt>
          <dd>{p.stats?.ordersCount ?? 0}</dd>
        </div>
        <div>
          <dt>{t('customer.revenue')}</dt>
          <dd>{money.format(p.stats?.revenue ?? 0)}</dd>
        </div>
        <div>
          <dt>{t('customer.aov')}</dt>
          <dd>{(p.stats?.ordersCount ?? 0) > 0 ? money.format(p.stats?.averageOrderValue ?? 0) : '—'}</dd>
        </div>
      </dl>
    </div>
  );
}

function ProfileTab({ profile: p }: { profile: CustomerProfileView }) {
  const { t, formatTime, language } = useLanguage();
  const attributes = Object.entries(p.attributes ?? {});
  return (
    <div className="customer-grid">
      <Panel title={t('customer.profileTitle')}>
        <dl className="facts">
          <dt>{t('customer.id')}</dt>
          <dd className="mono">{p.customerId ?? '—'}</dd>
          <dt>{t('customer.email')}</dt>
          <dd>{p.email ?? '—'}</dd>
          <dt>{t('customer.locale')}</dt>
          <dd>{p.locale ?? '—'}</dd>
          <dt>{t('customer.timezone')}</dt>
          <dd>{p.timezone ?? '—'}</dd>
        </dl>
      </Panel>
      <Panel title={t('customer.consentTitle')}>
        <dl className="facts">
          <dt>{t('customer.consent')}</dt>
          <dd>{t(`customers.consent.${p.emailConsent ?? 'unknown'}`)}</dd>
          <dt>{t('customer.consentSource')}</dt>
          <dd className="mono">{p.emailConsentSource ?? '—'}</dd>
          <dt>{t('customer.consentAt')}</dt>
          <dd>{p.emailConsentAt ? formatTime(p.emailConsentAt) : '—'}</dd>
        </dl>
      </Panel>
      <Panel title={t('customer.purchasesTitle')}>
        {p.stats && <PurchaseStats stats={p.stats} language={language} />}
      </Panel>
      <Panel title={t('customer.attributesTitle')}>
        {attributes.length === 0 ? (
          <p className="hint">{t('customer.noAttributes')}</p>
        ) : (
          <dl className="facts attributes">
            {attributes.map(([key, value]) => (
              <div key={key} className="fact-row">
                <dt className="cell-clip" title={key}>
                  {key}
                </dt>
                <dd className="mono">{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
              </div>
            ))}
          </dl>
        )}
      </Panel>
    </div>
  );
}

function PurchaseStats({ stats, language }: { stats: NonNullable<CustomerProfileView['stats']>; language: string }) {
  const { t, formatTime } = useLanguage();
  const money = (value: number, currency: string) =>
    new Intl.NumberFormat(language, { style: 'currency', currency }).format(value);
  const currency = stats.currency ?? 'USD';
  return (
    <>
      <dl className="facts">
        <dt>{t('customer.orders')}</dt>
        <dd>{stats.ordersCount ?? 0}</dd>
        <dt>{t('customer.revenue')}</dt>
        <dd>{money(stats.revenue ?? 0, currency)}</dd>
        <dt>{t('customer.aov')}</dt>
        <dd>{(stats.ordersCount ?? 0) > 0 ? money(stats.averageOrderValue ?? 0, currency) : '—'}</dd>
        <dt>{t('customer.firstOrder')}</dt>
        <dd>{stats.firstOrderAt ? formatTime(stats.firstOrderAt) : t('common.never')}</dd>
        <dt>{t('customer.lastOrder')}</dt>
        <dd>{stats.lastOrderAt ? formatTime(stats.lastOrderAt) : t('common.never')}</dd>
      </dl>
      {(stats.otherCurrencies ?? []).length > 0 && (
        <>
          <h3 className="sub-heading">{t('customer.otherCurrencies')}</h3>
          <p className="hint">{t('customer.otherCurrenciesHint')}</p>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('customer.currency')}</th>
                <th scope="col" className="numeric">
                  {t('customer.orders')}
                </th>
                <th scope="col" className="numeric">
                  {t('customer.revenue')}
                </th>
              </tr>
            </thead>
            <tbody>
              {(stats.otherCurrencies ?? []).map((o) => (
                <tr key={o.currency}>
                  <th scope="row">{o.currency}</th>
                  <td className="numeric">{o.orders}</td>
                  <td className="numeric">{money(o.revenue ?? 0, o.currency ?? currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

function ActivityTab({ customerId }: { customerId: string }) {
  const { t } = useLanguage();
  const [onlyNps, setOnlyNps] = useState(false);
  const events = useCustomerEvents(customerId, onlyNps ? NPS_EVENT : undefined);
  const list = events.data?.pages.flatMap((p) => p.events) ?? [];
  return (
    <Panel title={t('customer.activityTitle')}>
      <fieldset className="segmented">
        <legend className="visually-hidden">{t('customer.activityShow')}</legend>
        <label>
          <input type="radio" name="events" checked={!onlyNps} onChange={() => setOnlyNps(false)} />
          {t('customer.allEvents')}
        </label>
        <label>
          <input type="radio" name="events" checked={onlyNps} onChange={() => setOnlyNps(true)} />
          {t('customer.npsAnswers')}
        </label>
      </fieldset>
      <ErrorNotice error={events.error} />
      {events.isPending && <p>{t('common.loading')}</p>}
      {events.data && list.length === 0 && (
        <p className="hint">{onlyNps ? t('customer.noNps') : t('customer.noEvents')}</p>
      )}
      <ol className="timeline">
        {list.map((e) => (
          <EventItem key={e.id} event={e} />
        ))}
      </ol>
      {events.hasNextPage && (
        <button
          type="button"
          className="button load-more"
          disabled={events.isFetchingNextPage}
          onClick={() => void events.fetchNextPage()}
        >
          {t('customer.olderEvents')}
        </button>
      )}
    </Panel>
  );
}

function EventItem({ event: e }: { event: CustomerEventView }) {
  const { t, formatTime } = useLanguage();
  const props = e.properties ?? {};
  const score = e.name === NPS_EVENT && typeof props.score === 'number' ? props.score : null;
  const comment = e.name === NPS_EVENT && typeof props.comment === 'string' ? props.comment : null;
  return (
    <li className="timeline-item">
      <time dateTime={e.timestamp}>{formatTime(e.timestamp)}</time>
      <div className="timeline-body">
        <span className="event-name">{e.name}</span>
        {score !== null && (
          <span className={`nps nps-${score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor'}`}>
            {t('customer.npsScore', { score })}
          </span>
        )}
        {comment && <blockquote className="nps-comment">{comment}</blockquote>}
        {e.processingError && <p className="notice notice-error">{e.processingError}</p>}
        {Object.keys(props).length > 0 && score === null && (
          <details>
            <summary>{t('customer.eventProperties')}</summary>
            <pre className="event-properties">{JSON.stringify(props, null, 2)}</pre>
          </details>
        )}
      </div>
    </li>
  );
}

function JourneysTab({ customerId }: { customerId: string }) {
  const { t, formatTime } = useLanguage();
  const journeys = useCustomerJourneys(customerId);
  const instances = journeys.data?.instances ?? [];
  return (
    <Panel title={t('customer.journeysTitle')}>
      <ErrorNotice error={journeys.error} />
      {journeys.isPending && <p>{t('common.loading')}</p>}
      {journeys.data && instances.length === 0 && <p className="hint">{t('customer.noJourneys')}</p>}
      {instances.length > 0 && (
        <div className="table-scroll">
          <table className="customer-journeys">
            <thead>
              <tr>
                <th scope="col">{t('customer.colJourney')}</th>
                <th scope="col">{t('customer.colState')}</th>
                <th scope="col">{t('customer.colStep')}</th>
                <th scope="col">{t('customer.colNextTimer')}</th>
                <th scope="col">{t('customer.colEntered')}</th>
                <th scope="col">{t('customer.colHistory')}</th>
              </tr>
            </thead>
            <tbody>
              {instances.map((i) => (
                <tr key={i.id}>
                  <th scope="row" className="cell-clip" title={i.journeyName ?? i.journeyId}>
                    {i.journeyName ?? i.journeyId}
                    <span className="cell-sub">
                      {t('customer.version', { version: i.version })}
                      {i.key ? ` · ${i.key}` : ''}
                      {i.heldOut ? ` · ${t('customer.heldOut')}` : ''}
                    </span>
                  </th>
                  <td>
                    {i.status}
                    {i.exitReason && <span className="cell-sub">{i.exitReason}</span>}
                  </td>
                  <td className="mono">{i.currentStep ?? '—'}</td>
                  <td>
                    {i.nextTimer ? (
                      <time dateTime={i.nextTimer.dueAt} title={i.nextTimer.event}>
                        {formatTime(i.nextTimer.dueAt)}
                      </time>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td className="nowrap">{formatTime(i.enteredAt)}</td>
                  <td>
                    <details>
                      <summary>{t('customer.historyCount', { count: i.history.length })}</summary>
                      <ol className="history">
                        {i.history.map((h, n) => (
                          <li key={n}>
                            <time dateTime={h.at}>{formatTime(h.at)}</time> {h.kind}
                            {h.stepId ? ` ${h.stepId}` : ''}
                            {h.reason ? ` (${h.reason})` : ''}
                          </li>
                        ))}
                      </ol>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

function MessagesTab({ customerId }: { customerId: string }) {
  const { t, formatTime } = useLanguage();
  const role = useSession().data?.user.role;
  const mayRead = role === 'ops' || role === 'admin';
  const messages = useCustomerMessages(customerId, mayRead);
  const list = messages.data?.pages.flatMap((p) => p.messages) ?? [];
  return (
    <Panel title={t('customer.messagesTitle')}>
      {!mayRead && <p className="notice notice-info">{t('customer.messagesForOps')}</p>}
      <ErrorNotice error={messages.error} />
      {mayRead && messages.isPending && <p>{t('common.loading')}</p>}
      {messages.data && list.length === 0 && <p className="hint">{t('customer.noMessages')}</p>}
      {list.length > 0 && (
        <div className="table-scroll">
          <table className="customer-messages">
            <thead>
              <tr>
                <th scope="col">{t('messages.colCreated')}</th>
                <th scope="col">{t('messages.colStatus')}</th>
                <th scope="col">{t('messages.colSubject')}</th>
                <th scope="col">{t('messages.colTemplate')}</th>
                <th scope="col" className="numeric">
                  {t('messages.colAttempts')}
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((m) => (
                <tr key={m.id}>
                  <td className="nowrap">{formatTime(m.createdAt)}</td>
                  <td>
                    <StatusBadge status={m.status} />
                  </td>
                  <th scope="row" className="cell-clip">
                    <Link to={`/messages/${m.id}`} title={m.subject ?? undefined}>
                      {m.subject ?? t('messages.noSubject', { template: m.templateKey ?? m.channel })}
                    </Link>
                  </th>
                  <td className="cell-clip">{m.templateKey ?? '—'}</td>
                  <td className="numeric">{m.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {messages.hasNextPage && (
        <button
          type="button"
          className="button load-more"
          disabled={messages.isFetchingNextPage}
          onClick={() => void messages.fetchNextPage()}
        >
          {t('messages.older')}
        </button>
      )}
    </Panel>
  );
}
