import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CustomersModule } from '@kizuna/customers';
import { EventsModule } from '@kizuna/events';
import { SegmentEvaluationJobs } from './segment-evaluation.jobs';
import { SegmentFactsLoader } from './segment-facts.loader';
import { SegmentMembershipService } from './segment-membership.service';
import { Segment } from './segment.entity';
import { SegmentRepository } from './segment.repository';
import { SegmentsService } from './segments.service';

@Module({
  imports: [TypeOrmModule.forFeature([Segment]), CustomersModule, EventsModule],
  providers: [SegmentRepository, SegmentFactsLoader, SegmentMembershipService, SegmentsService, SegmentEvaluationJobs],
  exports: [SegmentMembershipService, SegmentsService, SegmentEvaluationJobs, SegmentRepository],
})
export class SegmentsModule {}
