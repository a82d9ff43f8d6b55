/** The profile fields a message is personalised with. */
export interface RecipientProfile {
  /** The shop's id for the customer, when known. */
  customerId: string | null;
  email: string | null;
  locale: string | null;
  timezone: string | null;
  attributes: Record<string, unknown>;
}

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
  /** The locale variant used. */
  locale: string;
  templateVersion: number;
}

/**
 * Turns a template key, a customer and a payload into content. Implemented by the templates
 * module; delivery depends only on this class (as the journey compiler does on TemplateCatalog),
 * which keeps the dependency pointing from templates to messaging.
 */
export abstract class MessageRenderer {
  /**
   * Rejects with MessageRenderError when the template is missing or fails to render, so the
   * one message fails with that reason.
   */
  abstract render(
    templateKey: string,
    customer: RecipientProfile,
    payload: Record<string, unknown>,
    links: Record<string, string>,
  ): Promise<RenderedMessage>;

  /**
   * A renderer for one delivery batch. An implementation may look templates up once for the
   * whole batch instead of once per message: every message of the batch then renders with the
   * template versions that were current when the batch began.
   */
  forBatch(): MessageRenderer {
    return this;
  }
}

/** A template that is missing or does not render for this message's data. */
export class MessageRenderError extends Error {
  override name = 'MessageRenderError';
}
