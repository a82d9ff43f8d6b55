import type { ReactNode } from 'react';
import { ApiError } from '../api/api-error';
import { useSession } from '../session/use-session';
import { ForbiddenPanel } from './forbidden-panel';

/**
 * A page's content, or, when the API refused its data to this role (403), why. The API decides;
 * the page only explains.
 */
export function RoleGate({ error, roles, children }: { error: unknown; roles: string[]; children: ReactNode }) {
  const session = useSession().data;
  if (error instanceof ApiError && error.status === 403 && session) {
    return <ForbiddenPanel roles={roles} role={session.user.role} />;
  }
  return children;
}
