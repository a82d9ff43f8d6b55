export { parseDefinitionText } from './core/journey.compiler';
export { journeyDefinitionSchema } from './core/journey-definition.schema';
export { JourneysErrorCode } from './core/journeys.exception';
export type { DueTimer, RunnableJourney } from './core/journey.batch';
export { JourneyInstanceRepository } from './shell/journey-instance.repository';
export type { JourneyRow } from './shell/journey.repository';
export { JourneyRuntime } from './shell/journey.runtime';
export { JourneysModule } from './shell/journeys.module';
export { JourneysService, simulationRequestSchema, type JourneyDetails } from './shell/journeys.service';
