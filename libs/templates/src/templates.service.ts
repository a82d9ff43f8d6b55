import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { CustomerRepository, type Customer } from '@kizuna/customers';
import { EventInboxRepository } from '@kizuna/events';
import {
  MessageRenderError,
  MessageRenderer,
  MessagesService,
  type RecipientProfile,
  type RenderedMessage,
} from '@kizuna/messaging';
import { chooseLocale, intlLocale, validTimeZone } from './locale.util';
import type {
  Template,
  TemplateDraft,
  TemplateKind,
  TemplateListing,
  TemplateProblem,
  TemplateVersionSummary,
  TemplateWithVersion,
} from './template';
import { TemplateRenderer, TemplateSyntaxError, type TemplateSource } from './template-renderer';
import { NpsSurvey } from './nps-survey';
import { TemplateRepository } from './template.repository';
import { TemplatesErrorCode, TemplatesException } from './templates.exception';
import { errorMessage } from '@kizuna/common';

/** Where a render finds its template, layout and partials: the database, or a batch's memo of it. */
interface TemplateLookup {
  activeByKey(key: string, kind: TemplateKind): Promise<TemplateWithVersion | null>;
  partials(): Promise<TemplateWithVersion[]>;
}

/** Remembers each lookup (as a promise) for as long as it lives; a failed lookup is tried again. */
function memoised(lookup: TemplateLookup): TemplateLookup {
  const byKey = new Map<string, Promise<TemplateWithVersion | null>>();
  let partials: Promise<TemplateWithVersion[]> | undefined;
  return {
    activeByKey: (key, kind) => {
      const id = `${kind}:${key}`;
      let found = byKey.get(id);
      if (!found) {
        found = lookup.activeByKey(key, kind);
        byKey.set(id, found);
        found.catch(() => byKey.delete(id));
      }
      return found;
    },
    partials: () => {
      if (!partials) {
        const loading = lookup.partials();
        partials = loading;
        loading.catch(() => {
          partials = undefined;
        });
      }
      return partials;
    },
  };
}

type RenderArgs = Parameters<MessageRenderer['render']>;

/** Renders the messages of one delivery batch, each template looked up once for the batch. */
class BatchRenderer extends MessageRenderer {
  constructor(
    private readonly renderWith: (lookup: TemplateLookup, ...args: RenderArgs) => Promise<RenderedMessage>,
    private readonly lookup: TemplateLookup,
  ) {
    super();
  }

  override render(...args: RenderArgs): Promise<RenderedMessage> {
    return this.renderWith(this.lookup, ...args);
  }
}

/** Data to preview with: a payload, or a stored event of the customer (payload keys win). */
export interface PreviewSample {
  payload?: Record<string, unknown>;
  eventId?: string;
}

/**
 * What to preview: the current version, or an unsaved draft (the editor's live preview); in the
 * customer's locale, or the one asked for (the editor's locale tab).
 */
export interface PreviewRequest extends PreviewSample {
  draft?: TemplateDraft;
  locale?: string;
}

const sourceOf = (t: TemplateWithVersion, locale: string, draft = false): TemplateSource => {
  const variant = t.content.variants.find((v) => v.locale === locale) ?? t.content.variants[0]!;
  return {
    draft,
    templateId: t.id,
    key: t.key,
    version: t.content.version,
    locale: variant.locale,
    subject: variant.subject,
    html: variant.html,
    text: variant.text,
  };
};

/**
 * Templates: validated, versioned edits, and rendering for a customer. Also the MessageRenderer
 * delivery uses, so a preview and a real send render exactly the same way.
 */
@Injectable()
export class TemplatesService extends MessageRenderer {
  private readonly renderer = new TemplateRenderer();
  private readonly current: TemplateLookup = {
    activeByKey: (key, kind) => this.templates.findActiveByKey(key, kind),
    partials: () => this.templates.activePartials(),
  };

  constructor(
    private readonly templates: TemplateRepository,
    private readonly customers: CustomerRepository,
    private readonly events: EventInboxRepository,
    private readonly messages: MessagesService,
    private readonly config: KizunaConfig,
    private readonly nps: NpsSurvey,
  ) {
    super();
  }

  async create(key: string, kind: TemplateKind, draft: TemplateDraft): Promise<TemplateWithVersion> {
    await this.validate(kind, draft);
    return this.templates.create(key, kind, draft);
  }

  async update(id: string, draft: TemplateDraft): Promise<TemplateWithVersion> {
    const current = await this.get(id);
    await this.validate(current.kind, draft);
    const updated = await this.templates.addVersion(id, draft);
    if (!updated) {
      throw notFound(id);
    }
    return updated;
  }

  async get(id: string, version?: number): Promise<TemplateWithVersion> {
    const template = await this.templates.find(id, version);
    if (!template) {
      throw notFound(id, version);
    }
    return template;
  }

  list(kind: TemplateKind | undefined, includeArchived: boolean): Promise<TemplateListing[]> {
    return this.templates.list(kind, includeArchived);
  }

  /** Every version of a template, newest first, each with what it changed. */
  async versions(id: string): Promise<TemplateVersionSummary[]> {
    const versions = await this.templates.versions(id);
    if (versions.length === 0) {
      throw notFound(id);
    }
    return versions;
  }

  async archive(id: string): Promise<Template> {
    const archived = await this.templates.archive(id);
    if (!archived) {
      throw notFound(id);
    }
    return archived;
  }

  /**
   * Renders an email template's current version for a real customer (by the shop's customer id)
   * and sample data, exactly as delivery would; errors are the caller's to see. The sample is a
   * payload as given, or one of the customer's stored events (its properties, plus `event`).
   */
  async preview(id: string, customerId: string, sample: PreviewRequest): Promise<RenderedMessage> {
    const customer = await this.customers.findByCustomerId(customerId);
    if (!customer) {
      throw new TemplatesException(TemplatesErrorCode.CustomerNotFound, `No customer with id "${customerId}"`);
    }
    let payload = sample.payload ?? {};
    if (sample.eventId !== undefined) {
      const event = await this.events.findForCustomer(customer.id, sample.eventId);
      if (!event) {
        throw new TemplatesException(
          TemplatesErrorCode.CustomerNotFound,
          `Customer "${customerId}" has no event ${sample.eventId}`,
        );
      }
      payload = {
        ...event.properties,
        ...payload,
        event: { name: event.name, timestamp: event.occurredAt.toISOString(), properties: event.properties },
      };
    }
    const saved = await this.get(id);
    if (saved.kind !== 'email' || saved.archivedAt) {
      throw new TemplatesException(
        TemplatesErrorCode.TemplateInvalid,
        `Template ${id} is not an active email template`,
      );
    }
    const { draft, locale } = sample;
    if (draft) {
      await this.validate(saved.kind, draft);
    }
    const template: TemplateWithVersion = draft
      ? {
          ...saved,
          defaultLocale: draft.defaultLocale,
          content: { ...saved.content, layoutKey: draft.layoutKey, variants: draft.variants },
        }
      : saved;
    if (locale !== undefined && !template.content.variants.some((v) => v.locale === locale)) {
      throw new TemplatesException(TemplatesErrorCode.TemplateInvalid, `The template has no "${locale}" variant`);
    }
    const links = { unsubscribeUrl: `${this.config.http.publicUrl}/u/preview` };
    try {
      return await this.renderTemplate(template, profileOf(customer), payload, links, this.current, {
        locale,
        draft: draft !== undefined,
      });
    } catch (error) {
      throw new TemplatesException(
        TemplatesErrorCode.RenderFailed,
        `The template does not render: ${errorMessage(error)}`,
      );
    }
  }

  /** Renders as preview does and sends the result to one address, subject marked [Test]. */
  async testSend(id: string, to: string, customerId: string, sample: PreviewRequest) {
    const rendered = await this.preview(id, customerId, sample);
    return { ...(await this.messages.sendTest(to, rendered)), subject: rendered.subject };
  }

  override render(
    templateKey: string,
    customer: RecipientProfile,
    payload: Record<string, unknown>,
    links: Record<string, string>,
  ): Promise<RenderedMessage> {
    return this.renderWith(this.current, templateKey, customer, payload, links);
  }

  /** Delivery renders a batch at a time: its template, layout and partials are read once for all of it. */
  override forBatch(): MessageRenderer {
    return new BatchRenderer((lookup, ...args) => this.renderWith(lookup, ...args), memoised(this.current));
  }

  private async renderWith(
    lookup: TemplateLookup,
    templateKey: string,
    customer: RecipientProfile,
    payload: Record<string, unknown>,
    links: Record<string, string>,
  ): Promise<RenderedMessage> {
    const template = await lookup.activeByKey(templateKey, 'email');
    if (!template) {
      throw new MessageRenderError(`no active email template "${templateKey}"`);
    }
    try {
      return await this.renderTemplate(template, customer, payload, links, lookup);
    } catch (error) {
      throw new MessageRenderError(`template "${templateKey}" v${template.content.version}: ${errorMessage(error)}`);
    }
  }

  private async renderTemplate(
    template: TemplateWithVersion,
    customer: RecipientProfile,
    payload: Record<string, unknown>,
    links: Record<string, string>,
    lookup: TemplateLookup = this.current,
    options: { locale?: string; draft?: boolean } = {},
  ): Promise<RenderedMessage> {
    const locale =
      options.locale ??
      chooseLocale(
        template.content.variants.map((v) => v.locale),
        customer.locale,
        template.defaultLocale,
      );
    const layout = template.content.layoutKey
      ? await lookup.activeByKey(template.content.layoutKey, 'layout')
      : undefined;
    if (template.content.layoutKey && !layout) {
      throw new Error(`layout "${template.content.layoutKey}" does not exist`);
    }
    const partials = await lookup.partials();
    const pick = (t: TemplateWithVersion) =>
      sourceOf(
        t,
        chooseLocale(
          t.content.variants.map((v) => v.locale),
          locale,
          t.defaultLocale,
        ),
      );
    // Numbers and dates follow the customer's own locale when it is a variant of the language
    // the email is written in (en-GB reading the en variant), else the variant's locale.
    const customerLocale = intlLocale(customer.locale, locale);
    const formatLocale =
      customerLocale.split('-')[0]!.toLowerCase() === locale.split(/[-_]/)[0]!.toLowerCase()
        ? customerLocale
        : intlLocale(locale, 'en');
    const sources = { template: sourceOf(template, locale, options.draft), layout: layout ? pick(layout) : undefined };
    const partialSources = partials.map(pick);
    // Eleven signed links cost more than the rest of a small render: made only for templates
    // that mention them (in the email, its layout or a partial).
    const asksForNps = [sources.template, sources.layout, ...partialSources].some(
      (s) => s !== undefined && [s.html, s.subject, s.text].some((part) => part?.includes('npsLinks')),
    );
    const rendered = this.renderer.render({
      ...sources,
      partials: partialSources,
      data: {
        ...payload,
        customer: {
          ...customer.attributes,
          id: customer.customerId,
          email: customer.email,
          locale: customer.locale,
          timezone: customer.timezone,
        },
        ...links,
        // Signed 0-10 answer links, for templates that ask ({{#each npsLinks}}).
        npsLinks: asksForNps ? this.nps.links(customer, payload) : undefined,
      },
      frame: { locale: formatLocale, timeZone: validTimeZone(customer.timezone), currency: this.config.shop.currency },
    });
    return { ...rendered, locale, templateVersion: template.content.version };
  }

  /** Every variant must parse; emails need a subject; the layout must exist. */
  private async validate(kind: TemplateKind, draft: TemplateDraft): Promise<void> {
    const problems: string[] = [];
    const syntax: TemplateProblem[] = [];
    for (const variant of draft.variants) {
      const at = `variants.${variant.locale}`;
      const parts: Array<[TemplateProblem['part'], string | null]> = [
        ['subject', variant.subject],
        ['html', variant.html],
        ['text', variant.text],
      ];
      for (const [part, source] of parts) {
        if (source === null) {
          continue;
        }
        try {
          this.renderer.check(source);
        } catch (error) {
          // All of it: the first line alone ("Parse error on line 1:") says nothing; the rest
          // shows the excerpt with a caret under the spot and what Handlebars expected there.
          problems.push(`${at}.${part}: ${errorMessage(error)}`);
          const location = error instanceof TemplateSyntaxError ? error.location : null;
          syntax.push({
            locale: variant.locale,
            part,
            message: errorMessage(error),
            line: location?.line ?? null,
            column: location?.column ?? null,
          });
        }
      }
      if (kind === 'email' && !variant.subject) {
        problems.push(`${at}.subject: an email needs a subject`);
      }
      if (kind === 'layout' && !variant.html.includes('{{{body}}}')) {
        problems.push(`${at}.html: a layout must contain {{{body}}}`);
      }
    }
    if (!draft.variants.some((v) => v.locale === draft.defaultLocale)) {
      problems.push(`defaultLocale: no variant has locale "${draft.defaultLocale}"`);
    }
    if (kind !== 'email' && draft.layoutKey) {
      problems.push('layout: only emails have a layout');
    }
    if (draft.layoutKey && !(await this.templates.findActiveByKey(draft.layoutKey, 'layout'))) {
      problems.push(`layout: no layout template "${draft.layoutKey}"`);
    }
    if (problems.length > 0) {
      throw new TemplatesException(TemplatesErrorCode.TemplateInvalid, `Invalid template: ${problems.join('; ')}`, {
        problems,
        syntax,
      });
    }
  }
}

const profileOf = (c: Customer): RecipientProfile => ({
  customerId: c.customerId,
  email: c.email,
  locale: c.locale,
  timezone: c.timezone,
  attributes: c.attributes,
});

function notFound(id: string, version?: number): TemplatesException {
  return new TemplatesException(
    TemplatesErrorCode.TemplateNotFound,
    version === undefined ? `No template with id ${id}` : `Template ${id} has no version ${version}`,
  );
}
