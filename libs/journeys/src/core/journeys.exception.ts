import { DomainException } from '@kizuna/common';

export enum JourneysErrorCode {
  InvalidDefinition = 'INVALID_JOURNEY_DEFINITION',
  JourneyNotFound = 'JOURNEY_NOT_FOUND',
  InvalidLifecycleTransition = 'INVALID_JOURNEY_LIFECYCLE_TRANSITION',
  InvalidMigration = 'INVALID_JOURNEY_MIGRATION',
  InvalidCursor = 'INVALID_JOURNEY_CURSOR',
  CustomerNotFound = 'JOURNEY_CUSTOMER_NOT_FOUND',
}

export class JourneysException extends DomainException<JourneysErrorCode> {}
