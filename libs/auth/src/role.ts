/**
 * What an API key may do. `admin` may call everything; the others are scoped:
 * - ingest:   post events (native API, Segment tracking API);
 * - marketer: journeys, templates, segments, customer profiles;
 * - ops:      message log, sending controls, customer profiles, metrics; reads templates and
 *             segments (what a message was rendered from, who a journey aimed at).
 */
export enum Role {
  Ingest = 'ingest',
  Marketer = 'marketer',
  Ops = 'ops',
  Admin = 'admin',
}

export const ROLES: readonly Role[] = [Role.Ingest, Role.Marketer, Role.Ops, Role.Admin];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
