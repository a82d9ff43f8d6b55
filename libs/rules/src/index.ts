export { UNKNOWN_CUSTOMER, type CustomerFacts } from './customer-facts';
export { eventsCountedBy, evaluateRule, matchesRule } from './evaluate-rule';
export { valueAt } from './field-path.util';
export { journeyConditionSchema, segmentRuleSchema, type Rule } from './rule.schema';
