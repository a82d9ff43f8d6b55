import { api } from './http-load';

/**
 * The engine benchmarks' journey (processing, scale): entry on checkout.started keyed by cartId
 * -> send -> wait -> send. `wait` is an ISO duration.
 */
export function cartReminderJourney(wait: string) {
  return {
    name: 'Bench cart reminder',
    entry: { event: 'checkout.started', key: 'cartId' },
    exit: [{ event: 'order.placed', sameKey: 'cartId' }],
    steps: [
      { id: 'remind', type: 'send', template: 'bench-reminder', category: 'marketing', next: 'wait' },
      { id: 'wait', type: 'wait', duration: wait, next: 'remind-again' },
      { id: 'remind-again', type: 'send', template: 'bench-reminder', category: 'marketing' },
    ],
  };
}

/** A checkout of two tea cups. */
export const cartProperties = (cartId: string) => ({
  cartId,
  items: [{ id: 'sku-1', name: 'Tea cup', price: 29.9, quantity: 2 }],
  total: 59.8,
  currency: 'USD',
});

/**
 * Creates the template and the journey through the admin API, publishes it, and pauses sending
 * (the kill switch) so delivery does not compete: these benchmarks measure the engine.
 * Returns the journey id.
 */
export async function installCartReminder(baseUrl: string, adminKey: string, wait: string): Promise<string> {
  await api(baseUrl, adminKey, 'POST', '/v1/templates', {
    key: 'bench-reminder',
    defaultLocale: 'en',
    variants: { en: { subject: 'Your cart', html: '<p>{{#each trigger.properties.items}}{{name}} {{/each}}</p>' } },
  });
  const created = await api<{ id: string }>(baseUrl, adminKey, 'POST', '/v1/journeys', cartReminderJourney(wait));
  await api(baseUrl, adminKey, 'POST', `/v1/journeys/${created.id}/publish`, {});
  await api(baseUrl, adminKey, 'POST', '/v1/sending/pause', {});
  return created.id;
}
