import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/api-error';
import { api } from '../api/client';
import type { NpsComments, NpsGroup } from './reports';
import type { Period } from './period';

const SETTINGS = ['analytics', 'settings'] as const;

/** The shop's analytics settings, and its time zone and currency (they change rarely). */
export function useAnalyticsSettings() {
  return useQuery({
    queryKey: SETTINGS,
    queryFn: () => unwrap(api.GET('/v1/analytics/settings')),
    staleTime: 60_000,
    retry: false,
  });
}

export type AnalyticsSettings = NonNullable<ReturnType<typeof useAnalyticsSettings>['data']>;
export type AnalyticsSettingsChange = Partial<Omit<AnalyticsSettings, 'timeZone' | 'currency'>>;

export function useChangeAnalyticsSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (change: AnalyticsSettingsChange) => unwrap(api.PUT('/v1/analytics/settings', { body: change })),
    onSuccess: (settings) => client.setQueryData(SETTINGS, settings),
  });
}

/**
 * The overview's message figures, shop-wide per shop day over `span` (the chosen period and the
 * one before it, for the trend), and per journey over the chosen period: two requests, whatever
 * the number of journeys; the journeys' status comes with the third (GET /v1/analytics/journeys).
 */
export function useOverview(span: Period | null, period: Period | null) {
  const daily = useQuery({
    queryKey: ['analytics', 'messages', 'shop-daily', span],
    enabled: span !== null,
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(
        api.GET('/v1/analytics/messages', {
          params: { query: { from: span!.from, to: span!.to, groupBy: 'shop', interval: 'day' } },
        }),
      ),
  });
  const byJourney = useQuery({
    queryKey: ['analytics', 'messages', 'journey', period],
    enabled: period !== null,
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(
        api.GET('/v1/analytics/messages', {
          params: { query: { from: period!.from, to: period!.to, groupBy: 'journey' } },
        }),
      ),
  });
  const journeys = useQuery({
    queryKey: ['analytics', 'journeys', period],
    enabled: period !== null,
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(api.GET('/v1/analytics/journeys', { params: { query: { from: period!.from, to: period!.to } } })),
  });
  return { daily, byJourney, journeys };
}

export type MessageRow = NonNullable<ReturnType<typeof useOverview>['daily']['data']>['rows'][number];
export type JourneySummary = NonNullable<ReturnType<typeof useOverview>['journeys']['data']>['journeys'][number];

/** KPIs as of a day, over a period. */
export function useKpis(asOf: string | null, period: Period | null) {
  return useQuery({
    queryKey: ['analytics', 'kpis', asOf, period],
    enabled: asOf !== null && period !== null,
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(api.GET('/v1/analytics/kpis', { params: { query: { asOf: asOf!, from: period!.from, to: period!.to } } })),
  });
}

/** Retention cohorts from `from` to `to` (months). */
export function useCohorts(months: { from: string; to: string } | null) {
  return useQuery({
    queryKey: ['analytics', 'cohorts', months],
    enabled: months !== null,
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(api.GET('/v1/analytics/cohorts', { params: { query: { from: months!.from, to: months!.to } } })),
  });
}

export function useNps(period: Period | null) {
  return useQuery({
    queryKey: ['analytics', 'nps', period],
    enabled: period !== null,
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/v1/analytics/nps', { params: { query: { from: period!.from, to: period!.to } } })),
  });
}

/** One group's comments, newest first, a keyset page at a time ("More"). */
export function useNpsComments(period: Period | null, group: NpsGroup) {
  return useInfiniteQuery({
    queryKey: ['analytics', 'nps-comments', period, group],
    enabled: period !== null,
    initialPageParam: null as string | null,
    getNextPageParam: (last: NpsComments) => last.nextCursor,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/v1/analytics/nps/comments', {
          params: {
            query: {
              from: period!.from,
              to: period!.to,
              group,
              limit: 20,
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
  });
}
