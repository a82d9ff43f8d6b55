import { Module } from '@nestjs/common';
import { EventIngestService } from './event-ingest.service';
import { EventInboxRepository } from './event-inbox.repository';
import { HistoryImporter } from './import/history-importer';

@Module({
  providers: [EventInboxRepository, EventIngestService, HistoryImporter],
  exports: [EventInboxRepository, EventIngestService, HistoryImporter],
})
export class EventsModule {}
