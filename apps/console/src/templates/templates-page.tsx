import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useLanguage } from '../i18n/i18n';
import { useSession } from '../session/use-session';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { TextField } from '../ui/text-field';
import { starterDraft } from './starter-draft';
import { useCreateTemplate, useTemplates, type TemplateKind, type TemplateListing } from './use-templates';
import '../ui/controls.css';
import './templates.css';

const KINDS: TemplateKind[] = ['email', 'layout', 'partial'];

/** Marketers (ops read only): every email template, layout and partial; create one. */
export function TemplatesPage() {
  const { t } = useLanguage();
  const templates = useTemplates();
  const role = useSession().data?.user.role;
  const [kind, setKind] = useState<TemplateKind>('email');
  const shown = templates.data?.templates.filter((x) => x.kind === kind) ?? [];
  return (
    <Page title={t('templates.title')}>
      <p>{t('templates.intro')}</p>
      <RoleGate error={templates.error} roles={['marketer', 'ops']}>
        {role === 'ops' && <p className="notice notice-info">{t('templates.readOnly')}</p>}
        {role !== 'ops' && <CreateTemplateForm />}
        <Panel title={t('templates.listTitle', { kind: t(`templates.kind.${kind}`), count: shown.length })}>
          <div className="segmented" role="group" aria-label={t('templates.filter')}>
            {KINDS.map((k) => (
              <button
                key={k}
                type="button"
                className="segmented-option"
                aria-pressed={k === kind}
                onClick={() => setKind(k)}
              >
                {t(`templates.kind.${k}`)}
                <span className="count-badge">{templates.data?.templates.filter((x) => x.kind === k).length ?? 0}</span>
              </button>
            ))}
          </div>
          {templates.isPending && <p>{t('common.loading')}</p>}
          <ErrorNotice error={templates.error} />
          {templates.data && <TemplatesTable templates={shown} />}
        </Panel>
      </RoleGate>
    </Page>
  );
}

function TemplatesTable({ templates }: { templates: TemplateListing[] }) {
  const { t, formatTime } = useLanguage();
  if (templates.length === 0) {
    return <p className="hint">{t('templates.empty')}</p>;
  }
  return (
    <table className="templates-table">
      <thead>
        <tr>
          <th scope="col">{t('templates.colKey')}</th>
          <th scope="col">{t('templates.colName')}</th>
          <th scope="col">{t('templates.colLocales')}</th>
          <th scope="col">{t('templates.colVersion')}</th>
          <th scope="col">{t('templates.colUpdated')}</th>
        </tr>
      </thead>
      <tbody>
        {templates.map((template) => (
          <tr key={template.id}>
            <th scope="row" className="cell-clip" title={template.key}>
              <Link to={`/templates/${template.id}`}>{template.key}</Link>
            </th>
            <td className="cell-clip" title={template.description}>
              {template.description}
            </td>
            <td>
              {template.locales.map((l) => (
                <span key={l} className="locale-chip">
                  {l}
                </span>
              ))}
            </td>
            <td>{t('templates.version', { version: template.currentVersion })}</td>
            <td>{formatTime(template.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CreateTemplateForm() {
  const { t } = useLanguage();
  const create = useCreateTemplate();
  const navigate = useNavigate();
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [kind, setKind] = useState<TemplateKind>('email');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { key, kind, description: name, ...starterDraft(kind) },
      { onSuccess: (created) => void navigate(`/templates/${created.id}`) },
    );
  };
  return (
    <Panel title={t('templates.createTitle')}>
      <form className="inline-form" onSubmit={submit}>
        <TextField
          label={t('templates.key')}
          hint={t('templates.keyHint')}
          required
          pattern="[a-z0-9][a-z0-9_.\-]{0,99}"
          value={key}
          onChange={setKey}
        />
        <TextField label={t('templates.name')} maxLength={2000} value={name} onChange={setName} />
        <div className="field">
          <label htmlFor="new-template-kind">{t('templates.kind')}</label>
          <select id="new-template-kind" value={kind} onChange={(e) => setKind(e.target.value as TemplateKind)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`templates.kindOne.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {t('templates.create')}
        </button>
      </form>
      <ErrorNotice error={create.error} />
    </Panel>
  );
}
