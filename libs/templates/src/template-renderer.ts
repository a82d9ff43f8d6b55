import Handlebars from 'handlebars';
import { compile } from 'html-to-text';
import { singleLine } from '@kizuna/common';
import { TEMPLATE_HELPERS, type RenderFrame } from './template-helpers';

/** One locale variant of one template version: what is compiled and cached. */
export interface TemplateSource {
  templateId: string;
  key: string;
  version: number;
  locale: string;
  subject: string | null;
  html: string;
  text: string | null;
  /** An unsaved draft (a live preview): compiled for this render only, never cached. */
  draft?: boolean;
}

/** Where a source stops parsing (1-based), when Handlebars says. */
export interface SourceLocation {
  line: number;
  column: number;
}

/** A source that does not parse: Handlebars' whole message and, when known, where. */
export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly location: SourceLocation | null,
  ) {
    super(message);
  }
}

export interface RenderRequest {
  template: TemplateSource;
  /** A layout wraps the HTML: its `{{{body}}}` is the template's rendered HTML. */
  layout?: TemplateSource;
  /** Partials by key, usable as `{{> key}}`. */
  partials: TemplateSource[];
  data: Record<string, unknown>;
  frame: RenderFrame;
}

export interface RenderedContent {
  subject: string;
  html: string;
  text: string;
}

type Part = 'subject' | 'html' | 'text';
type Compiled = Handlebars.TemplateDelegate;

const MAX_CACHED = 2000;

/**
 * Renders templates in an isolated Handlebars environment (our helpers only, nothing global),
 * with prototype access left denied. Compiled templates are cached by template id, version,
 * locale and part: versions are immutable, so an entry never goes stale.
 *
 * Subject and text are compiled without HTML escaping; the subject is flattened to one line so
 * no data can add a header.
 */
export class TemplateRenderer {
  private readonly handlebars = Handlebars.create();
  private readonly cache = new Map<string, Compiled>();

  constructor() {
    for (const [name, helper] of Object.entries(TEMPLATE_HELPERS)) {
      this.handlebars.registerHelper(name, helper);
    }
  }

  /**
   * Throws TemplateSyntaxError with Handlebars' message when a source does not parse, and the
   * line and column: a block mismatch carries them; a parse error carries only an excerpt, so
   * the spot is read from the lexer's last location (parsing is synchronous: it is this parse's).
   */
  check(source: string): void {
    try {
      this.handlebars.precompile(source, { strict: false });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const located = error as { lineNumber?: unknown; column?: unknown };
      if (typeof located.lineNumber === 'number' && typeof located.column === 'number') {
        throw new TemplateSyntaxError(message, { line: located.lineNumber, column: located.column + 1 });
      }
      // Handlebars exports its parser as `Parser` at run time; its typings leave it out.
      const parser = (Handlebars as unknown as { Parser?: { lexer?: { yylloc?: Record<string, unknown> } } }).Parser;
      const at = parser?.lexer?.yylloc;
      const location =
        message.startsWith('Parse error') && typeof at?.first_line === 'number' && typeof at.first_column === 'number'
          ? { line: at.first_line, column: at.first_column + 1 }
          : null;
      throw new TemplateSyntaxError(message, location);
    }
  }

  render(request: RenderRequest): RenderedContent {
    // JSON round trip: templates see plain data only (no class instances, getters or prototypes).
    const data = JSON.parse(JSON.stringify(request.data)) as Record<string, unknown>;
    const partials = Object.fromEntries(request.partials.map((p) => [p.key, this.compiled(p, 'html')]));
    const options: Handlebars.RuntimeOptions = { data: { ...request.frame }, partials };
    let html = this.compiled(request.template, 'html')(data, options);
    if (request.layout) {
      html = this.compiled(request.layout, 'html')({ ...data, body: new Handlebars.SafeString(html) }, options);
    }
    const subject = request.template.subject
      ? singleLine(this.compiled(request.template, 'subject')(data, options))
      : '';
    const text = request.template.text ? this.compiled(request.template, 'text')(data, options) : htmlToText(html);
    return { subject, html, text };
  }

  private compiled(source: TemplateSource, part: Part): Compiled {
    const text = part === 'subject' ? (source.subject ?? '') : part === 'text' ? (source.text ?? '') : source.html;
    const options = { strict: false, noEscape: part !== 'html' };
    if (source.draft) {
      return this.handlebars.compile(text, options);
    }
    const key = `${source.templateId}@${source.version}/${source.locale}/${part}`;
    const cached = this.cache.get(key);
    if (cached) {
      return cached;
    }
    const compiled = this.handlebars.compile(text, options);
    if (this.cache.size >= MAX_CACHED) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(key, compiled);
    return compiled;
  }
}

/**
 * The plain-text part when a template has none: readable text with link targets kept. Compiled
 * once: html-to-text's convert() would rebuild its selector decision tree for every message.
 */
export const htmlToText: (html: string) => string = compile({
  wordwrap: 78,
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
  ],
});
