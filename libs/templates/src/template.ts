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
