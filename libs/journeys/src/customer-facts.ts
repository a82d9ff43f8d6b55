/**
 * What the engine knows about a customer when it evaluates a condition: loaded by the runtime
 * from the profile before each event or timer, carried on the event into the pure machine.
 * Times are epoch milliseconds so facts stay plain JSON.
 */
export interface CustomerFacts {
  attributes: Record<string, unknown>;
  timezone: string | undefined;
  ordersCount: number;
  revenue: number;
  firstOrderAt: number | undefined;
  lastOrderAt: number | undefined;
  segments: string[];
}

export const NO_FACTS: CustomerFacts = {
  attributes: {},
  timezone: undefined,
  ordersCount: 0,
  revenue: 0,
  firstOrderAt: undefined,
  lastOrderAt: undefined,
  segments: [],
};
