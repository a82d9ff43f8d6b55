import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/api-error';
import { api } from '../api/client';
import type { paths } from '../api/schema';

export type SuppressionView =
  paths['/v1/suppressions']['get']['responses'][200]['content']['application/json']['suppressions'][number];
export type SuppressionReason = SuppressionView['reason'];
export const SUPPRESSION_REASONS: readonly SuppressionReason[] = ['manual', 'hard_bounce', 'complaint', 'unsubscribe'];

const SUPPRESSIONS = ['suppressions'] as const;
const PAGE_SIZE = 50;

/** The suppression list newest first, page after page; or one address's entries. */
export function useSuppressions(email: string) {
  return useInfiniteQuery({
    queryKey: [...SUPPRESSIONS, email],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/v1/suppressions', {
          params: {
            query: { limit: PAGE_SIZE, ...(email ? { email } : {}), ...(pageParam ? { before: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    retry: false,
  });
}

export function useAddSuppression() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; reason: SuppressionReason; note?: string }) =>
      unwrap(api.POST('/v1/suppressions', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: SUPPRESSIONS }),
  });
}

export function useRemoveSuppression() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ email, reason }: { email: string; reason: SuppressionReason }) =>
      unwrap(api.DELETE('/v1/suppressions/{email}', { params: { path: { email }, query: { reason } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: SUPPRESSIONS }),
  });
}
