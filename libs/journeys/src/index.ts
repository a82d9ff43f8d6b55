export { parseDefinitionText } from './journey.compiler';
export { journeyDefinitionSchema } from './journey-definition.schema';
export { JourneysErrorCode } from './journeys.exception';
export { JourneyInstanceRepository, type DueTimer } from './journey-instance.repository';
export type { JourneyRow, RunnableJourney } from './journey.repository';
export { JourneyRuntime } from './journey.runtime';
export { JourneysModule } from './journeys.module';
export { JourneysService, simulationRequestSchema, type JourneyDetails } from './journeys.service';
