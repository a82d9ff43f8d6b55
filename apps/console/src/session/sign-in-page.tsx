import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useT } from '../i18n/i18n';
import { ErrorNotice } from '../ui/error-notice';
import { LanguageSwitch } from '../ui/language-switch';
import { TextField } from '../ui/text-field';
import { useSession, useSignIn } from './use-session';

export function SignInPage() {
  const t = useT();
  const session = useSession();
  const signIn = useSignIn();
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from ?? '/';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  if (session.data) {
    return <Navigate to={from} replace />;
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate({ email, password }, { onSuccess: () => void navigate(from, { replace: true }) });
  };
  return (
    <main className="auth-page">
      <LanguageSwitch />
      <form className="auth-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{t('signIn.title')}</h1>
        <TextField
          label={t('signIn.email')}
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={setEmail}
        />
        <TextField
          label={t('signIn.password')}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={setPassword}
        />
        <ErrorNotice error={signIn.error} />
        <button type="submit" className="button button-primary" disabled={signIn.isPending}>
          {signIn.isPending ? t('signIn.submitting') : t('signIn.submit')}
        </button>
        <p className="hint">{t('signIn.noAccount')}</p>
      </form>
    </main>
  );
}
