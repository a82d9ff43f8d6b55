import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/api-error';
import { useLanguage, type Translate } from '../i18n/i18n';
import { useSession } from '../session/use-session';
import { ErrorNotice } from '../ui/error-notice';
import { useDebounced } from '../ui/use-debounced';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { TextField } from '../ui/text-field';
import {
  useSaveTemplate,
  useTemplate,
  useTemplatePreview,
  useTemplates,
  useTemplateVersions,
  useTestSend,
  type RenderedPreview,
  type TemplateDraft,
  type TemplateVersion,
  type TemplateView,
} from './use-templates';
import '../ui/controls.css';
import './templates.css';

type Part = 'subject' | 'html' | 'text';
interface SyntaxProblem {
  locale: string;
  part: Part;
  message: string;
  line: number | null;
  column: number | null;
}

const CUSTOMER_KEY = 'kizuna.previewCustomer';
/** The console's two languages: offered as tabs even before a template has them. */
const LOCALES = ['en', 'ja'];

function toDraft(t: TemplateView): TemplateDraft {
  return {
    description: t.description,
    defaultLocale: t.defaultLocale,
    ...(t.layout ? { layout: t.layout } : {}),
    variants: Object.fromEntries(
      Object.entries(t.variants).map(([locale, v]) => [
        locale,
        {
          html: v.html,
          ...(v.subject !== null ? { subject: v.subject } : {}),
          ...(v.text !== null ? { text: v.text } : {}),
        },
      ]),
    ),
  };
}

/** The Handlebars problems an API error names (a draft that does not parse), else none. */
function syntaxProblems(error: unknown): SyntaxProblem[] {
  if (!(error instanceof ApiError) || error.code !== 'TEMPLATE_INVALID') {
    return [];
  }
  const syntax = error.details?.syntax;
  return Array.isArray(syntax) ? (syntax as SyntaxProblem[]) : [];
}

const languageOf = (t: Translate, locale: string) =>
  locale === 'en' || locale === 'ja' ? t(`editor.locale.${locale}`) : t('editor.localeOther', { locale });

/** Marketers: edit a template per locale with a live preview for a real customer; save, test-send, versions. */
export function TemplateEditorPage() {
  const { id = '' } = useParams();
  const { t } = useLanguage();
  const template = useTemplate(id);
  return (
    <Page
      title={t('editor.title', { key: template.data?.key ?? '…' })}
      actions={<Link to="/templates">{t('editor.back')}</Link>}
    >
      <RoleGate error={template.error} roles={['marketer', 'ops']}>
        {template.isPending && <p>{t('common.loading')}</p>}
        <ErrorNotice error={template.error} />
        {template.data && <TemplateEditor key={template.data.id} template={template.data} />}
      </RoleGate>
    </Page>
  );
}

function TemplateEditor({ template }: { template: TemplateView }) {
  const { t, formatTime } = useLanguage();
  const readOnly = useSession().data?.user.role === 'ops';
  const [saved, setSaved] = useState(template);
  const [draft, setDraft] = useState<TemplateDraft>(() => toDraft(template));
  const [locale, setLocale] = useState(() => (template.variants.en ? 'en' : Object.keys(template.variants)[0]!));
  const [customerId, setCustomerId] = useState(() => localStorage.getItem(CUSTOMER_KEY) ?? '');
  const [loadedVersion, setLoadedVersion] = useState<number | null>(null);
  const save = useSaveTemplate(template.id);
  const fields = useRef(new Map<string, HTMLTextAreaElement | HTMLInputElement>());
  const isEmail = template.kind === 'email';

  const dirty = useMemo(() => JSON.stringify(draft) !== JSON.stringify(toDraft(saved)), [draft, saved]);
  const settledDraft = useDebounced(draft, 400);
  const settledCustomer = useDebounced(customerId.trim(), 400);
  const previewRequest =
    isEmail && !readOnly && settledCustomer && settledDraft.variants[locale]
      ? { customerId: settledCustomer, locale, draft: settledDraft }
      : null;
  const preview = useTemplatePreview(template.id, previewRequest);
  // An error has no data: the last render that worked stays on screen, marked as such.
  const [lastGood, setLastGood] = useState<RenderedPreview | undefined>(undefined);
  useEffect(() => {
    if (preview.data && !preview.isPlaceholderData) {
      setLastGood(preview.data);
    }
  }, [preview.data, preview.isPlaceholderData]);
  const problems = [...syntaxProblems(preview.error), ...syntaxProblems(save.error)].filter(
    (p, i, all) => all.findIndex((q) => q.locale === p.locale && q.part === p.part) === i,
  );

  useEffect(() => {
    if (customerId.trim()) {
      localStorage.setItem(CUSTOMER_KEY, customerId.trim());
    }
  }, [customerId]);

  const variant = draft.variants[locale];
  const setPart = (part: Part, value: string) =>
    setDraft((d) => {
      const current = { ...d.variants[locale]! };
      if (part === 'html') {
        current.html = value;
      } else if (value === '') {
        delete current[part];
      } else {
        current[part] = value;
      }
      return { ...d, variants: { ...d.variants, [locale]: current } };
    });
  const addLocale = (l: string) => {
    const from = draft.variants[draft.defaultLocale] ?? Object.values(draft.variants)[0]!;
    setDraft((d) => ({ ...d, variants: { ...d.variants, [l]: { ...from } } }));
    setLocale(l);
  };
  const removeLocale = (l: string) => {
    const rest = Object.fromEntries(Object.entries(draft.variants).filter(([k]) => k !== l));
    const remaining = Object.keys(rest);
    setDraft((d) => ({
      ...d,
      defaultLocale: d.defaultLocale === l ? remaining[0]! : d.defaultLocale,
      variants: rest,
    }));
    setLocale(remaining[0]!);
  };
  /** Puts the cursor where Handlebars stopped, in the field of that locale and part. */
  const goTo = (p: SyntaxProblem) => {
    setLocale(p.locale);
    requestAnimationFrame(() => {
      const field = fields.current.get(p.part);
      if (!field) {
        return;
      }
      field.focus();
      if (p.line !== null) {
        const lines = field.value.split('\n');
        const offset =
          lines.slice(0, p.line - 1).reduce((n, line) => n + line.length + 1, 0) + Math.max(0, (p.column ?? 1) - 1);
        field.setSelectionRange(offset, offset);
      }
    });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(draft, {
      onSuccess: (next) => {
        setSaved(next);
        setDraft(toDraft(next));
        setLoadedVersion(null);
      },
    });
  };
  const tabLocales = [...new Set([...Object.keys(draft.variants), ...LOCALES])];
  const problemHere = (part: Part) => problems.find((p) => p.locale === locale && p.part === part);

  return (
    <div className="template-editor">
      <p className="hint">
        {t('editor.meta', {
          kind: t(`templates.kindOne.${template.kind}`),
          version: saved.currentVersion,
          time: formatTime(saved.updatedAt),
        })}
      </p>
      {readOnly && <p className="notice notice-info">{t('templates.readOnly')}</p>}
      <div className="editor-columns">
        <form className="panel editor-form" onSubmit={submit} aria-label={t('editor.contentTitle')}>
          <h2>{t('editor.contentTitle')}</h2>
          <TextField
            label={t('templates.name')}
            value={draft.description ?? ''}
            readOnly={readOnly}
            maxLength={2000}
            onChange={(description) => setDraft((d) => ({ ...d, description }))}
          />
          <div className="editor-settings">
            <div className="field">
              <label htmlFor="default-locale">{t('editor.defaultLocale')}</label>
              <select
                id="default-locale"
                aria-describedby="default-locale-hint"
                value={draft.defaultLocale}
                disabled={readOnly}
                onChange={(e) => setDraft((d) => ({ ...d, defaultLocale: e.target.value }))}
              >
                {Object.keys(draft.variants).map((l) => (
                  <option key={l} value={l}>
                    {languageOf(t, l)}
                  </option>
                ))}
              </select>
              <p id="default-locale-hint" className="hint">
                {t('editor.defaultLocaleHint')}
              </p>
            </div>
            {isEmail && (
              <LayoutSelect
                value={draft.layout}
                readOnly={readOnly}
                onChange={(layout) => setDraft((d) => ({ ...d, layout }))}
              />
            )}
          </div>
          {template.kind === 'layout' && <p className="hint">{t('editor.layoutHint')}</p>}
          {template.kind === 'partial' && <p className="hint">{t('editor.partialHint', { key: template.key })}</p>}

          <div role="tablist" aria-label={t('editor.locales')} className="locale-tabs">
            {tabLocales.map((l) =>
              draft.variants[l] ? (
                <button
                  key={l}
                  type="button"
                  role="tab"
                  id={`tab-${l}`}
                  aria-selected={l === locale}
                  aria-controls="locale-panel"
                  tabIndex={l === locale ? 0 : -1}
                  className="locale-tab"
                  onClick={() => setLocale(l)}
                >
                  {languageOf(t, l)}
                  {problems.some((p) => p.locale === l) && <span className="tab-error" aria-hidden="true" />}
                </button>
              ) : (
                !readOnly && (
                  <button key={l} type="button" className="button button-small" onClick={() => addLocale(l)}>
                    {t('editor.addLocale', { language: languageOf(t, l) })}
                  </button>
                )
              ),
            )}
          </div>
          {variant && (
            <div role="tabpanel" id="locale-panel" aria-labelledby={`tab-${locale}`} className="locale-panel">
              {isEmail && (
                <SourceField
                  label={t('editor.subject')}
                  single
                  value={variant.subject ?? ''}
                  readOnly={readOnly}
                  problem={problemHere('subject')}
                  register={(el) => fields.current.set('subject', el)}
                  onChange={(v) => setPart('subject', v)}
                />
              )}
              <SourceField
                label={t('editor.html')}
                rows={14}
                value={variant.html}
                readOnly={readOnly}
                problem={problemHere('html')}
                register={(el) => fields.current.set('html', el)}
                onChange={(v) => setPart('html', v)}
              />
              {isEmail && (
                <SourceField
                  label={t('editor.text')}
                  hint={t('editor.textHint')}
                  rows={5}
                  value={variant.text ?? ''}
                  readOnly={readOnly}
                  problem={problemHere('text')}
                  register={(el) => fields.current.set('text', el)}
                  onChange={(v) => setPart('text', v)}
                />
              )}
              {!readOnly && Object.keys(draft.variants).length > 1 && (
                <button type="button" className="button button-small" onClick={() => removeLocale(locale)}>
                  {t('editor.removeLocale', { language: languageOf(t, locale) })}
                </button>
              )}
            </div>
          )}
          {problems.length > 0 && (
            <div className="notice notice-error" role="alert">
              <h3>{t('editor.syntaxTitle')}</h3>
              <ul className="problem-list">
                {problems.map((p) => (
                  <li key={`${p.locale}.${p.part}`}>
                    <button type="button" className="link-button" onClick={() => goTo(p)}>
                      {p.line !== null
                        ? t('editor.syntaxItem', {
                            language: languageOf(t, p.locale),
                            part: t(`editor.part.${p.part}`),
                            line: p.line,
                            column: p.column ?? 1,
                          })
                        : t('editor.syntaxItemNoSpot', {
                            language: languageOf(t, p.locale),
                            part: t(`editor.part.${p.part}`),
                          })}
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {!readOnly && (
            <div className="editor-actions">
              <span className={dirty ? 'dirty-flag' : 'hint'} role="status">
                {dirty ? t('editor.unsaved') : t('editor.upToDate')}
              </span>
              <button type="submit" className="button button-primary" disabled={save.isPending || !dirty}>
                {t('editor.save', { version: saved.currentVersion + 1 })}
              </button>
            </div>
          )}
          {problems.length === 0 && <ErrorNotice error={save.error} />}
          {save.isSuccess && !dirty && (
            <p className="notice notice-success" role="status">
              {t('editor.saved', { version: saved.currentVersion })}
            </p>
          )}
          {loadedVersion !== null && (
            <p className="notice notice-info" role="status">
              {t('editor.versionLoaded', { version: loadedVersion })}
            </p>
          )}
        </form>

        <div className="editor-side">
          <Panel title={t('editor.previewTitle')}>
            {!isEmail ? (
              <p className="hint">{t('editor.previewOnlyEmails')}</p>
            ) : readOnly ? (
              <p className="hint">{t('templates.readOnly')}</p>
            ) : (
              <>
                <TextField
                  label={t('editor.previewCustomer')}
                  hint={t('editor.previewCustomerHint')}
                  value={customerId}
                  maxLength={255}
                  onChange={setCustomerId}
                />
                <PreviewPane
                  customerId={settledCustomer}
                  rendered={preview.data ?? lastGood}
                  error={syntaxProblems(preview.error).length > 0 ? undefined : preview.error}
                  stale={preview.isError || preview.isPlaceholderData}
                  fetching={preview.isFetching}
                />
              </>
            )}
          </Panel>
          {isEmail && !readOnly && (
            <TestSendPanel templateId={template.id} customerId={customerId.trim()} locale={locale} draft={draft} />
          )}
          <VersionsPanel
            templateId={template.id}
            current={saved.currentVersion}
            readOnly={readOnly}
            onLoad={(view) => {
              setDraft({ ...toDraft(view), description: draft.description });
              setLoadedVersion(view.version);
              setLocale(view.variants[locale] ? locale : Object.keys(view.variants)[0]!);
            }}
          />
        </div>
      </div>
    </div>
  );
}

/** A labelled template source (one line for the subject), with where it stopped parsing. */
function SourceField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  register: (el: HTMLTextAreaElement | HTMLInputElement) => void;
  problem?: SyntaxProblem;
  hint?: string;
  rows?: number;
  single?: boolean;
  readOnly?: boolean;
}) {
  const { t } = useLanguage();
  const id = useId();
  const { label, value, onChange, register, problem, hint, rows, single, readOnly } = props;
  const describedBy = [hint ? `${id}-hint` : '', problem ? `${id}-problem` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    value,
    readOnly,
    spellCheck: false,
    'aria-invalid': problem ? true : undefined,
    'aria-describedby': describedBy,
    className: 'source',
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {single ? (
        <input
          {...common}
          ref={(el) => {
            if (el) {
              register(el);
            }
          }}
          onChange={(e) => onChange(e.target.value)}
        />
      ) : (
        <textarea
          {...common}
          rows={rows}
          ref={(el) => {
            if (el) {
              register(el);
            }
          }}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {problem && (
        <pre id={`${id}-problem`} className="source-problem">
          {problem.line !== null
            ? t('editor.syntaxAt', { line: problem.line, column: problem.column ?? 1, message: problem.message })
            : problem.message}
        </pre>
      )}
    </div>
  );
}

function LayoutSelect({
  value,
  onChange,
  readOnly,
}: {
  value: string | undefined;
  onChange: (layout: string | undefined) => void;
  readOnly: boolean;
}) {
  const { t } = useLanguage();
  const layouts = useTemplates().data?.templates.filter((x) => x.kind === 'layout') ?? [];
  return (
    <div className="field">
      <label htmlFor="layout-select">{t('editor.layout')}</label>
      <select
        id="layout-select"
        value={value ?? ''}
        disabled={readOnly}
        onChange={(e) => onChange(e.target.value || undefined)}
      >
        <option value="">{t('editor.noLayout')}</option>
        {layouts.map((l) => (
          <option key={l.id} value={l.key}>
            {l.key}
          </option>
        ))}
        {value && !layouts.some((l) => l.key === value) && <option value={value}>{value}</option>}
      </select>
    </div>
  );
}

/** The API's render in a sandboxed frame (no script, no same-origin): an email, not a page of ours. */
function PreviewPane(props: {
  customerId: string;
  rendered: RenderedPreview | undefined;
  error: unknown;
  stale: boolean;
  fetching: boolean;
}) {
  const { t } = useLanguage();
  const { customerId, rendered, error, stale, fetching } = props;
  const [view, setView] = useState<'html' | 'text'>('html');
  if (!customerId) {
    return <p className="hint">{t('editor.previewNeedsCustomer')}</p>;
  }
  return (
    <div className="preview" aria-busy={fetching}>
      <ErrorNotice error={error} />
      <div className="preview-bar">
        <div className="segmented" role="group" aria-label={t('editor.previewView')}>
          {(['html', 'text'] as const).map((v) => (
            <button
              key={v}
              type="button"
              className="segmented-option"
              aria-pressed={view === v}
              onClick={() => setView(v)}
            >
              {v === 'html' ? t('editor.previewHtml') : t('editor.previewText')}
            </button>
          ))}
        </div>
        <span className="hint" role="status">
          {fetching ? t('editor.previewRendering') : rendered && stale ? t('editor.previewStale') : ''}
        </span>
      </div>
      {rendered && (
        <>
          <p className="preview-subject">{t('editor.previewSubject', { subject: rendered.subject })}</p>
          {view === 'html' ? (
            <iframe
              className="preview-frame"
              title={t('editor.previewFrame', { customer: customerId })}
              sandbox=""
              srcDoc={rendered.html}
            />
          ) : (
            <pre className="preview-text">{rendered.text}</pre>
          )}
        </>
      )}
    </div>
  );
}

function TestSendPanel(props: { templateId: string; customerId: string; locale: string; draft: TemplateDraft }) {
  const { t } = useLanguage();
  const { templateId, customerId, locale, draft } = props;
  const send = useTestSend(templateId);
  const [to, setTo] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate({ to: to.trim(), customerId, locale, draft });
  };
  return (
    <Panel title={t('editor.testSendTitle')}>
      <form className="inline-form" onSubmit={submit}>
        <TextField label={t('editor.testSendTo')} type="email" required value={to} onChange={setTo} />
        <button type="submit" className="button" disabled={send.isPending || !customerId}>
          {t('editor.testSend')}
        </button>
      </form>
      {!customerId && <p className="hint">{t('editor.testSendNeedsCustomer')}</p>}
      <ErrorNotice error={send.error} />
      {send.data && !send.isPending && (
        <p className="notice notice-success" role="status">
          {t('editor.testSent', { subject: send.data.subject, to: send.data.to, response: send.data.response })}
        </p>
      )}
    </Panel>
  );
}

function VersionsPanel(props: {
  templateId: string;
  current: number;
  readOnly: boolean;
  onLoad: (view: TemplateView) => void;
}) {
  const { t, formatTime } = useLanguage();
  const { templateId, current, readOnly, onLoad } = props;
  const versions = useTemplateVersions(templateId);
  const [loading, setLoading] = useState<number | null>(null);
  const loaded = useTemplate(templateId, loading ?? undefined);
  useEffect(() => {
    if (loading !== null && loaded.data && loaded.data.version === loading) {
      onLoad(loaded.data);
      setLoading(null);
    }
  }, [loading, loaded.data, onLoad]);
  return (
    <Panel title={t('editor.versionsTitle')}>
      {versions.isPending && <p>{t('common.loading')}</p>}
      <ErrorNotice error={versions.error ?? loaded.error} />
      <ol className="version-list">
        {versions.data?.versions.map((v) => (
          <li key={v.version}>
            <div className="version-head">
              <strong>{t('templates.version', { version: v.version })}</strong>
              {v.version === current && <span className="locale-chip">{t('editor.versionCurrent')}</span>}
              <span className="hint">{formatTime(v.createdAt)}</span>
              {!readOnly && v.version !== current && (
                <button
                  type="button"
                  className="button button-small"
                  aria-label={t('editor.versionLoad', { version: v.version })}
                  onClick={() => setLoading(v.version)}
                >
                  {t('editor.versionLoadShort')}
                </button>
              )}
            </div>
            <p className="version-changes">{describeChanges(t, v)}</p>
          </li>
        ))}
      </ol>
    </Panel>
  );
}

function describeChanges(t: Translate, v: TemplateVersion): string {
  if (v.version === 1) {
    return t('editor.versionCreated');
  }
  if (v.changes.length === 0) {
    return t('editor.changeNone');
  }
  return v.changes
    .map((c) =>
      c.part === 'layout'
        ? t('editor.change.layout')
        : t(`editor.change.${c.part}`, { language: languageOf(t, c.locale ?? '') }),
    )
    .join(', ');
}
