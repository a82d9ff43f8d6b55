import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, unwrap } from '../api/api-error';
import { api, setCsrfToken } from '../api/client';
import type { paths } from '../api/schema';

export type Session = paths['/v1/session']['get']['responses'][200]['content']['application/json'];
export type ConsoleRole = Session['user']['role'];

export const SESSION_KEY = ['session'] as const;

/** Signed-in user and CSRF token; null when nobody is signed in (or the session ended). */
export function useSession() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: async (): Promise<Session | null> => {
      try {
        const session = await unwrap(api.GET('/v1/session'));
        setCsrfToken(session.csrfToken);
        return session;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          setCsrfToken(null);
          return null;
        }
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

function useStartSession() {
  const client = useQueryClient();
  // No cache to clear: signing out (or a session ending) already cleared the last user's data.
  return (session: Session) => {
    setCsrfToken(session.csrfToken);
    client.setQueryData(SESSION_KEY, session);
  };
}

export function useSignIn() {
  const start = useStartSession();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => unwrap(api.POST('/v1/session', { body })),
    onSuccess: start,
  });
}

export function useAcceptInvitation() {
  const start = useStartSession();
  return useMutation({
    mutationFn: (body: { token: string; email?: string; password: string }) =>
      unwrap(api.POST('/v1/invitations/accept', { body })),
    onSuccess: start,
  });
}

export function useInvitation(token: string | null) {
  return useQuery({
    queryKey: ['invitation', token],
    queryFn: () => unwrap(api.POST('/v1/invitations/inspect', { body: { token: token ?? '' } })),
    enabled: token !== null,
    retry: false,
  });
}

function useEndSession(end: () => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: end,
    onSuccess: () => {
      setCsrfToken(null);
      client.clear();
      client.setQueryData(SESSION_KEY, null);
    },
  });
}

export const useSignOut = () => useEndSession(() => unwrap(api.DELETE('/v1/session')));
export const useSignOutEverywhere = () => useEndSession(() => unwrap(api.DELETE('/v1/sessions')));
