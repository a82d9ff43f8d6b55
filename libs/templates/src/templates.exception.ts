import { DomainException } from '@kizuna/common';

export enum TemplatesErrorCode {
  TemplateNotFound = 'TEMPLATE_NOT_FOUND',
  TemplateKeyTaken = 'TEMPLATE_KEY_TAKEN',
  TemplateInvalid = 'TEMPLATE_INVALID',
  RenderFailed = 'TEMPLATE_RENDER_FAILED',
  CustomerNotFound = 'PREVIEW_CUSTOMER_NOT_FOUND',
}

export class TemplatesException extends DomainException<TemplatesErrorCode> {}
