import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/api-error';
import { api } from '../api/client';
import type { paths } from '../api/schema';

export type TemplateListing =
  paths['/v1/templates']['get']['responses'][200]['content']['application/json']['templates'][number];
export type TemplateView = paths['/v1/templates/{id}']['get']['responses'][200]['content']['application/json'];
export type TemplateKind = TemplateListing['kind'];
export type TemplateVersion =
  paths['/v1/templates/{id}/versions']['get']['responses'][200]['content']['application/json']['versions'][number];
export type TemplateDraft = NonNullable<
  paths['/v1/templates/{id}/preview']['post']['requestBody']
>['content']['application/json']['draft'] & {};
export type RenderedPreview =
  paths['/v1/templates/{id}/preview']['post']['responses'][200]['content']['application/json'];

const TEMPLATES = ['templates'] as const;

/** Every template (emails, layouts, partials) with its locales: the list page's one request. */
export function useTemplates() {
  return useQuery({
    queryKey: TEMPLATES,
    queryFn: () => unwrap(api.GET('/v1/templates')),
    retry: false,
  });
}

/** A template at its current version, or at `version`. */
export function useTemplate(id: string, version?: number) {
  return useQuery({
    queryKey: [...TEMPLATES, id, version ?? 'current'],
    queryFn: () =>
      unwrap(api.GET('/v1/templates/{id}', { params: { path: { id }, query: version ? { version } : {} } })),
    retry: false,
  });
}

export function useTemplateVersions(id: string) {
  return useQuery({
    queryKey: [...TEMPLATES, id, 'versions'],
    queryFn: () => unwrap(api.GET('/v1/templates/{id}/versions', { params: { path: { id } } })),
    retry: false,
  });
}

export function useCreateTemplate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { key: string; kind: TemplateKind; description: string } & TemplateDraft) =>
      unwrap(api.POST('/v1/templates', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: TEMPLATES }),
  });
}

/** Saves the draft as a new version; it becomes current. */
export function useSaveTemplate(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (draft: TemplateDraft) =>
      unwrap(api.PUT('/v1/templates/{id}', { params: { path: { id } }, body: draft })),
    onSuccess: (saved) => {
      client.setQueryData([...TEMPLATES, id, 'current'], saved);
      return client.invalidateQueries({ queryKey: TEMPLATES });
    },
  });
}

export function useTestSend(id: string) {
  return useMutation({
    mutationFn: (body: { to: string; customerId: string; locale: string; draft: TemplateDraft }) =>
      unwrap(api.POST('/v1/templates/{id}/test-send', { params: { path: { id } }, body })),
  });
}

/**
 * The draft rendered by the API for a real customer, in the locale being edited. The draft is
 * part of the query key, so each pause in typing asks once; the last good render stays on screen
 * while the next one loads.
 */
export function useTemplatePreview(
  id: string,
  request: { customerId: string; locale: string; draft: TemplateDraft } | null,
) {
  return useQuery({
    queryKey: [...TEMPLATES, id, 'preview', request],
    queryFn: () => unwrap(api.POST('/v1/templates/{id}/preview', { params: { path: { id } }, body: request! })),
    enabled: request !== null,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 30_000,
  });
}
