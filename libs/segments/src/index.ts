export { SegmentEvaluationJobs } from './segment-evaluation.jobs';
export { SegmentMembershipService } from './segment-membership.service';
export { Segment } from './segment.entity';
export { SegmentRepository } from './segment.repository';
export { SegmentsErrorCode } from './segments.exception';
export { SegmentsModule } from './segments.module';
export { createSegmentSchema, SegmentsService, updateSegmentSchema, type SegmentPreview } from './segments.service';
