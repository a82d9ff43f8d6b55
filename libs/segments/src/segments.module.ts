import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CustomersModule } from '@kizuna/customers';
import { EventsModule } from '@kizuna/events';
import { SegmentEvaluationJobs } from './segment-evaluation.jobs';
import { SegmentMembershipService } from './segment-membership.service';
import { Segment } from './segment.entity';
import { SegmentRepository } from './segment.repository';
import { SegmentsService } from './segments.service';

@Module({
  imports: [TypeOrmModule.forFeature([Segment]), CustomersModule, EventsModule],
  providers: [SegmentRepository, SegmentMembershipService, SegmentsService, SegmentEvaluationJobs],
  exports: [SegmentMembershipService, SegmentsService, SegmentEvaluationJobs, SegmentRepository],
})
export class SegmentsModule {}
