/**
 * Creates minimal email templates through the real API, so journeys that send them pass the
 * compiler's template check (the templates module is the catalog).
 */
export async function createEmailTemplates(baseUrl: string, marketerKey: string, keys: string[]): Promise<void> {
  for (const key of keys) {
    const res = await fetch(`${baseUrl}/v1/templates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${marketerKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        key,
        defaultLocale: 'en',
        variants: { en: { subject: `${key} for {{default customer.firstName "you"}}`, html: `<p>${key}</p>` } },
      }),
    });
    if (res.status !== 201) {
      throw new Error(`creating template ${key}: ${res.status} ${await res.text()}`);
    }
  }
}

/** Every template the documented example journeys (docs/journeys.md) send. */
export const EXAMPLE_TEMPLATE_KEYS = [
  'cart-reminder-1',
  'cart-reminder-discount',
  'cart-reminder-2',
  'order-thank-you',
  'usage-tips',
  'review-request',
  'we-miss-you',
  'win-back-incentive',
  'win-back-last-chance',
];
