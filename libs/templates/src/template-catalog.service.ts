import { Injectable } from '@nestjs/common';
import { TemplateCatalog } from '@kizuna/messaging';
import { TemplateRepository } from './template.repository';

/** Answers the journey compiler: which template keys name no active email template. */
@Injectable()
export class StoredTemplateCatalog extends TemplateCatalog {
  constructor(private readonly templates: TemplateRepository) {
    super();
  }

  override async missing(templateKeys: string[]): Promise<string[]> {
    const unique = [...new Set(templateKeys)];
    return unique.length === 0 ? [] : this.templates.missingEmailKeys(unique);
  }
}
