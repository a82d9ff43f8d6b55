export { evaluateSegment, eventsUsedBy, windowMillis, type SegmentVerdict } from './evaluate-segment';
export { SegmentEvaluationJobs } from './segment-evaluation.jobs';
export type { SegmentFacts } from './segment-facts';
export { SegmentMembershipService, type MembershipChange } from './segment-membership.service';
export { isoDuration, segmentRuleSchema, type SegmentRule } from './segment-rule.schema';
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
