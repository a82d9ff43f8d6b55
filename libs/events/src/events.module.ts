import { Module } from '@nestjs/common';
import { EventIngestService } from './event-ingest.service';
import { EventInboxRepository } from './event-inbox.repository';

@Module({
  providers: [EventInboxRepository, EventIngestService],
  exports: [EventInboxRepository, EventIngestService],
})
export class EventsModule {}
