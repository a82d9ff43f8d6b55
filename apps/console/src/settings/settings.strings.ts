import { defineStrings } from '../i18n/strings';

export const settingsStrings = defineStrings(
  {
    'settings.title': 'Settings',
    'settings.tabs': 'Settings sections',
    'settings.account': 'Your account',
    'settings.users': 'Users',
    'settings.apiKeys': 'API keys',
    'account.email': 'Email',
    'account.role': 'Role',
    'account.everywhereTitle': 'Sign out everywhere',
    'account.everywhereBody': 'Ends every session of your account, in every browser, this one included.',
    'account.everywhereButton': 'Sign out everywhere',
    'account.everywhereConfirm': 'Sign out of every browser now?',
  },
  {
    'settings.title': '設定',
    'settings.tabs': '設定の項目',
    'settings.account': 'あなたのアカウント',
    'settings.users': 'ユーザー',
    'settings.apiKeys': 'API キー',
    'account.email': 'メールアドレス',
    'account.role': 'ロール',
    'account.everywhereTitle': 'すべての端末からサインアウト',
    'account.everywhereBody': 'このブラウザを含め、あなたのアカウントのすべてのセッションを終了します。',
    'account.everywhereButton': 'すべてサインアウト',
    'account.everywhereConfirm': '今すぐすべてのブラウザからサインアウトしますか？',
  },
);
