import { Injectable } from '@nestjs/common';
import { normalizeEmail, type ConsoleUser } from './console-user';
import { ConsoleSessionService, type StartedSession } from './console-session.service';
import { ConsoleUserService } from './console-user.service';
import { FailedAuthLimiter } from './failed-auth.limiter';

export type SignInOutcome =
  | { ok: true; user: ConsoleUser; session: StartedSession }
  /** `retryAfterSeconds` > 0: refused without checking, too many failures (address or account). */
  | { ok: false; retryAfterSeconds: number };

/**
 * Console sign-in with the failed-authentication limit of API keys (FailedAuthLimiter), counted
 * twice: per client address, and per account (`console:<email>`), so guessing one person's
 * password from many addresses is slowed as well. A blocked sign-in is refused before its
 * password is hashed, so the limit also bounds the scrypt work an attacker can cause.
 */
@Injectable()
export class ConsoleSignInService {
  constructor(
    private readonly users: ConsoleUserService,
    private readonly sessions: ConsoleSessionService,
    private readonly failures: FailedAuthLimiter,
  ) {}

  async signIn(
    credentials: { email: string; password: string },
    client: { address: string; userAgent: string | undefined },
  ): Promise<SignInOutcome> {
    const counters = [client.address, `console:${normalizeEmail(credentials.email)}`];
    const blockedFor = Math.max(...counters.map((c) => this.failures.retryAfterSeconds(c)));
    if (blockedFor > 0) {
      return { ok: false, retryAfterSeconds: blockedFor };
    }
    const user = await this.users.verifyCredentials(credentials.email, credentials.password);
    if (!user) {
      return { ok: false, retryAfterSeconds: Math.max(...counters.map((c) => this.failures.recordFailure(c))) };
    }
    return { ok: true, user, session: await this.sessions.start(user, client.userAgent) };
  }
}
