import { Global, Module } from '@nestjs/common';
import { CustomersModule } from '@kizuna/customers';
import { EventsModule } from '@kizuna/events';
import { EngagementModule, MessageLogModule, MessageRenderer, TemplateCatalog } from '@kizuna/messaging';
import { NpsSurvey } from './nps-survey';
import { StoredTemplateCatalog } from './template-catalog.service';
import { TemplateRepository } from './template.repository';
import { TemplatesService } from './templates.service';

/**
 * Templates, and the two messaging contracts they fulfil: TemplateCatalog (journey compiler)
 * and MessageRenderer (delivery). Global so those contracts resolve wherever they are injected.
 */
@Global()
@Module({
  imports: [CustomersModule, EventsModule, EngagementModule, MessageLogModule],
  providers: [
    TemplateRepository,
    TemplatesService,
    NpsSurvey,
    { provide: TemplateCatalog, useClass: StoredTemplateCatalog },
    { provide: MessageRenderer, useExisting: TemplatesService },
  ],
  exports: [TemplatesService, NpsSurvey, TemplateCatalog, MessageRenderer],
})
export class TemplatesModule {}
