const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export type NpsPageLanguage = 'en' | 'ja';

const STRINGS = {
  en: {
    title: 'Your answer',
    question: 'How likely are you to recommend us to a friend?',
    scale: '0 = not at all likely, 10 = extremely likely',
    reason: 'What is the main reason for your score?',
    optional: '(optional)',
    submit: 'Send my answer',
    thanks: 'Thank you for your answer!',
    invalid: 'Please choose a score from 0 to 10 (and keep the reason under 2,000 characters).',
  },
  ja: {
    title: 'ご回答',
    question: '友人や知人に当店をすすめる可能性はどのくらいありますか？',
    scale: '0 = まったくない、10 = 非常に高い',
    reason: 'そのスコアを付けた一番の理由は何ですか？',
    optional: '（任意）',
    submit: '回答を送信する',
    thanks: 'ご回答ありがとうございました。',
    invalid: '0〜10のスコアを選んでください（理由は2,000文字以内でお願いします）。',
  },
} as const;

const page = (language: NpsPageLanguage, body: string): string => `<!doctype html>
<html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${STRINGS[language].title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
fieldset{border:0;padding:0;margin:0 0 1rem;display:flex;flex-wrap:wrap;gap:.25rem}
legend{margin-bottom:.5rem}label.score{display:inline-flex;flex-direction:column;align-items:center;min-width:2.25rem}
textarea{width:100%;box-sizing:border-box;min-height:6rem;font:inherit}button{font:inherit;padding:.5rem 1rem;margin-top:1rem}</style>
</head><body>${body}</body></html>`;

/**
 * The NPS answer page behind each of the eleven links of a review email: the score the customer
 * picked, preselected (they may change it), a box for the reason, and a button. It records nothing
 * itself: only its POST does, so a link scanner fetching every link answers nothing. No script,
 * no cookie: the form posts back to its own signed URL, and the token in it is the proof.
 */
export function npsAnswerPage(
  action: string,
  score: number,
  language: NpsPageLanguage,
  options: { invalid?: boolean; comment?: string } = {},
): string {
  const t = STRINGS[language];
  const scores = Array.from(
    { length: 11 },
    (_, s) =>
      `<label class="score"><input type="radio" name="score" value="${s}"${s === score ? ' checked' : ''} required>${s}</label>`,
  ).join('');
  return page(
    language,
    `<h1>${t.title}</h1>
${options.invalid ? `<p role="alert"><strong>${t.invalid}</strong></p>` : ''}
<form method="post" action="${escape(action)}">
<fieldset><legend>${t.question}<br><small>${t.scale}</small></legend>${scores}</fieldset>
<label for="comment">${t.reason} <small>${t.optional}</small></label>
<textarea id="comment" name="comment" maxlength="2000">${escape(options.comment ?? '')}</textarea>
<button type="submit">${t.submit}</button>
</form>`,
  );
}

/** After the POST: thanks, in the customer's language. */
export function npsThankYouPage(language: NpsPageLanguage): string {
  return page(language, `<h1>${STRINGS[language].thanks}</h1>`);
}
