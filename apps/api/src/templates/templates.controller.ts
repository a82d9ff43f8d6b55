import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { RequireRoles, Role } from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
import {
  TemplatesService,
  type Template,
  type TemplateListing,
  type TemplateVersionSummary,
  type TemplateWithVersion,
} from '@kizuna/templates';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';

const locale = z
  .string()
  .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'must be a BCP-47 locale such as ja or en-US');
const source = (max: number) => z.string().max(max);

const variant = z
  .object({
    subject: source(2_000).min(1).optional(),
    html: source(500_000).min(1),
    text: source(500_000).min(1).optional(),
  })
  .strict();

const draftSchema = z
  .object({
    description: z.string().max(2_000).optional(),
    defaultLocale: locale,
    layout: z.string().min(1).max(100).optional(),
    /** Locale → content, e.g. `{ "ja": {...}, "en": {...} }`. */
    variants: z
      .record(locale, variant)
      .refine((v) => Object.keys(v).length > 0, 'at least one locale variant is required')
      .refine((v) => Object.keys(v).length <= 50, 'at most 50 locale variants'),
  })
  .strict();

const createSchema = draftSchema.extend({
  key: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'lower-case letters, digits, and . _ - (up to 100 characters)'),
  kind: z.enum(['email', 'layout', 'partial']).default('email'),
});

const previewSchema = z
  .object({
    customerId: z.string().min(1).max(255),
    /** Sample data, as a journey step would give it (the trigger event's properties, ...). */
    payload: z.record(z.string(), z.unknown()).optional(),
    /** Or one of the customer's stored events: its properties (and `event`) are the sample. */
    eventId: z.uuid().optional(),
    /** Render this unsaved content instead of the current version (the console's live preview). */
    draft: draftSchema.optional(),
    /** Render this locale variant instead of the one the customer's locale picks. */
    locale: locale.optional(),
  })
  .strict();

const testSendSchema = previewSchema.extend({ to: z.string().min(1).max(320) });

const listQuery = z.strictObject({
  kind: z.enum(['email', 'layout', 'partial']).optional(),
  archived: z.enum(['true', 'false']).default('false'),
});
const getQuery = z.strictObject({ version: z.coerce.number().int().positive().max(2_147_483_647).optional() });

function toDraft(body: z.output<typeof draftSchema>) {
  return {
    description: body.description,
    defaultLocale: body.defaultLocale,
    layoutKey: body.layout ?? null,
    variants: Object.entries(body.variants).map(([l, v]) => ({
      locale: l,
      subject: v.subject ?? null,
      html: v.html,
      text: v.text ?? null,
    })),
  };
}

const isoDate = z.string().describe('ISO-8601 date-time');
const kindSchema = z.enum(['email', 'layout', 'partial']);
const summaryView = z.object({
  id: z.string(),
  key: z.string(),
  kind: kindSchema,
  description: z.string(),
  defaultLocale: z.string(),
  currentVersion: z.number().int(),
  archivedAt: isoDate.nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
const listingView = summaryView.extend({ locales: z.array(z.string()) });
const templateView = summaryView.extend({
  version: z.number().int(),
  layout: z.string().nullable(),
  variants: z.record(
    z.string(),
    z.object({ subject: z.string().nullable(), html: z.string(), text: z.string().nullable() }),
  ),
});
const versionView = z.object({
  version: z.number().int(),
  createdAt: isoDate,
  layout: z.string().nullable(),
  locales: z.array(z.string()),
  changes: z.array(
    z.object({
      part: z.enum(['layout', 'subject', 'html', 'text', 'localeAdded', 'localeRemoved']),
      locale: z.string().nullable(),
    }),
  ),
});
const renderedView = z.object({
  subject: z.string(),
  html: z.string(),
  text: z.string(),
  locale: z.string(),
  templateVersion: z.number().int(),
});
const testSendView = z.object({ to: z.string(), response: z.string(), subject: z.string() });

const summary = (t: Template) => ({
  id: t.id,
  key: t.key,
  kind: t.kind,
  description: t.description,
  defaultLocale: t.defaultLocale,
  currentVersion: t.currentVersion,
  archivedAt: t.archivedAt?.toISOString() ?? null,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});

const versionSummary = (v: TemplateVersionSummary) => ({
  version: v.version,
  createdAt: v.createdAt.toISOString(),
  layout: v.layoutKey,
  locales: v.locales,
  changes: v.changes,
});

const view = (t: TemplateWithVersion) => ({
  ...summary(t),
  version: t.content.version,
  layout: t.content.layoutKey,
  variants: Object.fromEntries(
    t.content.variants.map((v) => [v.locale, { subject: v.subject, html: v.html, text: v.text }]),
  ),
});

@ApiTags('templates')
@ApiBearerAuth()
@Controller('v1/templates')
@RequireRoles(Role.Marketer)
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Post()
  @ApiOperation({ summary: 'Create a template (email, layout or partial) at version 1' })
  @ApiBody({ schema: openApiSchema(createSchema) })
  @ApiCreatedResponse({ schema: openApiSchema(templateView) })
  async create(@Body() body: unknown) {
    const input = parseOrThrow(createSchema, body);
    return view(await this.templates.create(input.key, input.kind, toDraft(input)));
  }

  @Get()
  @RequireRoles(Role.Marketer, Role.Ops)
  @ApiOperation({ summary: 'List templates, with the locales of their current version' })
  @ApiQuery({ name: 'kind', required: false })
  @ApiQuery({ name: 'archived', required: false, description: 'true to include archived templates' })
  @ApiOkResponse({ schema: openApiSchema(z.object({ templates: z.array(listingView) })) })
  async list(@Query() query: unknown) {
    const { kind, archived } = parseOrThrow(listQuery, query);
    const listing = await this.templates.list(kind, archived === 'true');
    return { templates: listing.map((t: TemplateListing) => ({ ...summary(t), locales: t.locales })) };
  }

  @Get(':id/versions')
  @RequireRoles(Role.Marketer, Role.Ops)
  @ApiOperation({ summary: "A template's versions, newest first, each with what it changed from the one before" })
  @ApiOkResponse({ schema: openApiSchema(z.object({ versions: z.array(versionView) })) })
  async versions(@Param('id', new ParseUUIDPipe()) id: string) {
    return { versions: (await this.templates.versions(id)).map(versionSummary) };
  }

  @Get(':id')
  @RequireRoles(Role.Marketer, Role.Ops)
  @ApiOperation({ summary: 'A template with the content of its current (or a given) version' })
  @ApiQuery({ name: 'version', required: false })
  @ApiOkResponse({ schema: openApiSchema(templateView) })
  async get(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: unknown) {
    return view(await this.templates.get(id, parseOrThrow(getQuery, query).version));
  }

  @Put(':id')
  @ApiOperation({ summary: 'Save a new version (versions are immutable); it becomes current' })
  @ApiBody({ schema: openApiSchema(draftSchema) })
  @ApiOkResponse({ schema: openApiSchema(templateView) })
  async update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown) {
    return view(await this.templates.update(id, toDraft(parseOrThrow(draftSchema, body))));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Archive a template: no longer sendable, versions kept' })
  @ApiOkResponse({ schema: openApiSchema(summaryView) })
  async archive(@Param('id', new ParseUUIDPipe()) id: string) {
    return summary(await this.templates.archive(id));
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Render the current version (or an unsaved draft) for a real customer and a sample payload or stored event; ' +
      'a draft that does not parse is a 422 whose details.syntax names the locale, part, line and column',
  })
  @ApiBody({ schema: openApiSchema(previewSchema) })
  @ApiOkResponse({ schema: openApiSchema(renderedView) })
  async preview(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown) {
    const { customerId, draft, ...sample } = parseOrThrow(previewSchema, body);
    return this.templates.preview(id, customerId, { ...sample, draft: draft && toDraft(draft) });
  }

  @Post(':id/test-send')
  @HttpCode(200)
  @ApiOperation({ summary: 'Render as preview does and send it to one address, subject marked [Test]' })
  @ApiBody({ schema: openApiSchema(testSendSchema) })
  @ApiOkResponse({ schema: openApiSchema(testSendView) })
  async testSend(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown) {
    const { customerId, to, draft, ...sample } = parseOrThrow(testSendSchema, body);
    return this.templates.testSend(id, to, customerId, { ...sample, draft: draft && toDraft(draft) });
  }
}
