import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/api-error';
import { api } from '../api/client';
import type { paths } from '../api/schema';

export type SegmentListing =
  paths['/v1/segments']['get']['responses'][200]['content']['application/json']['segments'][number];
export type SegmentView = paths['/v1/segments/{id}']['get']['responses'][200]['content']['application/json'];

const SEGMENTS = ['segments'] as const;
const MEMBERS_PAGE = 50;

/** Every segment with its member count: the list page's one request. */
export function useSegments() {
  return useQuery({ queryKey: SEGMENTS, queryFn: () => unwrap(api.GET('/v1/segments')), retry: false });
}

export function useSegment(id: string | undefined) {
  return useQuery({
    queryKey: [...SEGMENTS, id],
    queryFn: () => unwrap(api.GET('/v1/segments/{id}', { params: { path: { id: id! } } })),
    enabled: id !== undefined,
    retry: false,
  });
}

export function useCreateSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { key: string; name: string; description: string | null; rule: unknown }) =>
      unwrap(api.POST('/v1/segments', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: SEGMENTS }),
  });
}

export function useUpdateSegment(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; description: string | null; rule: unknown }) =>
      unwrap(api.PATCH('/v1/segments/{id}', { params: { path: { id } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: SEGMENTS }),
  });
}

export function useDeleteSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/segments/{id}', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: SEGMENTS }),
  });
}

/** An unsaved rule evaluated against existing customers: how many match, and a few of them. */
export function useSegmentPreview(rule: unknown) {
  return useQuery({
    queryKey: [...SEGMENTS, 'preview', rule],
    queryFn: () => unwrap(api.POST('/v1/segments/preview', { body: { rule: rule as Record<string, unknown> } })),
    enabled: rule !== undefined,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 10_000,
  });
}

/** Members, most recent entries first, a keyset page at a time ("Show more" asks for the next). */
export function useSegmentMembers(id: string | undefined) {
  return useInfiniteQuery({
    queryKey: [...SEGMENTS, id, 'members'],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/v1/segments/{id}/members', {
          params: { path: { id: id! }, query: { limit: MEMBERS_PAGE, ...(pageParam ? { before: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    enabled: id !== undefined,
    retry: false,
  });
}
