import { useEffect, useId, useState, type ReactNode } from 'react';
import { ApiError } from '../api/api-error';
import { useLanguage } from '../i18n/i18n';
import type { MessageKey } from '../i18n/catalog';
import { useSession } from '../session/use-session';
import { ErrorNotice } from '../ui/error-notice';
import { Page } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import {
  useAnalyticsSettings,
  useChangeAnalyticsSettings,
  type AnalyticsSettings,
  type AnalyticsSettingsChange,
} from './use-analytics';
import './analytics.css';

const TOUCHES = ['clicked-else-received', 'clicked', 'opened', 'received'] as const;

/** Number fields by their API path (`group.field`), with their labels. */
const NUMBERS: Array<{
  group: 'attribution' | 'engagement' | 'lift' | 'kpi';
  field: string;
  label: MessageKey;
  hint?: MessageKey;
}> = [
  { group: 'attribution', field: 'windowDays', label: 'asettings.windowDays', hint: 'asettings.windowHint' },
  { group: 'engagement', field: 'minOpenSeconds', label: 'asettings.minOpenSeconds' },
  { group: 'engagement', field: 'minClickSeconds', label: 'asettings.minClickSeconds' },
  { group: 'engagement', field: 'burstWindowMs', label: 'asettings.burstWindowMs' },
  { group: 'engagement', field: 'burstLinks', label: 'asettings.burstLinks' },
  { group: 'lift', field: 'confidence', label: 'asettings.confidence' },
  { group: 'lift', field: 'power', label: 'asettings.power' },
  { group: 'lift', field: 'minimumDetectableLift', label: 'asettings.minimumDetectableLift' },
  { group: 'lift', field: 'fallbackBaseline', label: 'asettings.fallbackBaseline' },
  { group: 'kpi', field: 'churnDays', label: 'asettings.churnDays' },
];
const PATTERNS = [
  { field: 'proxyUserAgents', label: 'asettings.proxyUserAgents' },
  { field: 'scannerUserAgents', label: 'asettings.scannerUserAgents' },
] as const;

type Form = Record<string, string>;

function toForm(s: AnalyticsSettings): Form {
  const form: Form = { 'attribution.touch': s.attribution.touch };
  for (const n of NUMBERS) {
    form[`${n.group}.${n.field}`] = String((s[n.group] as Record<string, unknown>)[n.field]);
  }
  for (const p of PATTERNS) {
    form[`engagement.${p.field}`] = s.engagement[p.field].join('\n');
  }
  return form;
}

/**
 * The whole form as a change. A number field that is not a number goes as typed, so the API
 * names it in its 400 like any other bad value; the console does not keep a second copy of the
 * rules.
 */
function toChange(form: Form): AnalyticsSettingsChange {
  const groups: Record<string, Record<string, unknown>> = { attribution: {}, engagement: {}, lift: {}, kpi: {} };
  groups.attribution!.touch = form['attribution.touch'];
  for (const n of NUMBERS) {
    const text = (form[`${n.group}.${n.field}`] ?? '').trim();
    groups[n.group]![n.field] = text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  }
  for (const p of PATTERNS) {
    groups.engagement![p.field] = (form[`engagement.${p.field}`] ?? '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
  }
  return groups;
}

/** Problems named by a 400, by field path (`attribution.windowDays`; a pattern's `[2]` goes to its list). */
function fieldErrors(error: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!(error instanceof ApiError) || error.status !== 400) {
    return out;
  }
  const issues = Array.isArray(error.details?.issues)
    ? (error.details.issues as Array<{ path: string; message: string }>)
    : [];
  for (const issue of issues) {
    const path = issue.path.replace(/\[\d+\]$/, '');
    out.set(path, out.has(path) ? `${out.get(path)}; ${issue.message}` : issue.message);
  }
  return out;
}

/** Settings → Analytics: admins change the shop's analytics settings; marketers and ops read them. */
export function AnalyticsSettingsPage() {
  const { t } = useLanguage();
  const session = useSession().data;
  const settings = useAnalyticsSettings();
  const change = useChangeAnalyticsSettings();
  const [form, setForm] = useState<Form | null>(null);
  const [saved, setSaved] = useState(false);
  const canEdit = session?.user.role === 'admin';
  const errors = fieldErrors(change.error);

  useEffect(() => {
    if (settings.data && form === null) {
      setForm(toForm(settings.data));
    }
  }, [settings.data, form]);

  const set = (path: string) => (value: string) => {
    setSaved(false);
    setForm((f) => ({ ...f, [path]: value }));
  };

  return (
    <Page title={t('asettings.title')}>
      <RoleGate error={settings.error} roles={['marketer', 'ops', 'admin']}>
        <ErrorNotice error={settings.error} />
        {!canEdit && settings.data && <p className="notice notice-info">{t('asettings.readOnly')}</p>}
        {settings.data && form && (
          <form
            className="settings-form"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              setSaved(false);
              change.mutate(toChange(form), {
                onSuccess: (next) => {
                  setForm(toForm(next));
                  setSaved(true);
                },
              });
            }}
          >
            <fieldset>
              <legend>{t('asettings.shop')}</legend>
              <dl className="facts">
                <dt>{t('asettings.timeZone')}</dt>
                <dd>{settings.data.timeZone}</dd>
                <dt>{t('asettings.currency')}</dt>
                <dd>{settings.data.currency}</dd>
              </dl>
              <p className="hint">{t('asettings.shopHint')}</p>
            </fieldset>
            {(['attribution', 'engagement', 'lift', 'kpi'] as const).map((group) => (
              <fieldset key={group}>
                <legend>{t(`asettings.${group}`)}</legend>
                <div className="settings-grid">
                  {group === 'attribution' && (
                    <Field label={t('asettings.touch')} error={errors.get('attribution.touch')}>
                      {(props) => (
                        <select
                          {...props}
                          disabled={!canEdit}
                          value={form['attribution.touch']}
                          onChange={(e) => set('attribution.touch')(e.target.value)}
                        >
                          {TOUCHES.map((touch) => (
                            <option key={touch} value={touch}>
                              {t(`asettings.touch.${touch}`)}
                            </option>
                          ))}
                        </select>
                      )}
                    </Field>
                  )}
                  {NUMBERS.filter((n) => n.group === group).map((n) => {
                    const path = `${n.group}.${n.field}`;
                    return (
                      <Field key={path} label={t(n.label)} hint={n.hint && t(n.hint)} error={errors.get(path)}>
                        {(props) => (
                          <input
                            {...props}
                            inputMode="decimal"
                            disabled={!canEdit}
                            value={form[path] ?? ''}
                            onChange={(e) => set(path)(e.target.value)}
                          />
                        )}
                      </Field>
                    );
                  })}
                  {group === 'engagement' &&
                    PATTERNS.map((p) => {
                      const path = `engagement.${p.field}`;
                      return (
                        <Field key={path} label={t(p.label)} error={errors.get(path)}>
                          {(props) => (
                            <textarea
                              {...props}
                              rows={4}
                              spellCheck={false}
                              disabled={!canEdit}
                              value={form[path] ?? ''}
                              onChange={(e) => set(path)(e.target.value)}
                            />
                          )}
                        </Field>
                      );
                    })}
                </div>
              </fieldset>
            ))}
            <ErrorNotice error={change.error} />
            {saved && (
              <p role="status" className="notice notice-success">
                {t('asettings.saved')}
              </p>
            )}
            {canEdit && (
              <button type="submit" className="button button-primary" disabled={change.isPending}>
                {t('asettings.save')}
              </button>
            )}
          </form>
        )}
      </RoleGate>
    </Page>
  );
}

/** A labelled control with its hint and the API's complaint about it, both read with it. */
function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: string;
  error?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': described || undefined })}
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
