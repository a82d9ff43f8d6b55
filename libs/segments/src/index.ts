export { evaluateSegment, eventsUsedBy, windowMillis, type SegmentVerdict } from './evaluate-segment';
export type { SegmentFacts } from './segment-facts';
export { isoDuration, segmentRuleSchema, type SegmentRule } from './segment-rule.schema';
