import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/api-error';
import { api } from '../api/client';
import type { paths } from '../api/schema';

type ListQuery = NonNullable<paths['/v1/messages']['get']['parameters']['query']>;
export type MessageSummaryView =
  paths['/v1/messages']['get']['responses'][200]['content']['application/json']['messages'][number];
export type MessageDetailView = paths['/v1/messages/{id}']['get']['responses'][200]['content']['application/json'];
export type MessageStatus = MessageSummaryView['status'];

export const STATUSES: readonly MessageStatus[] = [
  'queued',
  'sending',
  'sent',
  'deferred',
  'failed',
  'suppressed',
  'skipped',
];

/** The log's filters as the page's address carries them (`?status=failed&journeyId=...`). */
export interface MessageFilters {
  status?: MessageStatus;
  journeyId?: string;
  templateKey?: string;
  customerId?: string;
  /** Shop-local days, YYYY-MM-DD, both included. */
  fromDay?: string;
  toDay?: string;
}

const PAGE_SIZE = 50;

/** A local day's start as an instant; `next` for the day after (the period's exclusive end). */
function dayStart(day: string, next = false): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, m! - 1, d! + (next ? 1 : 0)).toISOString();
}

/** The API's query for these filters (the period as instants: from the first day's start to the day after the last). */
export function toQuery(f: MessageFilters): Omit<ListQuery, 'limit' | 'before'> {
  return {
    ...(f.status ? { status: f.status } : {}),
    ...(f.journeyId ? { journeyId: f.journeyId } : {}),
    ...(f.templateKey ? { templateKey: f.templateKey } : {}),
    ...(f.customerId ? { customerId: f.customerId } : {}),
    ...(f.fromDay ? { from: dayStart(f.fromDay) } : {}),
    ...(f.toDay ? { to: dayStart(f.toDay, true) } : {}),
  };
}

/** The log, newest first, page after page (keyset: each page asks for what is older than the last). */
export function useMessageLog(filters: MessageFilters) {
  return useInfiniteQuery({
    queryKey: ['messages', filters],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/v1/messages', {
          params: { query: { ...toQuery(filters), limit: PAGE_SIZE, ...(pageParam ? { before: pageParam } : {}) } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    retry: false,
  });
}

/** Journey names and template keys for the filters (and for naming journeys in the rows). */
export function useMessageFilterChoices() {
  return useQuery({
    queryKey: ['messages', 'filters'],
    queryFn: () => unwrap(api.GET('/v1/messages/filters')),
    staleTime: 60_000,
    retry: false,
  });
}

/** Where the CSV of the filtered log downloads from (same origin: the session cookie goes along). */
export function exportHref(filters: MessageFilters): string {
  const query = new URLSearchParams(toQuery(filters) as Record<string, string>).toString();
  return `/v1/messages/export.csv${query ? `?${query}` : ''}`;
}

export function useMessage(id: string) {
  return useQuery({
    queryKey: ['message', id],
    queryFn: () => unwrap(api.GET('/v1/messages/{id}', { params: { path: { id } } })),
    retry: false,
    // An unfinished message moves on by itself: follow it.
    refetchInterval: (query) =>
      query.state.data && ['queued', 'sending', 'deferred'].includes(query.state.data.status) ? 5_000 : false,
  });
}

export function useRetryMessage(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/v1/messages/{id}/retry', { params: { path: { id } } })),
    onSuccess: (message) => {
      client.setQueryData(['message', id], message);
      void client.invalidateQueries({ queryKey: ['messages'] });
    },
  });
}
