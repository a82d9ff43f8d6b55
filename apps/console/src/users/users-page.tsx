import { useId, useState, type FormEvent } from 'react';
import { useLanguage } from '../i18n/i18n';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorNotice } from '../ui/error-notice';
import { Page, Panel } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { RoleSelect } from '../ui/role-select';
import { TextField } from '../ui/text-field';
import { useInviteUser, useReinviteUser, useUpdateUser, useUsers, type ConsoleUserView } from './use-users';

const ROLES = ['marketer', 'ops', 'admin'] as const;

/** Admins: invite people, change their role, disable them. */
export function UsersPage() {
  const { t } = useLanguage();
  const users = useUsers();
  return (
    <Page title={t('users.title')}>
      <p>{t('users.intro')}</p>
      <RoleGate error={users.error} roles={['admin']}>
        <InviteForm />
        <Panel title={t('users.listTitle')}>
          {users.isPending && <p>{t('common.loading')}</p>}
          <ErrorNotice error={users.error} />
          {users.data && <UsersTable users={users.data.users} />}
        </Panel>
      </RoleGate>
    </Page>
  );
}

function InviteForm() {
  const { t, formatTime } = useLanguage();
  const invite = useInviteUser();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<(typeof ROLES)[number]>('marketer');
  const linkId = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate({ email, role }, { onSuccess: () => setEmail('') });
  };
  const created = invite.data;
  return (
    <Panel title={t('users.inviteTitle')}>
      <form className="inline-form" onSubmit={submit}>
        <TextField label={t('users.email')} type="email" required value={email} onChange={setEmail} />
        <RoleSelect label={t('users.role')} roles={ROLES} value={role} onChange={setRole} />
        <button type="submit" className="button button-primary" disabled={invite.isPending}>
          {t('users.invite')}
        </button>
      </form>
      <ErrorNotice error={invite.error} />
      {created && (
        <div className="notice notice-success" role="status">
          <h3>{t('users.invitationTitle', { email: created.user.email })}</h3>
          <p>
            {t('users.invitationBody', { email: created.user.email, time: formatTime(created.invitation.expiresAt) })}
          </p>
          <label htmlFor={linkId}>{t('users.invitationLink')}</label>
          <input
            id={linkId}
            className="secret"
            readOnly
            value={created.invitation.url}
            onFocus={(e) => e.target.select()}
          />
        </div>
      )}
    </Panel>
  );
}

function UsersTable({ users }: { users: ConsoleUserView[] }) {
  const { t, formatTime } = useLanguage();
  const update = useUpdateUser();
  const reinvite = useReinviteUser();
  const [disabling, setDisabling] = useState<ConsoleUserView | null>(null);
  return (
    <>
      <ErrorNotice error={update.error ?? reinvite.error} />
      {reinvite.data && (
        <div className="notice notice-success" role="status">
          <label htmlFor="reinvite-link">{t('users.invitationLink')}</label>
          <input id="reinvite-link" className="secret" readOnly value={reinvite.data.url} />
        </div>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">{t('users.colEmail')}</th>
            <th scope="col">{t('users.colRole')}</th>
            <th scope="col">{t('users.colStatus')}</th>
            <th scope="col">{t('users.colLastSignIn')}</th>
            <th scope="col">{t('users.colActions')}</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.id}>
              <th scope="row">{user.email}</th>
              <td>
                <RoleSelect
                  ariaLabel={t('users.roleOf', { email: user.email })}
                  roles={ROLES}
                  value={user.role}
                  disabled={update.isPending}
                  onChange={(role) => update.mutate({ id: user.id, role })}
                />
              </td>
              <td>{t(`users.status.${user.status}`)}</td>
              <td>{user.lastSignInAt ? formatTime(user.lastSignInAt) : t('common.never')}</td>
              <td className="actions">
                {user.status === 'disabled' ? (
                  <button
                    type="button"
                    className="button"
                    aria-label={t('users.enable', { email: user.email })}
                    onClick={() => update.mutate({ id: user.id, disabled: false })}
                  >
                    {t('users.enableShort')}
                  </button>
                ) : (
                  <button
                    type="button"
                    className="button"
                    aria-label={t('users.disable', { email: user.email })}
                    onClick={() => setDisabling(user)}
                  >
                    {t('users.disableShort')}
                  </button>
                )}
                <button
                  type="button"
                  className="button"
                  aria-label={t('users.newLink', { email: user.email })}
                  onClick={() => reinvite.mutate(user.id)}
                >
                  {t('users.newLinkShort')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ConfirmDialog
        open={disabling !== null}
        title={t('users.disableConfirm', { email: disabling?.email ?? '' })}
        confirmLabel={t('users.disable', { email: disabling?.email ?? '' })}
        danger
        busy={update.isPending}
        onCancel={() => setDisabling(null)}
        onConfirm={() =>
          disabling && update.mutate({ id: disabling.id, disabled: true }, { onSettled: () => setDisabling(null) })
        }
      />
    </>
  );
}
