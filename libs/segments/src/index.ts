export { SegmentEvaluationJobs } from './segment-evaluation.jobs';
export { SegmentMembershipService, type MembershipChange } from './segment-membership.service';
export { Segment } from './segment.entity';
export { SegmentRepository, type SegmentMember } from './segment.repository';
export { SegmentsErrorCode, SegmentsException } from './segments.exception';
export { SegmentsModule } from './segments.module';
export {
  createSegmentSchema,
  SegmentsService,
  updateSegmentSchema,
  type MemberPage,
  type SegmentPreview,
} from './segments.service';
