import { Module } from '@nestjs/common';
import { CustomersModule } from '@kizuna/customers';
import { JourneysModule } from '@kizuna/journeys';
import { EventsModule } from '@kizuna/events';
import { SegmentsModule } from '@kizuna/segments';
import { TemplatesModule } from '@kizuna/templates';
import { ReferenceInstaller } from './reference-installer.service';
import { ShopDemo } from './shop-demo';
import { ShopDemoRepository } from './shop-demo.repository';

/** The reference journeys and their segments and templates (config/reference), its installer, and the demo shop. */
@Module({
  imports: [TemplatesModule, SegmentsModule, JourneysModule, EventsModule, CustomersModule],
  providers: [ReferenceInstaller, ShopDemo, ShopDemoRepository],
  exports: [ReferenceInstaller, ShopDemo],
})
export class ReferenceModule {}
