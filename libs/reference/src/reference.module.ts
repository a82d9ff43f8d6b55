import { Module } from '@nestjs/common';
import { JourneysModule } from '@kizuna/journeys';
import { SegmentsModule } from '@kizuna/segments';
import { TemplatesModule } from '@kizuna/templates';
import { ReferenceInstaller } from './reference-installer.service';

/** The reference journeys and their segments and templates (config/reference), and their installer. */
@Module({
  imports: [TemplatesModule, SegmentsModule, JourneysModule],
  providers: [ReferenceInstaller],
  exports: [ReferenceInstaller],
})
export class ReferenceModule {}
