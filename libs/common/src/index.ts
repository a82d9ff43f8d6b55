export { Clock, VirtualClock } from './clock';
export { ClockModule } from './clock.module';
export { DomainException } from './domain.exception';
export { createRootLogger, PinoNestLogger, type LogLevel } from './logger';
export { RequestErrorCode, RequestException } from './request.exception';
export { formatPath, invalidRequest, parseOrThrow, toValidationIssues, type ValidationIssue } from './validation.util';
export {
  eventsIngested,
  httpRequestDuration,
  inboxLag,
  inboxProcessed,
  journeyEffects,
  journeyTimerLag,
  journeyTimersFired,
  metricsRegistry,
} from './metrics';
export {
  findUntrustedValueIssues,
  MAX_JSON_DEPTH,
  replaceInvalidText,
  type UntrustedValueOptions,
} from './untrusted-json.util';
export { decodePageCursor, encodePageCursor, exactInstantSql, type PagePosition } from './page-cursor';
