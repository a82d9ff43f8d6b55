import { useId, useState, type FormEvent } from 'react';
import { useLanguage } from '../i18n/i18n';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { RoleSelect } from '../ui/role-select';
import { TextField } from '../ui/text-field';
import { useApiKeys, useCreateApiKey, useRevokeApiKey, type ApiKeyView } from './use-api-keys';

const ROLES = ['ingest', 'marketer', 'ops', 'admin'] as const;

/** Admins: create keys (the secret shown once), list them, revoke them. */
export function ApiKeysPage() {
  const { t } = useLanguage();
  const keys = useApiKeys();
  return (
    <Page title={t('apiKeys.title')}>
      <p>{t('apiKeys.intro')}</p>
      <RoleGate error={keys.error} roles={['admin']}>
        <CreateKeyForm />
        <Panel title={t('apiKeys.listTitle')}>
          {keys.isPending && <p>{t('common.loading')}</p>}
          <ErrorNotice error={keys.error} />
          {keys.data && <KeysTable keys={keys.data.keys} />}
        </Panel>
      </RoleGate>
    </Page>
  );
}

function CreateKeyForm() {
  const { t } = useLanguage();
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [role, setRole] = useState<(typeof ROLES)[number]>('ingest');
  const secretId = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, role }, { onSuccess: () => setName('') });
  };
  return (
    <Panel title={t('apiKeys.createTitle')}>
      <form className="inline-form" onSubmit={submit}>
        <TextField label={t('apiKeys.name')} required maxLength={200} value={name} onChange={setName} />
        <RoleSelect label={t('apiKeys.role')} roles={ROLES} value={role} onChange={setRole} />
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {t('apiKeys.create')}
        </button>
      </form>
      <ErrorNotice error={create.error} />
      {create.data && (
        <div className="notice notice-success" role="status">
          <h3>{t('apiKeys.createdTitle', { name: create.data.name })}</h3>
          <p>{t('apiKeys.createdBody')}</p>
          <label htmlFor={secretId}>{t('apiKeys.secret')}</label>
          <input id={secretId} className="secret" readOnly value={create.data.key} onFocus={(e) => e.target.select()} />
        </div>
      )}
    </Panel>
  );
}

function KeysTable({ keys }: { keys: ApiKeyView[] }) {
  const { t, formatTime } = useLanguage();
  const revoke = useRevokeApiKey();
  const [revoking, setRevoking] = useState<ApiKeyView | null>(null);
  if (keys.length === 0) {
    return <p>{t('apiKeys.none')}</p>;
  }
  return (
    <>
      <ErrorNotice error={revoke.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">{t('apiKeys.colName')}</th>
            <th scope="col">{t('apiKeys.colRole')}</th>
            <th scope="col">{t('apiKeys.colPrefix')}</th>
            <th scope="col">{t('apiKeys.colCreated')}</th>
            <th scope="col">{t('apiKeys.colLastUsed')}</th>
            <th scope="col">{t('apiKeys.colStatus')}</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id}>
              <th scope="row">{key.name}</th>
              <td>{t(`role.${key.role}`)}</td>
              <td>
                <code>{key.prefix}…</code>
              </td>
              <td>{formatTime(key.createdAt)}</td>
              <td>{key.lastUsedAt ? formatTime(key.lastUsedAt) : t('common.never')}</td>
              <td className="actions">
                {key.revokedAt ? (
                  t('apiKeys.revoked')
                ) : (
                  <>
                    {t('apiKeys.active')}{' '}
                    <button
                      type="button"
                      className="button"
                      aria-label={t('apiKeys.revoke', { name: key.name })}
                      onClick={() => setRevoking(key)}
                    >
                      {t('apiKeys.revokeShort')}
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ConfirmDialog
        open={revoking !== null}
        title={t('apiKeys.revokeConfirm', { name: revoking?.name ?? '' })}
        confirmLabel={t('apiKeys.revoke', { name: revoking?.name ?? '' })}
        danger
        busy={revoke.isPending}
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSettled: () => setRevoking(null) })}
      />
    </>
  );
}
