export { NO_PURCHASES, UNKNOWN_CUSTOMER, type CustomerFacts, type PurchaseStats } from './customer-facts';
export {
  eventsCountedBy,
  evaluateRule,
  fieldValue,
  matchesRule,
  type RuleScope,
  type RuleVerdict,
} from './evaluate-rule';
export { valueAt } from './field-path.util';
export {
  isoDuration,
  journeyConditionSchema,
  MAX_RULE_DEPTH,
  OPERATORS,
  PROFILE_FIELDS,
  segmentRuleSchema,
  STAT_FIELDS,
  type BehaviourLeaf,
  type FieldLeaf,
  type Operator,
  type Rule,
  type RuleContext,
  type SegmentLeaf,
  type WindowSpec,
} from './rule.schema';
export { windowMillis } from './window.util';
