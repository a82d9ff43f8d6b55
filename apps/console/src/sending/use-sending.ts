import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/api-error';
import { api } from '../api/client';
import type { paths } from '../api/schema';

const SENDING = ['sending'] as const;

/** The kill switch's state; refreshed every 10 s, since another operator may flip it. */
export function useSendingState() {
  return useQuery({
    queryKey: SENDING,
    queryFn: () => unwrap(api.GET('/v1/sending')),
    refetchInterval: 10_000,
    retry: false,
  });
}

export function usePauseSending() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (reason: string) =>
      unwrap(api.POST('/v1/sending/pause', { body: reason.trim() ? { reason: reason.trim() } : {} })),
    onSuccess: (state) => client.setQueryData(SENDING, state),
  });
}

export function useResumeSending() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/v1/sending/resume')),
    onSuccess: (state) => client.setQueryData(SENDING, state),
  });
}

export type SendingHealth = paths['/v1/messages/stats']['get']['responses'][200]['content']['application/json'];

/** Queue, lag, deferrals and the last 24 hours of attempts by the hour; refreshed every 30 s. */
export function useSendingHealth() {
  return useQuery({
    queryKey: ['sending', 'health'],
    queryFn: () => unwrap(api.GET('/v1/messages/stats')),
    refetchInterval: 30_000,
    retry: false,
  });
}
