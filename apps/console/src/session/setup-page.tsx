import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useLanguage } from '../i18n/i18n';
import type { MessageKey } from '../i18n/catalog';
import { ErrorNotice } from '../ui/error-notice';
import { LanguageSwitch } from '../ui/language-switch';
import { TextField } from '../ui/text-field';
import { useAcceptInvitation, useInvitation } from './use-session';

const PASSWORD_MIN_LENGTH = 10;

/** The token of a setup or invitation link: in the fragment (`/setup#token=...`), which no server sees. */
function tokenFromLocation(): string | null {
  return new URLSearchParams(window.location.hash.slice(1)).get('token');
}

export function SetupPage() {
  const { t, formatTime } = useLanguage();
  const [token] = useState(tokenFromLocation);
  const invitation = useInvitation(token);
  const accept = useAcceptInvitation();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problem, setProblem] = useState<MessageKey | null>(null);

  const details = invitation.data;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (password.length < PASSWORD_MIN_LENGTH) {
      setProblem('setup.tooShort');
      return;
    }
    if (password !== confirm) {
      setProblem('setup.mismatch');
      return;
    }
    setProblem(null);
    accept.mutate(
      { token: token ?? '', password, ...(details?.purpose === 'setup' ? { email } : {}) },
      // Drop the token from the address bar and history once it is used.
      { onSuccess: () => void navigate('/', { replace: true }) },
    );
  };

  const title = details?.purpose === 'invite' ? t('setup.titleInvite') : t('setup.titleSetup');
  return (
    <main className="auth-page">
      <LanguageSwitch />
      <div className="auth-card">
        <h1>{title}</h1>
        {!token && <p role="alert">{t('setup.missingToken')}</p>}
        {invitation.isPending && token && <p>{t('common.loading')}</p>}
        {invitation.error && (
          <>
            <ErrorNotice error={invitation.error} />
            <Link to="/sign-in">{t('setup.toSignIn')}</Link>
          </>
        )}
        {details && (
          <form onSubmit={submit} aria-label={title}>
            <p>
              {details.purpose === 'setup'
                ? t('setup.introSetup')
                : t('setup.introInvite', { email: details.email ?? '', role: t(`role.${details.role}`) })}
            </p>
            {details.purpose === 'setup' && (
              <TextField
                label={t('setup.email')}
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={setEmail}
              />
            )}
            <TextField
              label={t('setup.password')}
              hint={t('setup.passwordHint', { min: PASSWORD_MIN_LENGTH })}
              type="password"
              autoComplete="new-password"
              required
              value={password}
              onChange={setPassword}
            />
            <TextField
              label={t('setup.confirm')}
              type="password"
              autoComplete="new-password"
              required
              value={confirm}
              onChange={setConfirm}
            />
            {problem && (
              <p role="alert" className="notice notice-error">
                {t(problem, { min: PASSWORD_MIN_LENGTH })}
              </p>
            )}
            <ErrorNotice error={accept.error} />
            <button type="submit" className="button button-primary" disabled={accept.isPending}>
              {t('setup.submit')}
            </button>
            <p className="hint">{t('setup.expires', { time: formatTime(details.expiresAt) })}</p>
          </form>
        )}
      </div>
    </main>
  );
}
