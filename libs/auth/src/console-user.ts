import { Role } from './role';

/** The roles a person can have in the console: the API's, without `ingest` (a machine's role). */
export type ConsoleRole = Role.Marketer | Role.Ops | Role.Admin;
export const CONSOLE_ROLES: readonly ConsoleRole[] = [Role.Marketer, Role.Ops, Role.Admin];

/** A person who signs in to the console. */
export interface ConsoleUser {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  role: ConsoleRole;
  /** False until the user has set a password through their invitation. */
  hasPassword: boolean;
  createdAt: Date;
  /** Who created it: `setup`, `cli`, or the creating admin's principal id. */
  createdBy: string;
  disabledAt: Date | null;
  lastSignInAt: Date | null;
}

/** What a one-time link is for: the first admin (setup) or one invited user (invite). */
export type ConsoleLinkPurpose = 'setup' | 'invite';

/** Emails are compared without case: `Aiko@Shop.example` and `aiko@shop.example` are one person. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
