import { defineStrings } from '../i18n/strings';

export const sessionStrings = defineStrings(
  {
    'signIn.title': 'Sign in to Kizuna',
    'signIn.email': 'Email',
    'signIn.password': 'Password',
    'signIn.submit': 'Sign in',
    'signIn.submitting': 'Signing in…',
    'signIn.noAccount':
      'No account yet? An admin invites you; the first admin uses the setup link printed when Kizuna starts.',
    'setup.titleSetup': 'Create the first admin',
    'setup.titleInvite': 'Choose your password',
    'setup.introSetup':
      'This one-time link creates the first admin of this Kizuna. Choose the email and password you will sign in with.',
    'setup.introInvite': 'You were invited as {role} with the email {email}. Choose a password to sign in.',
    'setup.email': 'Email',
    'setup.password': 'New password',
    'setup.passwordHint': 'At least {min} characters.',
    'setup.confirm': 'Repeat the password',
    'setup.mismatch': 'The two passwords differ.',
    'setup.tooShort': 'The password needs at least {min} characters.',
    'setup.submit': 'Save and sign in',
    'setup.missingToken': 'This address has no setup token. Open the whole link you were given.',
    'setup.expires': 'This link works once, until {time}.',
    'setup.toSignIn': 'Go to sign in',
  },
  {
    'signIn.title': 'Kizuna にサインイン',
    'signIn.email': 'メールアドレス',
    'signIn.password': 'パスワード',
    'signIn.submit': 'サインイン',
    'signIn.submitting': 'サインインしています…',
    'signIn.noAccount':
      'アカウントがない場合は管理者に招待を依頼してください。最初の管理者は、Kizuna の起動時に表示されるセットアップリンクを使います。',
    'setup.titleSetup': '最初の管理者を作成',
    'setup.titleInvite': 'パスワードを設定',
    'setup.introSetup':
      'この一度きりのリンクで、この Kizuna の最初の管理者を作成します。サインインに使うメールアドレスとパスワードを決めてください。',
    'setup.introInvite': '{email} で「{role}」として招待されました。サインインに使うパスワードを決めてください。',
    'setup.email': 'メールアドレス',
    'setup.password': '新しいパスワード',
    'setup.passwordHint': '{min} 文字以上。',
    'setup.confirm': 'パスワード（確認）',
    'setup.mismatch': '2 つのパスワードが一致しません。',
    'setup.tooShort': 'パスワードは {min} 文字以上にしてください。',
    'setup.submit': '保存してサインイン',
    'setup.missingToken':
      'このアドレスにはセットアップ用のトークンがありません。受け取ったリンクをそのまま開いてください。',
    'setup.expires': 'このリンクは {time} まで、一度だけ使えます。',
    'setup.toSignIn': 'サインインへ',
  },
);
