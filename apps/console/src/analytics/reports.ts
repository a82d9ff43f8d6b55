import type { paths } from '../api/schema';

/** The shop reports' shapes, from the generated client (a renamed field breaks the build, not the page). */
type Ok<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer T } } } };
}
  ? T
  : never;

export type KpisReport = Ok<'/v1/analytics/kpis'>;
export type CohortsReport = Ok<'/v1/analytics/cohorts'>;
export type NpsReport = Ok<'/v1/analytics/nps'>;
export type NpsComments = Ok<'/v1/analytics/nps/comments'>;
export type NpsGroup = 'promoter' | 'passive' | 'detractor';
