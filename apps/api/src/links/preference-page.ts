import type { PreferencePage } from '@kizuna/messaging';

const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * The small page behind an unsubscribe link: the current state, and a button to change it.
 * Bilingual (English and Japanese) and without scripts; it posts back to its own URL.
 */
export function preferencePage(
  action: string,
  state: PreferencePage | undefined,
  event: 'view' | 'unsubscribed' | 'resubscribed',
): string {
  const body = !state
    ? '<p>This message no longer exists. / このメッセージは存在しません。</p>'
    : `${
        event === 'unsubscribed'
          ? '<p><strong>You are unsubscribed.</strong> / 配信を停止しました。</p>'
          : event === 'resubscribed'
            ? '<p><strong>You are subscribed again.</strong> / 配信を再開しました。</p>'
            : ''
      }
      <p>Marketing email to <strong>${escape(state.maskedEmail)}</strong>:
         ${state.unsubscribed ? 'unsubscribed / 配信停止中' : 'subscribed / 配信中'}</p>
      <form method="post" action="${escape(action)}">
        <input type="hidden" name="action" value="${state.unsubscribed ? 'resubscribe' : 'unsubscribe'}">
        <button type="submit">${
          state.unsubscribed ? 'Subscribe again / 配信を再開する' : 'Unsubscribe / 配信を停止する'
        }</button>
      </form>
      <p><small>Order and account email is still sent. / ご注文・アカウントに関するメールは引き続き届きます。</small></p>`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>Email preferences / メール配信設定</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style>
</head><body><h1>Email preferences / メール配信設定</h1>${body}</body></html>`;
}
