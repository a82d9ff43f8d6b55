import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { unwrap } from '../api/api-error';
import { api } from '../api/client';
import type { paths } from '../api/schema';
import type { Period } from '../analytics/period';

/**
 * What a journey earns over a period of shop days (docs/analytics.md): its messages per step
 * (the page sums the steps for the journey's own figures: every message belongs to one step),
 * its holdout lift and its A/B tests. Three requests, whatever the number of steps.
 */

export type LiftReport =
  paths['/v1/analytics/journeys/{id}/lift']['get']['responses'][200]['content']['application/json'];
export type SplitsReport =
  paths['/v1/analytics/journeys/{id}/splits']['get']['responses'][200]['content']['application/json'];
export type SplitReport = SplitsReport['splits'][number];

const key = (id: string, what: string, period: Period | null) => ['journeys', id, 'analytics', what, period] as const;

export function useJourneyStepMessages(id: string, period: Period | null) {
  return useQuery({
    queryKey: key(id, 'steps', period),
    enabled: period !== null,
    placeholderData: keepPreviousData,
    retry: false,
    queryFn: () =>
      unwrap(
        api.GET('/v1/analytics/messages', {
          params: { query: { from: period!.from, to: period!.to, groupBy: 'step', journeyId: id } },
        }),
      ),
  });
}

export function useJourneyLift(id: string, period: Period | null) {
  return useQuery({
    queryKey: key(id, 'lift', period),
    enabled: period !== null,
    placeholderData: keepPreviousData,
    retry: false,
    queryFn: () =>
      unwrap(
        api.GET('/v1/analytics/journeys/{id}/lift', {
          params: { path: { id }, query: { from: period!.from, to: period!.to } },
        }),
      ),
  });
}

export function useJourneySplits(id: string, period: Period | null) {
  return useQuery({
    queryKey: key(id, 'splits', period),
    enabled: period !== null,
    placeholderData: keepPreviousData,
    retry: false,
    queryFn: () =>
      unwrap(
        api.GET('/v1/analytics/journeys/{id}/splits', {
          params: { path: { id }, query: { from: period!.from, to: period!.to } },
        }),
      ),
  });
}

/** Every journey's conversion and revenue over the 30 shop days ending today, for the list. */
export function useJourneySummaries() {
  return useQuery({
    queryKey: ['analytics', 'journeys', 'default-period'],
    retry: false,
    queryFn: () => unwrap(api.GET('/v1/analytics/journeys')),
  });
}
