import { useMemo, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useLanguage, type Translate } from '../i18n/i18n';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { TextField } from '../ui/text-field';
import { SelectField } from './editor-fields';
import { JourneyCanvas } from './journey-canvas';
import { ENTRY_NODE } from './journey-graph';
import { fromYaml } from './journey-yaml';
import { useJourney, useSimulate, type PathEntry, type SimulationRequest } from './use-journeys';
import './journeys.css';

interface EventRow {
  name: string;
  at: string;
  properties: string;
}

/** The steps and links a simulated path went through (all its instances). */
export function visitedOf(path: PathEntry[]): { steps: Set<string>; edges: Set<string> } {
  const steps = new Set<string>();
  const edges = new Set<string>();
  const last = new Map<string, string>();
  for (const entry of path) {
    if (entry.kind === 'entered') {
      last.set(entry.instanceKey, ENTRY_NODE);
    } else if (entry.kind === 'step') {
      steps.add(entry.stepId);
      edges.add(`${last.get(entry.instanceKey) ?? ENTRY_NODE}->${entry.stepId}`);
      last.set(entry.instanceKey, entry.stepId);
    }
  }
  return { steps, edges };
}

function describe(t: Translate, e: PathEntry): { what: string; detail: string } {
  switch (e.kind) {
    case 'entered':
      return {
        what: t(e.heldOut ? 'sim.kind.heldOut' : 'sim.kind.entered', { trigger: e.trigger }),
        detail: e.instanceKey,
      };
    case 'step':
      return { what: t('sim.kind.step', { step: e.stepId }), detail: '' };
    case 'message':
      return {
        what: t('sim.kind.message', { step: e.stepId }),
        detail: [
          e.subject !== undefined
            ? t('sim.subject', { subject: e.subject })
            : t('sim.noSubject', { template: e.template }),
          e.suppressed ? t('sim.suppressed') : '',
        ]
          .filter(Boolean)
          .join(' · '),
      };
    case 'webhook':
      return { what: t('sim.kind.webhook', { step: e.stepId }), detail: e.url };
    case 'profile-update':
      return { what: t('sim.kind.profile', { step: e.stepId }), detail: `${e.attribute} = ${JSON.stringify(e.value)}` };
    case 'exited':
      return { what: t('sim.kind.exited', { reason: e.reason }), detail: '' };
    case 'goal':
      return { what: t('sim.kind.goal', { event: e.event }), detail: '' };
  }
}

/**
 * What would happen to one customer: a real one (by the shop's id) or a made-up profile, and a
 * timeline of events, run by the engine on a virtual clock; the path is drawn on the canvas and
 * listed with its virtual times and the subjects of the email that would be sent.
 */
export function JourneySimulatePage() {
  const { id } = useParams() as { id: string };
  const { t, formatTime } = useLanguage();
  const journey = useJourney(id);
  const simulate = useSimulate(id);
  const j = journey.data;
  const [version, setVersion] = useState('');
  const [mode, setMode] = useState<'real' | 'profile'>('profile');
  const [customerId, setCustomerId] = useState('');
  const [email, setEmail] = useState('');
  const [locale, setLocale] = useState('');
  const [timezone, setTimezone] = useState('');
  const [ordersCount, setOrdersCount] = useState('0');
  const [attributes, setAttributes] = useState('');
  const [events, setEvents] = useState<EventRow[] | undefined>();
  const [formError, setFormError] = useState<string>();

  const chosen = j
    ? (j.versions.find((v) => String(v.version) === version) ?? j.versions[j.versions.length - 1]!)
    : undefined;
  const entry = chosen?.definition.entry;
  const rows: EventRow[] = events ?? [
    {
      name: entry && 'event' in entry ? [entry.event].flat()[0]! : 'segment.entered',
      at: new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString(),
      properties: entry && 'event' in entry && entry.key ? `{ ${entry.key}: A, total: 120, items: [] }` : '{}',
    },
  ];
  const setRow = (i: number, row: Partial<EventRow>) => setEvents(rows.map((r, j) => (j === i ? { ...r, ...row } : r)));

  const run = (e: FormEvent) => {
    e.preventDefault();
    setFormError(undefined);
    const yamlObject = (text: string, field: string): Record<string, unknown> | undefined => {
      if (!text.trim()) {
        return {};
      }
      const parsed = fromYaml(text);
      if (
        'error' in parsed ||
        typeof parsed.value !== 'object' ||
        parsed.value === null ||
        Array.isArray(parsed.value)
      ) {
        setFormError(t('sim.badYaml', { field, message: 'error' in parsed ? parsed.error : '{ … }' }));
        return undefined;
      }
      return parsed.value as Record<string, unknown>;
    };
    const timeline: SimulationRequest['events'] = [];
    for (const [i, row] of rows.entries()) {
      const properties = yamlObject(row.properties, t('sim.eventProps', { n: i + 1 }));
      if (!properties) {
        return;
      }
      timeline.push({ name: row.name, at: row.at, properties });
    }
    const attrs = yamlObject(attributes, t('sim.attributes'));
    if (!attrs) {
      return;
    }
    simulate.mutate({
      ...(chosen ? { version: chosen.version } : {}),
      ...(mode === 'real'
        ? { customerId: customerId.trim() }
        : {
            customer: {
              ...(email ? { email } : {}),
              ...(locale ? { locale } : {}),
              ...(timezone ? { timezone } : {}),
              ordersCount: Number(ordersCount) || 0,
              attributes: attrs,
            },
          }),
      events: timeline,
    });
  };

  const path = simulate.data?.path;
  const visited = useMemo(() => (path ? visitedOf(path) : undefined), [path]);

  return (
    <Page title={t('sim.title', { name: j?.name ?? '' })}>
      <div className="journey-wide">
        <Link to={`/journeys/${id}`} className="back-link">
          ← {j?.name ?? t('journey.back')}
        </Link>
      </div>
      <RoleGate error={journey.error} roles={['marketer']}>
        <ErrorNotice error={journey.error} />
        {j && chosen && (
          <div className="simulate-layout">
            <form className="panel simulate-form" onSubmit={run} aria-label={t('sim.run')}>
              <p className="hint">{t('sim.hint')}</p>
              <SelectField
                label={t('sim.version')}
                value={String(chosen.version)}
                onChange={setVersion}
                options={j.versions.map((v) => ({ value: String(v.version), label: String(v.version) }))}
              />
              <fieldset className="step-fieldset">
                <legend>{t('sim.customer')}</legend>
                <label className="checkbox">
                  <input type="radio" name="mode" checked={mode === 'profile'} onChange={() => setMode('profile')} />
                  {t('sim.useProfile')}
                </label>
                <label className="checkbox">
                  <input type="radio" name="mode" checked={mode === 'real'} onChange={() => setMode('real')} />
                  {t('sim.useReal')}
                </label>
                {mode === 'real' ? (
                  <TextField label={t('sim.customerId')} value={customerId} onChange={setCustomerId} required />
                ) : (
                  <>
                    <TextField label={t('sim.email')} type="email" value={email} onChange={setEmail} />
                    <TextField label={t('sim.locale')} value={locale} onChange={setLocale} />
                    <TextField label={t('sim.timezone')} value={timezone} onChange={setTimezone} />
                    <TextField
                      label={t('sim.ordersCount')}
                      type="number"
                      min={0}
                      value={ordersCount}
                      onChange={setOrdersCount}
                    />
                    <TextField label={t('sim.attributes')} value={attributes} onChange={setAttributes} />
                  </>
                )}
              </fieldset>
              <fieldset className="step-fieldset">
                <legend>{t('sim.events')}</legend>
                {rows.map((row, i) => (
                  <div key={i} className="sim-event">
                    <TextField
                      label={t('sim.eventName', { n: i + 1 })}
                      value={row.name}
                      onChange={(name) => setRow(i, { name })}
                    />
                    <TextField
                      label={t('sim.eventAt', { n: i + 1 })}
                      value={row.at}
                      onChange={(at) => setRow(i, { at })}
                    />
                    <TextField
                      label={t('sim.eventProps', { n: i + 1 })}
                      className="code-input"
                      value={row.properties}
                      onChange={(properties) => setRow(i, { properties })}
                    />
                    {rows.length > 1 && (
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => setEvents(rows.filter((_, j) => j !== i))}
                      >
                        {t('sim.removeEvent', { n: i + 1 })}
                      </button>
                    )}
                  </div>
                ))}
                <button
                  type="button"
                  className="button button-small"
                  onClick={() =>
                    setEvents([...rows, { name: 'order.placed', at: rows[rows.length - 1]!.at, properties: '{}' }])
                  }
                >
                  {t('sim.addEvent')}
                </button>
              </fieldset>
              {formError && (
                <p role="alert" className="notice notice-error">
                  {formError}
                </p>
              )}
              <ErrorNotice error={simulate.error} />
              <button type="submit" className="button button-primary" disabled={simulate.isPending}>
                {t('sim.run')}
              </button>
            </form>
            <section className="panel canvas-panel" aria-labelledby="sim-canvas-title">
              <h2 id="sim-canvas-title">{t('journey.canvas')}</h2>
              <JourneyCanvas definition={chosen.definition} label={t('journey.canvas')} visited={visited} />
            </section>
          </div>
        )}
        {path && (
          <Panel title={t('sim.path')}>
            {path.length === 0 ? (
              <p>{t('sim.pathEmpty')}</p>
            ) : (
              <table className="sim-path">
                <thead>
                  <tr>
                    <th scope="col">{t('sim.col.at')}</th>
                    <th scope="col">{t('sim.col.what')}</th>
                    <th scope="col">{t('sim.col.detail')}</th>
                  </tr>
                </thead>
                <tbody>
                  {path.map((e, i) => {
                    const { what, detail } = describe(t, e);
                    return (
                      <tr key={i} className={`sim-${e.kind}`}>
                        <td className="nowrap">{formatTime(e.at)}</td>
                        <th scope="row">{what}</th>
                        <td>{detail}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </Panel>
        )}
      </RoleGate>
    </Page>
  );
}
