/**
 * The one model of what Kizuna knows about a customer when it decides something: a segment
 * rule, a journey condition, the simulator. Plain JSON (times are epoch milliseconds) so facts
 * can ride on an XState event and be written down in a test as they are.
 *
 * The customers lib computes it (one query, one place); journeys and segments only read it.
 */
export interface CustomerFacts {
  email: string | null;
  locale: string | null;
  timezone: string | null;
  emailConsent: string;
  attributes: Record<string, unknown>;
  stats: PurchaseStats;
  /** Keys of the segments the customer is in now. */
  segments: string[];
  /**
   * Timestamps (epoch ms, newest first) of the event names some rule counts with a behaviour
   * leaf (`{ event, within, atLeast }`); only the names asked for are loaded.
   */
  events: Record<string, number[]>;
}

/** Purchase stats, net of refunds and cancellations, in the shop currency (docs/conditions.md). */
export interface PurchaseStats {
  ordersCount: number;
  revenue: number;
  averageOrderValue: number;
  /** Epoch ms of the first and latest order; null before the first. */
  firstOrderAt: number | null;
  lastOrderAt: number | null;
}

export const NO_PURCHASES: PurchaseStats = {
  ordersCount: 0,
  revenue: 0,
  averageOrderValue: 0,
  firstOrderAt: null,
  lastOrderAt: null,
};

/** A customer nobody knows anything about yet (the simulator's default, tests' base). */
export const UNKNOWN_CUSTOMER: CustomerFacts = {
  email: null,
  locale: null,
  timezone: null,
  emailConsent: 'unknown',
  attributes: {},
  stats: NO_PURCHASES,
  segments: [],
  events: {},
};
