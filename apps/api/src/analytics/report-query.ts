import { shiftShopDay, type ShopDay } from '@kizuna/analytics';
import { z } from 'zod';

/**
 * What every analytics report's query shares: its period and the ratio it answers with. One
 * definition, so every report refuses the same bad periods with the same words.
 */

/** The longest range a report covers: two years of shop days. */
export const MAX_REPORT_DAYS = 731;
/** The range a report covers by default: the 30 shop days ending today. */
export const DEFAULT_REPORT_DAYS = 30;
const DAY_MS = 86_400_000;

/** A shop day, YYYY-MM-DD, that exists in the calendar. */
export const shopDay = z.iso.date({ error: 'must be a shop day YYYY-MM-DD' });

/** `from` and `to`: shop days, both included; default the 30 shop days ending `today`. */
export const periodQuery = (today: ShopDay, timeZone: string) => ({
  from: shopDay.optional(),
  to: shopDay.optional(),
  resolve: <Q extends { from?: string; to?: string }>(q: Q): Q & { from: ShopDay; to: ShopDay } => {
    const to = q.to ?? today;
    return { ...q, from: q.from ?? shiftShopDay(to, DEFAULT_REPORT_DAYS - 1, timeZone), to };
  },
});

/** `from` on or before `to`, at most MAX_REPORT_DAYS days: a superRefine of the resolved query. */
export const checkPeriod = ({ from, to }: { from: string; to: string }, ctx: z.RefinementCtx): void => {
  if (to < from) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be on or before `to`' });
  } else if ((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1 > MAX_REPORT_DAYS) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: `a period is at most ${MAX_REPORT_DAYS} days` });
  }
};

/** A query of `from` and `to` only, resolved and checked. */
export const periodOnlyQuery = (today: ShopDay, timeZone: string) => {
  const period = periodQuery(today, timeZone);
  return z
    .strictObject({ from: period.from, to: period.to })
    .transform((q) => period.resolve(q))
    .superRefine(checkPeriod);
};

/** A ratio as every report writes it (libs/analytics `ratio`). */
export const ratioView = z.object({
  numerator: z.number(),
  denominator: z.number(),
  value: z.number().nullable().describe('null when the denominator is 0 (no data)'),
});
