import { defineStrings } from '../i18n/strings';

export const sendingStrings = defineStrings(
  {
    'sending.title': 'Sending',
    'sending.stateTitle': 'Kill switch',
    'sending.on': 'Sending is on',
    'sending.onBody': 'Workers deliver queued email and webhooks as usual.',
    'sending.paused': 'Sending is paused',
    'sending.pausedBody': 'No worker sends anything. Messages stay queued until sending is resumed.',
    'sending.reason': 'Reason: {reason}',
    'sending.changed': 'Changed {time} by {by}.',
    'sending.pause': 'Pause sending',
    'sending.resume': 'Resume sending',
    'sending.pauseConfirmTitle': 'Pause all sending?',
    'sending.pauseConfirmBody':
      'Every worker stops sending email and webhooks until someone resumes. Nothing queued is lost.',
    'sending.pauseReason': 'Reason (shown to everyone)',
    'sending.pauseConfirm': 'Pause now',
    'sending.resumeConfirmTitle': 'Resume sending?',
    'sending.resumeConfirmBody': 'Workers start delivering everything that is queued, at once.',
    'sending.resumeConfirm': 'Resume now',
    'sending.more':
      'Queue depth, delivery lag, deferrals by reason, failure rate and the suppression list: not built yet (issue #13).',
  },
  {
    'sending.title': '送信',
    'sending.stateTitle': '緊急停止スイッチ',
    'sending.on': '送信中',
    'sending.onBody': 'ワーカーはキューにあるメールと Webhook を通常どおり配信しています。',
    'sending.paused': '送信は停止中です',
    'sending.pausedBody': 'どのワーカーも送信しません。再開するまでメッセージはキューに残ります。',
    'sending.reason': '理由: {reason}',
    'sending.changed': '{time} に {by} が変更しました。',
    'sending.pause': '送信を停止',
    'sending.resume': '送信を再開',
    'sending.pauseConfirmTitle': 'すべての送信を停止しますか？',
    'sending.pauseConfirmBody':
      '再開されるまで、すべてのワーカーがメールと Webhook の送信を止めます。キューの中身は失われません。',
    'sending.pauseReason': '理由（全員に表示されます）',
    'sending.pauseConfirm': '今すぐ停止',
    'sending.resumeConfirmTitle': '送信を再開しますか？',
    'sending.resumeConfirmBody': 'キューにあるものすべての配信をすぐに始めます。',
    'sending.resumeConfirm': '今すぐ再開',
    'sending.more': 'キューの長さ、配信の遅れ、理由別の保留、失敗率、配信停止リストはまだできていません（issue #13）。',
  },
);
