import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { unwrap } from '../api/api-error';
import { api } from '../api/client';
import type { paths } from '../api/schema';

export type CustomerProfileView =
  paths['/v1/customers/{customerId}']['get']['responses'][200]['content']['application/json'];
export type CustomerEventView =
  paths['/v1/customers/{customerId}/events']['get']['responses'][200]['content']['application/json']['events'][number];
export type JourneyInstanceView =
  paths['/v1/customers/{customerId}/journeys']['get']['responses'][200]['content']['application/json']['instances'][number];

/** Customers whose id (or email, with an @) starts with `q`; nothing asked while `q` is empty. */
export function useCustomerSearch(q: string) {
  return useInfiniteQuery({
    queryKey: ['customers', 'search', q],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET('/v1/customers', { params: { query: { q, ...(pageParam ? { after: pageParam } : {}) } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: q.trim().length > 0,
    retry: false,
  });
}

export function useCustomer(customerId: string) {
  return useQuery({
    queryKey: ['customer', customerId],
    queryFn: () => unwrap(api.GET('/v1/customers/{customerId}', { params: { path: { customerId } } })),
    retry: false,
  });
}

/** The customer's events newest first (one name only, if given), page after page. */
export function useCustomerEvents(customerId: string, name: string | undefined) {
  return useInfiniteQuery({
    queryKey: ['customer', customerId, 'events', name ?? ''],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/v1/customers/{customerId}/events', {
          params: {
            path: { customerId },
            query: { limit: 50, ...(name ? { name } : {}), ...(pageParam ? { before: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    retry: false,
  });
}

export function useCustomerJourneys(customerId: string) {
  return useQuery({
    queryKey: ['customer', customerId, 'journeys'],
    queryFn: () => unwrap(api.GET('/v1/customers/{customerId}/journeys', { params: { path: { customerId } } })),
    retry: false,
  });
}

/** The customer's messages (ops: the message log filtered by customer), newest first. */
export function useCustomerMessages(customerId: string, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: ['messages', { customerId }],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/v1/messages', {
          params: { query: { customerId, limit: 50, ...(pageParam ? { before: pageParam } : {}) } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
    retry: false,
  });
}
