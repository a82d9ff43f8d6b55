import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { CustomerRepository } from '@kizuna/customers';
import { npsFromCounts, type NetPromoterScore, type NpsGroup } from '../kpis.util';
import { addMonths, monthsAfter, shopMonthOf, shopPeriod, type ShopDay, type ShopMonth } from '../shop-calendar.util';
import { NpsAnswerRepository } from './nps-answer.repository';

export interface NpsReport extends NetPromoterScore {
  trend: Array<NetPromoterScore & { month: ShopMonth }>;
}

export interface NpsCommentView {
  /** The shop's id for the customer, else their email. */
  customerId: string | null;
  email: string | null;
  score: number;
  comment: string;
  answeredAt: string;
}

/** Where the next page of comments starts: the last one shown. */
export interface NpsCommentCursor {
  answeredAt: Date;
  customerUuid: string;
}

/**
 * NPS over a period and by month, and the comments per group (docs/analytics.md, "NPS"): each
 * customer counts once with their latest answer, read from `nps_answers` over the period (see
 * NpsAnswerRepository for the bound).
 */
@Injectable()
export class NpsReportService {
  constructor(
    private readonly answers: NpsAnswerRepository,
    private readonly customers: CustomerRepository,
    private readonly config: KizunaConfig,
  ) {}

  async report(from: ShopDay, to: ShopDay): Promise<NpsReport> {
    const timeZone = this.config.shop.timeZone;
    const period = shopPeriod(from, to, timeZone);
    const [start, end] = [new Date(period.start), new Date(period.end)];
    const [overall, ...byMonth] = await this.answers.countsWithMonths(start, end, timeZone);
    const first = shopMonthOf(period.start, timeZone);
    const months = monthsAfter(first, shopMonthOf(period.end - 1, timeZone)) + 1;
    const found = new Map(byMonth.map((m) => [m.month, m]));
    return {
      ...npsFromCounts(overall!.promoters, overall!.passives, overall!.detractors),
      trend: Array.from({ length: months }, (_, i) => {
        const month = addMonths(first, i);
        const m = found.get(month);
        return { month, ...npsFromCounts(m?.promoters ?? 0, m?.passives ?? 0, m?.detractors ?? 0) };
      }),
    };
  }

  async comments(
    from: ShopDay,
    to: ShopDay,
    group: NpsGroup,
    after: NpsCommentCursor | undefined,
    limit: number,
  ): Promise<{ comments: NpsCommentView[]; next: NpsCommentCursor | null }> {
    const period = shopPeriod(from, to, this.config.shop.timeZone);
    const page = await this.answers.comments(new Date(period.start), new Date(period.end), group, after, limit + 1);
    const shown = page.slice(0, limit);
    const contacts = await this.customers.contactsOf(
      undefined,
      shown.map((c) => c.customerUuid),
    );
    const last = shown[shown.length - 1];
    return {
      comments: shown.map((c) => ({
        customerId: contacts.get(c.customerUuid)?.customerId ?? null,
        email: contacts.get(c.customerUuid)?.email ?? null,
        score: c.score,
        comment: c.comment,
        answeredAt: c.answeredAt.toISOString(),
      })),
      next: page.length > limit && last ? { answeredAt: last.answeredAt, customerUuid: last.customerUuid } : null,
    };
  }
}
