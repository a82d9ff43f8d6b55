import { Injectable, Logger } from '@nestjs/common';
import { canonicalJson } from '@kizuna/events';
import { JourneysService } from '@kizuna/journeys';
import { segmentRuleSchema } from '@kizuna/rules';
import { SegmentsService } from '@kizuna/segments';
import { TemplatesService, type TemplateDraft, type TemplateWithVersion } from '@kizuna/templates';
import {
  loadReferenceContent,
  scaleDurations,
  type ReferenceContent,
  type ReferenceTemplate,
} from './reference-content';

export interface InstallOptions {
  /**
   * Multiplies every duration in the journeys and segment rules (waits, timeouts, goal windows,
   * cooldowns, "no order for N days"): 1 (default) installs production values; tests and the
   * demo pass e.g. 1/86400 so a day lasts a second. Time itself is never faked.
   */
  durationScale?: number;
  /** Where the content is; default config/reference of this checkout. */
  dir?: string;
}

export type InstallOutcome = 'created' | 'published' | 'unchanged' | 'edited';

export interface InstallItem {
  kind: 'segment' | 'template' | 'journey';
  /** Segment and template key, or journey name. */
  name: string;
  outcome: InstallOutcome;
  id: string;
}

export interface InstallReport {
  items: InstallItem[];
}

/**
 * Installs the reference segments, templates and journeys (published), idempotently: what is
 * missing is created; what exists as shipped is left as it is ("unchanged"); what exists but
 * differs was edited by someone, and is left alone and reported ("edited"). Journeys are
 * matched by name, segments and templates by key. Everything goes through the same services
 * as the API, so the content is validated exactly as a marketer's would be.
 */
@Injectable()
export class ReferenceInstaller {
  private readonly logger = new Logger(ReferenceInstaller.name);

  constructor(
    private readonly segments: SegmentsService,
    private readonly templates: TemplatesService,
    private readonly journeys: JourneysService,
  ) {}

  async install(options: InstallOptions = {}): Promise<InstallReport> {
    const scale = options.durationScale ?? 1;
    const content: ReferenceContent = loadReferenceContent(options.dir);
    const items: InstallItem[] = [];
    for (const segment of content.segments) {
      items.push(await this.installSegment(segment.key, segment.name, segment.description, scale, segment.rule));
    }
    for (const template of content.templates) {
      items.push(await this.installTemplate(template));
    }
    for (const { definition } of content.journeys) {
      items.push(await this.installJourney(scaleDurations(definition, scale)));
    }
    this.logger.log({
      msg: 'reference content installed',
      durationScale: scale,
      ...Object.fromEntries(
        (['created', 'published', 'unchanged', 'edited'] as const).map((o) => [
          o,
          items.filter((i) => i.outcome === o).length,
        ]),
      ),
    });
    return { items };
  }

  private async installSegment(
    key: string,
    name: string,
    description: string | undefined,
    scale: number,
    rule: unknown,
  ): Promise<InstallItem> {
    const shippedRule = segmentRuleSchema.parse(scaleDurations(rule, scale));
    const existing = (await this.segments.list()).find((s) => s.key === key);
    if (existing) {
      const same = canonicalJson(existing.rule) === canonicalJson(shippedRule);
      return { kind: 'segment', name: key, outcome: same ? 'unchanged' : 'edited', id: existing.id };
    }
    const created = await this.segments.create({ key, name, description: description ?? null, rule: shippedRule });
    return { kind: 'segment', name: key, outcome: 'created', id: created.id };
  }

  private async installTemplate(template: ReferenceTemplate): Promise<InstallItem> {
    const draft = toDraft(template);
    const existing = (await this.templates.list(template.kind, false)).find((t) => t.key === template.key);
    if (existing) {
      const current = await this.templates.get(existing.id);
      const same = canonicalJson(contentOf(current)) === canonicalJson(contentOf(draft));
      return { kind: 'template', name: template.key, outcome: same ? 'unchanged' : 'edited', id: existing.id };
    }
    const created = await this.templates.create(template.key, template.kind, draft);
    return { kind: 'template', name: template.key, outcome: 'created', id: created.id };
  }

  private async installJourney(input: Record<string, unknown>): Promise<InstallItem> {
    const { definition } = await this.journeys.validate(input);
    const existing = (await this.journeys.list()).find((j) => j.name === definition.name && j.status !== 'archived');
    if (!existing) {
      const created = await this.journeys.create(definition);
      await this.journeys.publish(created.id, undefined);
      return { kind: 'journey', name: definition.name, outcome: 'created', id: created.id };
    }
    const details = await this.journeys.get(existing.id);
    const latest = details.versions.reduce((a, b) => (b.version > a.version ? b : a));
    if (canonicalJson(latest.definition) !== canonicalJson(definition)) {
      return { kind: 'journey', name: definition.name, outcome: 'edited', id: existing.id };
    }
    if (existing.status === 'draft') {
      // Installed earlier but never published (an interrupted install): finish the job.
      await this.journeys.publish(existing.id, undefined);
      return { kind: 'journey', name: definition.name, outcome: 'published', id: existing.id };
    }
    return { kind: 'journey', name: definition.name, outcome: 'unchanged', id: existing.id };
  }
}

function toDraft(template: ReferenceTemplate): TemplateDraft {
  return {
    description: template.description,
    defaultLocale: template.defaultLocale,
    layoutKey: template.layout ?? null,
    variants: Object.entries(template.variants).map(([locale, v]) => ({
      locale,
      subject: v.subject ?? null,
      html: v.html,
      text: v.text ?? null,
    })),
  };
}

/** What an edit can change, in a comparable shape. */
function contentOf(t: TemplateWithVersion | TemplateDraft) {
  const layoutKey = 'content' in t ? t.content.layoutKey : t.layoutKey;
  const variants = 'content' in t ? t.content.variants : t.variants;
  return {
    defaultLocale: t.defaultLocale,
    layoutKey,
    variants: [...variants]
      .sort((a, b) => a.locale.localeCompare(b.locale))
      .map((v) => ({ locale: v.locale, subject: v.subject, html: v.html, text: v.text })),
  };
}
