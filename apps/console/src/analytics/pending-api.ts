import { unwrap } from '../api/api-error';
import type { Ratio } from './format';

/*
 * Shop KPIs, cohorts and NPS (contract: issue #12, GET /v1/analytics/kpis, /cohorts, /nps,
 * /nps/comments) are not in the generated client yet: their routes land on main from another
 * branch. Until they do, these screens read them through this one typed GET, with the contract's
 * shapes written out below. Once schema.d.ts has them, the hooks switch to `api.GET` and this
 * file goes.
 */

type OtherCurrencies = Array<{ currency: string; orders: number; revenue: number }>;

export interface KpisReport {
  asOf: string;
  from: string;
  to: string;
  timeZone: string;
  currency: string;
  churnDays: number;
  period: { buyers: number; orders: number; revenue: number; aov: Ratio; otherCurrencies: OtherCurrencies };
  trailingYear: {
    from?: string;
    buyers: number;
    orders: number;
    revenue: number;
    purchaseFrequency: Ratio;
    repeatBuyers?: number;
    repeatPurchaseRate: Ratio;
    otherCurrencies?: OtherCurrencies;
  };
  churn: { rate: Ratio; lapsed: number; previousBuyers: number };
  yearlyChurn: Ratio;
  clv: {
    value: number | null;
    aov: number | null;
    yearlyFrequency: number | null;
    lifespanYears: number | null;
    capped: boolean;
  };
}

export interface CohortCell {
  offset: number;
  month: string;
  buyers: number;
  share: Ratio;
  cumulativeRevenuePerCustomer: number | null;
  partial: boolean;
}

export interface CohortsReport {
  timeZone: string;
  currency: string;
  cohorts: Array<{ month: string; customers: number; retention: CohortCell[] }>;
  launches: Array<{ month: string; journeyId: string; name: string }>;
}

export interface NpsCounts {
  score: number | null;
  promoters: number;
  passives: number;
  detractors: number;
  respondents: number;
}

export interface NpsReport extends NpsCounts {
  trend: Array<{ month: string } & NpsCounts>;
}

export type NpsGroup = 'promoter' | 'passive' | 'detractor';

export interface NpsComments {
  comments: Array<{
    customerId: string | null;
    email?: string | null;
    score: number;
    comment: string;
    answeredAt: string;
  }>;
  nextCursor: string | null;
}

/** A GET of a route the generated client does not know yet; errors as ApiError, like `unwrap`. */
export function pendingGet<T>(path: string, query: Record<string, string>): Promise<T> {
  const url = `${path}?${new URLSearchParams(query).toString()}`;
  return unwrap<T>(
    fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(async (response) => {
      const body: unknown = await response.json().catch(() => undefined);
      return response.ok ? { data: body as T, response } : { error: body, response };
    }),
  );
}
