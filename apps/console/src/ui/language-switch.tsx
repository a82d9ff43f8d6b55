import { useId } from 'react';
import { LANGUAGE_NAMES, LANGUAGES, type Language } from '../i18n/catalog';
import { useLanguage } from '../i18n/i18n';

export function LanguageSwitch() {
  const { language, setLanguage, t } = useLanguage();
  const id = useId();
  return (
    <div className="language-switch">
      <label htmlFor={id}>{t('common.language')}</label>
      <select id={id} value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
    </div>
  );
}
