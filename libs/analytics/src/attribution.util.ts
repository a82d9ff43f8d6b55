/**
 * Last-touch attribution (docs/analytics.md, "Attribution"): which one message, of all a
 * customer's messages across every journey, an order is credited to. Opens and clicks are a
 * person's only (classifyMessageEngagement); held-out customers received nothing, so nothing of
 * theirs is a touch.
 */

export type AttributionTouch = 'received' | 'opened' | 'clicked' | 'clicked-else-received';

export interface AttributionSettings {
  touch: AttributionTouch;
  /** How long after a touch an order still counts; both ends included. */
  windowMs: number;
}

export const DEFAULT_ATTRIBUTION: AttributionSettings = {
  touch: 'clicked-else-received',
  windowMs: 5 * 86_400_000,
};

export interface MessageTouch {
  messageId: string;
  /** When the SMTP server accepted it; messages never sent are not touches. */
  sentAt: number;
  humanOpens: readonly number[];
  humanClicks: readonly number[];
  /** The message belongs to a held-out instance: it was never delivered. */
  heldOut: boolean;
}

export interface Credit {
  messageId: string;
  /** The kind of touch credited ('opened' covers an open or a click). */
  by: 'received' | 'opened' | 'clicked';
  /** When that touch happened. */
  at: number;
}

function touchTimes(message: MessageTouch, by: Credit['by']): readonly number[] {
  switch (by) {
    case 'received':
      return [message.sentAt];
    case 'opened':
      return [...message.humanOpens, ...message.humanClicks];
    case 'clicked':
      return message.humanClicks;
  }
}

/**
 * The latest touch of this kind in [placedAt − window, placedAt]. Ties go to the message sent
 * later, then to the greater message id, so every replay credits the same message.
 */
function lastTouch(placedAt: number, messages: readonly MessageTouch[], by: Credit['by'], windowMs: number) {
  let best: { credit: Credit; sentAt: number } | null = null;
  for (const message of messages) {
    if (message.heldOut || message.sentAt > placedAt) {
      continue;
    }
    const times = touchTimes(message, by).filter((t) => t <= placedAt && placedAt - t <= windowMs);
    if (times.length === 0) {
      continue;
    }
    const at = Math.max(...times);
    const wins =
      !best ||
      at > best.credit.at ||
      (at === best.credit.at &&
        (message.sentAt > best.sentAt ||
          (message.sentAt === best.sentAt && message.messageId > best.credit.messageId)));
    if (wins) {
      best = { credit: { messageId: message.messageId, by, at }, sentAt: message.sentAt };
    }
  }
  return best?.credit ?? null;
}

/** The message an order placed at `placedAt` is credited to, or null. */
export function creditFor(
  placedAt: number,
  messages: readonly MessageTouch[],
  settings: AttributionSettings = DEFAULT_ATTRIBUTION,
): Credit | null {
  if (!(settings.windowMs > 0)) {
    throw new RangeError(`an attribution window is longer than 0, got ${settings.windowMs} ms`);
  }
  const last = (by: Credit['by']) => lastTouch(placedAt, messages, by, settings.windowMs);
  switch (settings.touch) {
    case 'received':
      return last('received');
    case 'opened':
      return last('opened');
    case 'clicked':
      return last('clicked');
    case 'clicked-else-received':
      return last('clicked') ?? last('received');
  }
}

export interface OrderPlaced {
  orderId: string;
  placedAt: number;
}

/**
 * Credits each order once: an order id seen again (a duplicate `order.placed`) keeps the credit
 * of its first occurrence.
 */
export function attributeOrders(
  orders: readonly OrderPlaced[],
  messages: readonly MessageTouch[],
  settings: AttributionSettings = DEFAULT_ATTRIBUTION,
): Map<string, Credit | null> {
  const credits = new Map<string, Credit | null>();
  for (const order of orders) {
    if (!credits.has(order.orderId)) {
      credits.set(order.orderId, creditFor(order.placedAt, messages, settings));
    }
  }
  return credits;
}
