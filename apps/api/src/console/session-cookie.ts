import { SESSION_COOKIE, SESSION_LIFETIME_MS, type StartedSession } from '@kizuna/auth';
import type { KizunaConfig } from '@kizuna/config';
import type { CookieOptions, Response } from 'express';

/**
 * The session cookie: httpOnly (no script reads it), SameSite=Strict (no other site's page
 * sends it), Secure when Kizuna is reached over https, for the whole origin.
 */
const options = (config: KizunaConfig): CookieOptions => ({
  httpOnly: true,
  sameSite: 'strict',
  secure: config.http.publicUrl.startsWith('https://'),
  path: '/',
});

export function setSessionCookie(res: Response, session: StartedSession, config: KizunaConfig): void {
  res.cookie(SESSION_COOKIE, session.token, { ...options(config), maxAge: SESSION_LIFETIME_MS });
}

export function clearSessionCookie(res: Response, config: KizunaConfig): void {
  res.clearCookie(SESSION_COOKIE, options(config));
}
