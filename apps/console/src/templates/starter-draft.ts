import type { TemplateDraft, TemplateKind } from './use-templates';

/**
 * What a new template starts with, in English and Japanese: content the marketer replaces, not
 * console text (so it is not in the catalogs). A layout must hold {{{body}}}.
 */
export function starterDraft(kind: TemplateKind): TemplateDraft {
  switch (kind) {
    case 'email':
      return {
        defaultLocale: 'en',
        variants: {
          en: { subject: 'Hello {{customer.firstName}}', html: '<p>Hello {{customer.firstName}},</p>' },
          ja: { subject: '{{customer.firstName}}様へ', html: '<p>{{customer.firstName}}様</p>' },
        },
      };
    case 'layout':
      return {
        defaultLocale: 'en',
        variants: {
          en: { html: '<div style="font-family: sans-serif">{{{body}}}</div>' },
          ja: { html: '<div style="font-family: sans-serif">{{{body}}}</div>' },
        },
      };
    case 'partial':
      return {
        defaultLocale: 'en',
        variants: { en: { html: '<p>—</p>' }, ja: { html: '<p>—</p>' } },
      };
  }
}
