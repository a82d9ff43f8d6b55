import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock, invalidRequest } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { AuthErrorCode, AuthException } from './auth.exception';
import { ConsoleSessionRepository } from './console-session.repository';
import { normalizeEmail, type ConsoleLinkPurpose, type ConsoleRole, type ConsoleUser } from './console-user';
import { ConsoleUserRepository } from './console-user.repository';
import { decoyPasswordHash, hashPassword, verifyPassword } from './password.util';
import { Role } from './role';

const HOUR_MS = 3_600_000;
/** Printed at start-up; a restart prints a fresh one. */
export const SETUP_LINK_TTL_MS = 24 * HOUR_MS;
/** Handed by an admin to the person invited, who may not read it the same day. */
export const INVITE_LINK_TTL_MS = 7 * 24 * HOUR_MS;

export interface ConsoleLink {
  /** `<PUBLIC_URL>/setup#token=<token>`: in the fragment, so it reaches no server log or referrer. */
  url: string;
  expiresAt: Date;
}

export interface LinkDetails {
  purpose: ConsoleLinkPurpose;
  /** The invited user's email; null for the setup link (the first admin chooses theirs). */
  email: string | null;
  role: ConsoleRole;
  expiresAt: Date;
}

/** The shape of an address; the API checks it more strictly (zod), this guards the CLI. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * People who use the console: the first admin (setup link), invitations, roles, disabling, and
 * checking a password. Sessions are ConsoleSessionService's.
 */
@Injectable()
export class ConsoleUserService {
  constructor(
    private readonly users: ConsoleUserRepository,
    private readonly sessions: ConsoleSessionRepository,
    private readonly clock: Clock,
    private readonly config: KizunaConfig,
  ) {}

  /**
   * A one-time link that lets the first admin choose their email and password; null once anyone
   * has an account. The token is stored hashed and works once, for SETUP_LINK_TTL_MS.
   */
  async issueSetupLink(): Promise<ConsoleLink | null> {
    if ((await this.users.count()) > 0) {
      return null;
    }
    return this.issueLink('setup', null, SETUP_LINK_TTL_MS);
  }

  list(): Promise<ConsoleUser[]> {
    return this.users.list();
  }

  /**
   * A user: with a password (the CLI), or without one and with an invitation link the admin
   * hands over (the console).
   */
  async create(
    input: { email: string; role: ConsoleRole; password?: string },
    createdBy: string,
  ): Promise<{ user: ConsoleUser; invitation: ConsoleLink | null }> {
    if (!EMAIL.test(normalizeEmail(input.email))) {
      throw invalidRequest([{ path: 'email', message: 'must be an email address' }]);
    }
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    const user = await this.users.insert(
      { email: normalizeEmail(input.email), role: input.role, passwordHash, createdBy },
      this.clock.now(),
    );
    if (!user) {
      throw new AuthException(AuthErrorCode.EmailTaken, `A console user with the email ${input.email} exists`, {
        email: normalizeEmail(input.email),
      });
    }
    const invitation = passwordHash === null ? await this.issueLink('invite', user.id, INVITE_LINK_TTL_MS) : null;
    return { user, invitation };
  }

  /** A new invitation for an existing user (lost link, forgotten password); the old password stays until it is used. */
  async reinvite(userId: string): Promise<ConsoleLink> {
    await this.get(userId);
    return this.issueLink('invite', userId, INVITE_LINK_TTL_MS);
  }

  /**
   * Changes a user's role and/or disables (or enables) them. Disabling ends their sessions at
   * once. The last enabled admin can be neither demoted nor disabled.
   */
  async update(userId: string, change: { role?: ConsoleRole; disabled?: boolean }): Promise<ConsoleUser> {
    const user = await this.get(userId);
    const losesAdmin =
      user.role === Role.Admin &&
      user.disabledAt === null &&
      ((change.role && change.role !== Role.Admin) || change.disabled);
    if (losesAdmin && (await this.users.otherActiveAdmins(userId)) === 0) {
      throw new AuthException(AuthErrorCode.LastAdmin, 'This is the only enabled admin: make someone else admin first');
    }
    const updated = await this.users.update(userId, {
      role: change.role,
      disabledAt:
        change.disabled === undefined ? undefined : change.disabled ? (user.disabledAt ?? this.clock.now()) : null,
    });
    if (!updated) {
      throw notFound(userId);
    }
    if (change.disabled || (change.role && change.role !== user.role)) {
      // A session carries no role of its own (it is read per request), but a disabled user's
      // sessions must not outlive the decision; a role change signs them in afresh too.
      await this.sessions.deleteForUser(userId);
    }
    return updated;
  }

  /** The user for an email and password, or null (unknown, wrong, no password yet, disabled). */
  async verifyCredentials(email: string, password: string): Promise<ConsoleUser | null> {
    const found = await this.users.findForSignIn(normalizeEmail(email));
    const ok = await verifyPassword(password, found?.passwordHash ?? (await decoyPasswordHash()));
    if (!found || !ok || found.passwordHash === null || found.user.disabledAt !== null) {
      return null;
    }
    await this.users.recordSignIn(found.user.id, this.clock.now());
    return found.user;
  }

  /** What a link is for, before its form is filled in. */
  async inspectLink(token: string): Promise<LinkDetails> {
    const link = await this.users.findUsableLink(sha256(token), this.clock.now());
    if (!link) {
      throw linkNotUsable();
    }
    return {
      purpose: link.purpose,
      email: link.user?.email ?? null,
      role: link.user?.role ?? Role.Admin,
      expiresAt: link.expiresAt,
    };
  }

  /**
   * Uses a link: the setup link creates the first admin with this email; an invitation sets the
   * invited user's password (the email given is ignored) and ends their other sessions.
   */
  async acceptLink(token: string, input: { email?: string; password: string }): Promise<ConsoleUser> {
    const details = await this.inspectLink(token);
    if (details.purpose === 'setup' && !input.email) {
      throw new AuthException(AuthErrorCode.LinkNotUsable, 'The setup link needs the email of the first admin', {
        field: 'email',
      });
    }
    const user = await this.users.redeemLink(
      sha256(token),
      { email: normalizeEmail(input.email ?? ''), passwordHash: await hashPassword(input.password) },
      this.clock.now(),
    );
    if (!user) {
      throw linkNotUsable();
    }
    if (details.purpose === 'invite') {
      await this.sessions.deleteForUser(user.id);
    }
    await this.users.recordSignIn(user.id, this.clock.now());
    return user;
  }

  private async get(userId: string): Promise<ConsoleUser> {
    const user = await this.users.findById(userId);
    if (!user) {
      throw notFound(userId);
    }
    return user;
  }

  private async issueLink(purpose: ConsoleLinkPurpose, userId: string | null, ttlMs: number): Promise<ConsoleLink> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    await this.users.insertLink({ tokenHash: sha256(token), purpose, userId, expiresAt }, now);
    return { url: `${this.config.http.publicUrl}/setup#token=${token}`, expiresAt };
  }
}

const notFound = (userId: string) => new AuthException(AuthErrorCode.UserNotFound, `No console user with id ${userId}`);
const linkNotUsable = () =>
  new AuthException(
    AuthErrorCode.LinkNotUsable,
    'This link cannot be used: it is unknown, already used or expired (ask an admin for a new one)',
  );
