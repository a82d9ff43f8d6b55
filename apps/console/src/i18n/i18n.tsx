import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { catalogs, LANGUAGES, type Language, type MessageKey } from './catalog';

const STORAGE_KEY = 'kizuna.language';

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

interface LanguageContextValue {
  language: Language;
  setLanguage: (language: Language) => void;
  t: Translate;
  /** Dates and times in the chosen language. */
  formatTime: (iso: string) => string;
}

const LanguageContext = createContext<LanguageContextValue | null>(null);

/** The remembered choice, else the browser's language, else English. */
function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored && (LANGUAGES as readonly string[]).includes(stored)) {
    return stored as Language;
  }
  return navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export function LanguageProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const setLanguage = useCallback((next: Language) => {
    localStorage.setItem(STORAGE_KEY, next);
    setLanguageState(next);
  }, []);

  const value = useMemo<LanguageContextValue>(() => {
    const catalog = catalogs[language];
    const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });
    return {
      language,
      setLanguage,
      t: (key, values) =>
        catalog[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
          values && Object.hasOwn(values, name) ? String(values[name]) : whole,
        ),
      formatTime: (iso) => dateFormat.format(new Date(iso)),
    };
  }, [language, setLanguage]);

  return <LanguageContext.Provider value={value}>{children}</LanguageContext.Provider>;
}

export function useLanguage(): LanguageContextValue {
  const value = useContext(LanguageContext);
  if (!value) {
    throw new Error('useLanguage outside LanguageProvider');
  }
  return value;
}

export const useT = (): Translate => useLanguage().t;
