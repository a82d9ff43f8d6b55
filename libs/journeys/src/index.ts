export { matchesEvent, stableFraction } from './condition.util';
export {
  compileJourney,
  compileValidated,
  parseDefinitionText,
  type CompiledJourney,
  type CompileOptions,
} from './journey.compiler';
export {
  journeyDefinitionSchema,
  parseIsoDuration,
  type JourneyDefinition,
  type JourneyDefinitionInput,
} from './journey-definition.schema';
export { advanceInstance, startInstance, type EngineStep, type PersistedSnapshot } from './journey.engine';
export type { JourneyEffect, JourneyEvent, JourneyInput, TimerRequest } from './journey-machine.types';
export {
  effectPayload,
  entryKey,
  isHeldOut,
  mayEnter,
  onCustomerEvent,
  onDueTimer,
  type CustomerEvent,
  type InstanceOutcome,
  type InstanceRecord,
} from './instance-transitions';
export { JourneysErrorCode, JourneysException } from './journeys.exception';
export { simulateJourney, type PathEntry, type SimulationInput } from './journey.simulator';
export {
  JourneyInstanceRepository,
  type DueTimer,
  type HistoryRow,
  type InstanceChange,
  type JourneyCounts,
  type StoredInstance,
} from './journey-instance.repository';
export { JourneyRepository, type JourneyRow, type JourneyStatus, type RunnableJourney } from './journey.repository';
export { JourneyBatch, JourneyRuntime, type JourneyBatchScope } from './journey.runtime';
export { JourneysModule } from './journeys.module';
export {
  JourneysService,
  simulationRequestSchema,
  type JourneyDetails,
  type SimulationRequest,
} from './journeys.service';
