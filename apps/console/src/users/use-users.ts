import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/api-error';
import { api } from '../api/client';
import type { paths } from '../api/schema';

export type ConsoleUserView =
  paths['/v1/users']['get']['responses'][200]['content']['application/json']['users'][number];
type Role = ConsoleUserView['role'];

const USERS = ['users'] as const;

export function useUsers() {
  return useQuery({ queryKey: USERS, queryFn: () => unwrap(api.GET('/v1/users')), retry: false });
}

export function useInviteUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; role: Role }) => unwrap(api.POST('/v1/users', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: USERS }),
  });
}

export function useUpdateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; role?: Role; disabled?: boolean }) =>
      unwrap(api.PATCH('/v1/users/{id}', { params: { path: { id } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: USERS }),
  });
}

export function useReinviteUser() {
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/v1/users/{id}/invitation', { params: { path: { id } } })),
  });
}
