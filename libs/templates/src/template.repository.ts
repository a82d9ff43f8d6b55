import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '@kizuna/database';
import type {
  Template,
  TemplateChange,
  TemplateDraft,
  TemplateKind,
  TemplateListing,
  TemplateVariant,
  TemplateVersionSummary,
  TemplateWithVersion,
} from './template';
import { TemplatesErrorCode, TemplatesException } from './templates.exception';

interface TemplateRow {
  id: string;
  key: string;
  kind: TemplateKind;
  description: string;
  default_locale: string;
  current_version: number;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface VersionRow {
  template_id: string;
  version: number;
  locale: string;
  layout_key: string | null;
  subject: string | null;
  html: string;
  text: string | null;
  created_at: Date;
}

const toTemplate = (r: TemplateRow): Template => ({
  id: r.id,
  key: r.key,
  kind: r.kind,
  description: r.description,
  defaultLocale: r.default_locale,
  currentVersion: r.current_version,
  archivedAt: r.archived_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toVariant = (r: VersionRow): TemplateVariant => ({
  locale: r.locale,
  subject: r.subject,
  html: r.html,
  text: r.text,
});

const UNIQUE_VIOLATION = '23505';

/** Templates and their immutable versions. A new version and the pointer to it commit together. */
@Injectable()
export class TemplateRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(key: string, kind: TemplateKind, draft: TemplateDraft): Promise<TemplateWithVersion> {
    try {
      return await inTransaction(this.dataSource, async (tx) => {
        const [row] = await tx.query<TemplateRow[]>(
          `INSERT INTO templates (key, kind, description, default_locale) VALUES ($1, $2, $3, $4) RETURNING *`,
          [key, kind, draft.description ?? '', draft.defaultLocale],
        );
        await this.insertVersion(tx, row!.id, 1, draft);
        return this.withVersion(tx, toTemplate(row!), 1);
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new TemplatesException(TemplatesErrorCode.TemplateKeyTaken, `A template with key "${key}" exists`);
      }
      throw error;
    }
  }

  /** Writes version current+1 and makes it current. */
  async addVersion(id: string, draft: TemplateDraft): Promise<TemplateWithVersion | null> {
    return inTransaction(this.dataSource, async (tx) => {
      const [row] = await tx.query<TemplateRow[]>(
        `WITH bumped AS (
           UPDATE templates SET current_version = current_version + 1, updated_at = now(),
                  description = COALESCE($2, description), default_locale = $3
            WHERE id = $1 AND archived_at IS NULL RETURNING *)
         SELECT * FROM bumped`,
        [id, draft.description ?? null, draft.defaultLocale],
      );
      if (!row) {
        return null;
      }
      await this.insertVersion(tx, id, row.current_version, draft);
      return this.withVersion(tx, toTemplate(row), row.current_version);
    });
  }

  async find(id: string, version?: number): Promise<TemplateWithVersion | null> {
    const [row] = await this.dataSource.query<TemplateRow[]>('SELECT * FROM templates WHERE id = $1', [id]);
    if (!row) {
      return null;
    }
    const template = toTemplate(row);
    const result = await this.withVersion(this.dataSource.manager, template, version ?? template.currentVersion);
    return result.content.variants.length === 0 ? null : result;
  }

  /** The active template with this key, at its current version. */
  async findActiveByKey(key: string, kind: TemplateKind): Promise<TemplateWithVersion | null> {
    const [row] = await this.dataSource.query<TemplateRow[]>(
      'SELECT * FROM templates WHERE key = $1 AND kind = $2 AND archived_at IS NULL',
      [key, kind],
    );
    return row ? this.withVersion(this.dataSource.manager, toTemplate(row), row.current_version) : null;
  }

  /** Every active partial at its current version, in one query (every render needs them). */
  async activePartials(): Promise<TemplateWithVersion[]> {
    const rows = await this.dataSource.query<Array<TemplateRow & Omit<VersionRow, 'created_at'>>>(
      `SELECT t.*, v.version, v.locale, v.layout_key, v.subject, v.html, v.text
         FROM templates t JOIN template_versions v ON v.template_id = t.id AND v.version = t.current_version
        WHERE t.kind = 'partial' AND t.archived_at IS NULL
        ORDER BY t.key, v.locale`,
    );
    const partials = new Map<string, TemplateWithVersion>();
    for (const row of rows) {
      const partial = partials.get(row.id) ?? {
        ...toTemplate(row),
        content: { version: row.version, layoutKey: null, createdAt: row.created_at, variants: [] },
      };
      partial.content.variants.push({ locale: row.locale, subject: row.subject, html: row.html, text: row.text });
      partials.set(row.id, partial);
    }
    return [...partials.values()];
  }

  /** Templates with the locales of their current version, in one query (the console's list). */
  async list(kind: TemplateKind | undefined, includeArchived: boolean): Promise<TemplateListing[]> {
    const rows = await this.dataSource.query<Array<TemplateRow & { locales: string[] }>>(
      `SELECT t.*, ARRAY(SELECT v.locale FROM template_versions v
                          WHERE v.template_id = t.id AND v.version = t.current_version ORDER BY v.locale) AS locales
         FROM templates t
        WHERE ($1::text IS NULL OR t.kind = $1) AND ($2 OR t.archived_at IS NULL) ORDER BY t.key`,
      [kind ?? null, includeArchived],
    );
    return rows.map((r) => ({ ...toTemplate(r), locales: r.locales }));
  }

  /**
   * Every version, newest first, with what each changed from the one before. Parts are compared
   * by digest, so the list costs one query and no template text leaves the database.
   */
  async versions(id: string): Promise<TemplateVersionSummary[]> {
    const rows = await this.dataSource.query<
      Array<{
        version: number;
        locale: string;
        layout_key: string | null;
        subject: string | null;
        html: string;
        text: string | null;
        created_at: Date;
      }>
    >(
      `SELECT version, locale, layout_key, md5(subject) AS subject, md5(html) AS html, md5(text) AS text, created_at
         FROM template_versions WHERE template_id = $1 ORDER BY version, locale`,
      [id],
    );
    const byVersion = new Map<number, typeof rows>();
    for (const row of rows) {
      byVersion.set(row.version, [...(byVersion.get(row.version) ?? []), row]);
    }
    const summaries: TemplateVersionSummary[] = [];
    let previous: typeof rows | undefined;
    for (const [version, variants] of byVersion) {
      const changes: TemplateChange[] = [];
      if (previous) {
        if (previous[0]!.layout_key !== variants[0]!.layout_key) {
          changes.push({ part: 'layout', locale: null });
        }
        for (const variant of variants) {
          const before = previous.find((p) => p.locale === variant.locale);
          if (!before) {
            changes.push({ part: 'localeAdded', locale: variant.locale });
            continue;
          }
          for (const part of ['subject', 'html', 'text'] as const) {
            if (before[part] !== variant[part]) {
              changes.push({ part, locale: variant.locale });
            }
          }
        }
        for (const before of previous.filter((p) => !variants.some((v) => v.locale === p.locale))) {
          changes.push({ part: 'localeRemoved', locale: before.locale });
        }
      }
      summaries.push({
        version,
        createdAt: variants[0]!.created_at,
        layoutKey: variants[0]!.layout_key,
        locales: variants.map((v) => v.locale),
        changes,
      });
      previous = variants;
    }
    return summaries.reverse();
  }

  async archive(id: string): Promise<Template | null> {
    const [row] = await this.dataSource.query<TemplateRow[]>(
      `WITH archived AS (
         UPDATE templates SET archived_at = COALESCE(archived_at, now()), updated_at = now() WHERE id = $1 RETURNING *)
       SELECT * FROM archived`,
      [id],
    );
    return row ? toTemplate(row) : null;
  }

  /** The keys among these that name no active email template. */
  async missingEmailKeys(keys: string[]): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ key: string }>>(
      `SELECT k.key FROM unnest($1::text[]) AS k(key)
        WHERE NOT EXISTS (SELECT 1 FROM templates t WHERE t.key = k.key AND t.kind = 'email' AND t.archived_at IS NULL)`,
      [keys],
    );
    return rows.map((r) => r.key);
  }

  private async insertVersion(tx: EntityManager, id: string, version: number, draft: TemplateDraft): Promise<void> {
    await tx.query(
      `INSERT INTO template_versions (template_id, version, locale, layout_key, subject, html, text)
       SELECT $1, $2, v.locale, $3, v.subject, v.html, v.text
         FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS v(locale, subject, html, text)`,
      [
        id,
        version,
        draft.layoutKey,
        draft.variants.map((v) => v.locale),
        draft.variants.map((v) => v.subject),
        draft.variants.map((v) => v.html),
        draft.variants.map((v) => v.text),
      ],
    );
  }

  private async withVersion(tx: EntityManager, template: Template, version: number): Promise<TemplateWithVersion> {
    const rows = await tx.query<VersionRow[]>(
      'SELECT * FROM template_versions WHERE template_id = $1 AND version = $2 ORDER BY locale',
      [template.id, version],
    );
    return {
      ...template,
      content: {
        version,
        layoutKey: rows[0]?.layout_key ?? null,
        createdAt: rows[0]?.created_at ?? template.createdAt,
        variants: rows.map(toVariant),
      },
    };
  }
}
