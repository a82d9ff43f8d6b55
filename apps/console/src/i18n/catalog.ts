import { analyticsStrings } from '../analytics/analytics.strings';
import { apiKeysStrings } from '../api-keys/api-keys.strings';
import { rulesStrings } from '../rules/rules.strings';
import { segmentsStrings } from '../segments/segments.strings';
import { journeysStrings } from '../journeys/journeys.strings';
import { customersStrings } from '../customers/customers.strings';
import { messagesStrings } from '../messages/messages.strings';
import { sendingStrings } from '../sending/sending.strings';
import { sessionStrings } from '../session/session.strings';
import { settingsStrings } from '../settings/settings.strings';
import { shellStrings } from '../shell/shell.strings';
import { templatesStrings } from '../templates/templates.strings';
import { uiStrings } from '../ui/ui.strings';
import { usersStrings } from '../users/users.strings';

export const LANGUAGES = ['en', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

const features = [
  uiStrings,
  shellStrings,
  sessionStrings,
  settingsStrings,
  usersStrings,
  apiKeysStrings,
  sendingStrings,
  analyticsStrings,
  templatesStrings,
  rulesStrings,
  segmentsStrings,
  journeysStrings,
  messagesStrings,
  customersStrings,
];

/** Every string of the console, by language; each feature folder keeps its own (`*.strings.ts`). */
export const catalogs = {
  en: Object.assign({}, ...features.map((f) => f.en)) as CatalogOf<(typeof features)[number]>,
  ja: Object.assign({}, ...features.map((f) => f.ja)) as CatalogOf<(typeof features)[number]>,
};

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type CatalogOf<F> = UnionToIntersection<F extends { en: infer E } ? E : never>;

export type MessageKey = keyof (typeof catalogs)['en'];

/** Each language named in itself, for the language switch. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ja: '日本語' };
