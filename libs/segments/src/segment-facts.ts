/** What a rule is evaluated against: one customer, as the database knows them. */
export interface SegmentFacts {
  email: string | null;
  locale: string | null;
  timezone: string | null;
  emailConsent: string;
  attributes: Record<string, unknown>;
  stats: {
    ordersCount: number;
    revenue: number;
    averageOrderValue: number;
    firstOrderAt: Date | null;
    lastOrderAt: Date | null;
  };
  /** Recent timestamps of each event name the rule looks at, newest first. */
  events: Record<string, Date[]>;
}
