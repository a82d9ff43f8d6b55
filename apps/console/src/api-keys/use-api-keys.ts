import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/api-error';
import { api } from '../api/client';
import type { paths } from '../api/schema';

export type ApiKeyView = paths['/v1/api-keys']['get']['responses'][200]['content']['application/json']['keys'][number];

const KEYS = ['api-keys'] as const;

export function useApiKeys() {
  return useQuery({ queryKey: KEYS, queryFn: () => unwrap(api.GET('/v1/api-keys')), retry: false });
}

export function useCreateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; role: ApiKeyView['role'] }) => unwrap(api.POST('/v1/api-keys', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: KEYS }),
  });
}

export function useRevokeApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: KEYS }),
  });
}
