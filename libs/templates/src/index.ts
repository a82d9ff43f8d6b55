export { chooseLocale } from './locale.util';
export type {
  Template,
  TemplateDraft,
  TemplateKind,
  TemplateVariant,
  TemplateVersion,
  TemplateWithVersion,
} from './template';
export { NPS_SCORES, NpsSurvey, type NpsAnswer, type NpsLink } from './nps-survey';
export { StoredTemplateCatalog } from './template-catalog.service';
export { TEMPLATE_HELPERS, type RenderFrame } from './template-helpers';
export {
  htmlToText,
  TemplateRenderer,
  type RenderedContent,
  type RenderRequest,
  type TemplateSource,
} from './template-renderer';
export { TemplateRepository } from './template.repository';
export { TemplatesErrorCode, TemplatesException } from './templates.exception';
export { TemplatesModule } from './templates.module';
export { TemplatesService, type PreviewSample } from './templates.service';
