export type { Template, TemplateDraft, TemplateListing, TemplateVersionSummary, TemplateWithVersion } from './template';
export { NpsSurvey } from './nps-survey';
export { TemplatesErrorCode } from './templates.exception';
export { TemplatesModule } from './templates.module';
export { TemplatesService } from './templates.service';
