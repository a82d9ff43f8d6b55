import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/api-error';
import { api } from '../api/client';
import type { paths } from '../api/schema';

/** The journeys screens' data: one hook per request, TanStack Query keys under ['journeys']. */

export type JourneyDetails = paths['/v1/journeys/{id}']['get']['responses'][200]['content']['application/json'];
/** A definition as written (defaults may be left out): what the editor edits and the API accepts. */
export type JourneyDefinition = NonNullable<
  paths['/v1/journeys/validate']['post']['requestBody']
>['content']['application/json'];
export type JourneyStep = JourneyDefinition['steps'][number];
export type JourneyCounts = paths['/v1/journeys/{id}/counts']['get']['responses'][200]['content']['application/json'];
export type SimulationRequest = NonNullable<
  paths['/v1/journeys/{id}/simulate']['post']['requestBody']
>['content']['application/json'];
export type SimulationResult =
  paths['/v1/journeys/{id}/simulate']['post']['responses'][200]['content']['application/json'];
export type PathEntry = SimulationResult['path'][number];

const JOURNEYS = ['journeys'] as const;
const journeyKey = (id: string) => [...JOURNEYS, id] as const;

/** Every journey with its entered / in-now counts: one request, whatever the number of journeys. */
export function useJourneyList() {
  return useQuery({
    queryKey: [...JOURNEYS, 'list'],
    queryFn: () => unwrap(api.GET('/v1/journeys')),
    retry: false,
  });
}

export function useJourney(id: string | undefined) {
  return useQuery({
    queryKey: journeyKey(id ?? ''),
    queryFn: () => unwrap(api.GET('/v1/journeys/{id}', { params: { path: { id: id! } } })),
    enabled: id !== undefined,
    retry: false,
  });
}

/** The live numbers of a journey and its steps; refreshed every 5 s while the page is open. */
export function useJourneyCounts(id: string | undefined, refreshMs = 5000) {
  return useQuery({
    queryKey: [...journeyKey(id ?? ''), 'counts'],
    queryFn: () => unwrap(api.GET('/v1/journeys/{id}/counts', { params: { path: { id: id! } } })),
    enabled: id !== undefined,
    refetchInterval: refreshMs,
    retry: false,
  });
}

/** The customers resting in one step now, a keyset page at a time. */
export function useStepCustomers(id: string, stepId: string | undefined) {
  return useInfiniteQuery({
    queryKey: [...journeyKey(id), 'step', stepId ?? ''],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/v1/journeys/{id}/steps/{stepId}/customers', {
          params: { path: { id, stepId: stepId! }, query: { limit: 25, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: stepId !== undefined,
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export type LifecycleAction = 'pause' | 'resume' | 'archive';

export function useLifecycle(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (action: LifecycleAction) => {
      const params = { params: { path: { id } } };
      switch (action) {
        case 'pause':
          return unwrap(api.POST('/v1/journeys/{id}/pause', params));
        case 'resume':
          return unwrap(api.POST('/v1/journeys/{id}/resume', params));
        case 'archive':
          return unwrap(api.POST('/v1/journeys/{id}/archive', params));
      }
    },
    onSuccess: (journey) => {
      client.setQueryData(journeyKey(id), journey);
      void client.invalidateQueries({ queryKey: JOURNEYS });
    },
  });
}

/**
 * Email template keys for the send step's picker. The templates list declares no response
 * schema in the OpenAPI document (yet), so its answer is read defensively here.
 */
export function useTemplateOptions() {
  return useQuery({
    queryKey: ['templates', 'options'],
    queryFn: async (): Promise<Array<{ key: string; description: string | null }>> => {
      const body: unknown = await unwrap(api.GET('/v1/templates', { params: { query: { kind: 'email' } } }));
      const list = (body as { templates?: unknown }).templates;
      return Array.isArray(list)
        ? list
            .filter(
              (t): t is { key: string; description?: unknown } => typeof (t as { key?: unknown }).key === 'string',
            )
            .map((t) => ({ key: t.key, description: typeof t.description === 'string' ? t.description : null }))
        : [];
    },
    retry: false,
    staleTime: 30_000,
  });
}

/** The compiler's verdict on a draft; a 400 carries every problem with its path. */
export function validateDefinition(definition: unknown) {
  return unwrap(api.POST('/v1/journeys/validate', { body: definition as JourneyDefinition }));
}

/** Saves a draft: a new journey (version 1) or a new draft version of an existing one. */
export function useSaveJourney() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, definition }: { id: string | undefined; definition: JourneyDefinition }) =>
      id === undefined
        ? unwrap(api.POST('/v1/journeys', { body: definition }))
        : unwrap(api.PUT('/v1/journeys/{id}', { params: { path: { id } }, body: definition })),
    onSuccess: (journey) => {
      client.setQueryData(journeyKey(journey.id), journey);
      void client.invalidateQueries({ queryKey: [...JOURNEYS, 'list'] });
    },
  });
}

export function usePublishJourney() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, migrate }: { id: string; migrate?: Record<string, string> }) =>
      unwrap(api.POST('/v1/journeys/{id}/publish', { params: { path: { id } }, body: migrate ? { migrate } : {} })),
    onSuccess: (journey) => {
      client.setQueryData(journeyKey(journey.id), journey);
      void client.invalidateQueries({ queryKey: JOURNEYS });
    },
  });
}

export function useSimulate(id: string) {
  return useMutation({
    mutationFn: (request: SimulationRequest) =>
      unwrap(api.POST('/v1/journeys/{id}/simulate', { params: { path: { id } }, body: request })),
  });
}
