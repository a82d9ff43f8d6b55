export { Clock } from './clock';
export { ClockModule } from './clock.module';
export { DomainException } from './domain.exception';
export { createRootLogger, PinoNestLogger } from './logger';
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
export { findUntrustedValueIssues, replaceInvalidText } from './untrusted-json.util';
export { decodePageCursor, encodePageCursor, exactInstantSql, type PagePosition } from './page-cursor';
export { errorMessage } from './error-message.util';
export { checkHostAllowed } from './host-allow-list.util';
export { drainInChunks } from './drain.util';
export { inParallel } from './in-parallel.util';
export { singleLine } from './single-line.util';
