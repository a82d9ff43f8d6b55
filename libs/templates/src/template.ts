export type TemplateKind = 'email' | 'layout' | 'partial';

/** One locale's content in a template version. */
export interface TemplateVariant {
  locale: string;
  /** Emails only; a template too. */
  subject: string | null;
  html: string;
  /** Absent: derived from the rendered HTML. */
  text: string | null;
}

export interface TemplateVersion {
  version: number;
  /** Key of the layout template wrapping this version's HTML (emails only). */
  layoutKey: string | null;
  createdAt: Date;
  variants: TemplateVariant[];
}

export interface Template {
  id: string;
  key: string;
  kind: TemplateKind;
  description: string;
  defaultLocale: string;
  currentVersion: number;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A template with the content of one of its versions. */
export interface TemplateWithVersion extends Template {
  content: TemplateVersion;
}

/** What a new template or a new version of one consists of. */
export interface TemplateDraft {
  description?: string;
  defaultLocale: string;
  layoutKey: string | null;
  variants: TemplateVariant[];
}

/** A template as listed: with the locales its current version has. */
export interface TemplateListing extends Template {
  locales: string[];
}

/** What one version changed from the version before it. */
export interface TemplateChange {
  part: 'layout' | 'subject' | 'html' | 'text' | 'localeAdded' | 'localeRemoved';
  /** The locale the change is in; null for the layout. */
  locale: string | null;
}

/** A version as listed: when, which locales, and what it changed (nothing for version 1). */
export interface TemplateVersionSummary {
  version: number;
  createdAt: Date;
  layoutKey: string | null;
  locales: string[];
  changes: TemplateChange[];
}

/** Where a template does not parse: the part, and the spot when Handlebars says it. */
export interface TemplateProblem {
  locale: string;
  part: 'subject' | 'html' | 'text';
  message: string;
  line: number | null;
  column: number | null;
}
