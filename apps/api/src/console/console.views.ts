import { CONSOLE_ROLES, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, type ConsoleUser } from '@kizuna/auth';
import { z } from 'zod';

/**
 * Request and response shapes of the console's own routes (sign-in, invitations, users). The
 * response schemas are declared in the OpenAPI document, from which the console's types are
 * generated: a renamed field breaks the console's build, not a person's screen.
 */
export const consoleRole = z.enum(CONSOLE_ROLES as [ConsoleUser['role'], ...ConsoleUser['role'][]]);
export const email = z.email({ message: 'must be an email address' }).max(320);
export const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, { message: `must be at least ${PASSWORD_MIN_LENGTH} characters` })
  .max(PASSWORD_MAX_LENGTH, { message: `must be at most ${PASSWORD_MAX_LENGTH} characters` });

export const signInBody = z.strictObject({
  email: z.string().min(1).max(320),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});
export const linkBody = z.strictObject({ token: z.string().min(1).max(200) });
export const acceptBody = z.strictObject({ token: z.string().min(1).max(200), email: email.optional(), password });
export const createUserBody = z.strictObject({ email, role: consoleRole });
export const updateUserBody = z
  .strictObject({ role: consoleRole.optional(), disabled: z.boolean().optional() })
  .refine((b) => b.role !== undefined || b.disabled !== undefined, { message: 'give "role" and/or "disabled"' });

const instant = z.string().describe('ISO-8601 date-time');

export const userView = z.object({
  id: z.string(),
  email: z.string(),
  role: consoleRole,
  /** pending: invited, no password yet */
  status: z.enum(['active', 'pending', 'disabled']),
  createdAt: instant,
  lastSignInAt: instant.nullable(),
});
export const toUserView = (user: ConsoleUser): z.infer<typeof userView> => ({
  id: user.id,
  email: user.email,
  role: user.role,
  status: user.disabledAt ? 'disabled' : user.hasPassword ? 'active' : 'pending',
  createdAt: user.createdAt.toISOString(),
  lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
});

export const sessionView = z.object({
  user: z.object({ id: z.string(), email: z.string(), role: consoleRole }),
  /** Send it in X-CSRF-Token with every request that changes something. */
  csrfToken: z.string(),
});
export const invitationView = z.object({ url: z.string(), expiresAt: instant });
export const linkDetailsView = z.object({
  purpose: z.enum(['setup', 'invite']),
  email: z.string().nullable(),
  role: consoleRole,
  expiresAt: instant,
});
