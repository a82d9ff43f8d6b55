import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@kizuna/common';
import { CustomerRepository } from '@kizuna/customers';
import { UnitOfWork } from '@kizuna/database';
import { SegmentMembershipService } from './segment-membership.service';
import { SegmentRepository } from './segment.repository';

/**
 * The time-driven side of segments, run by workers: rechecks that came due (a purchase ageing
 * past a window), and the first evaluation of a new or changed segment over every customer.
 * Safe with any number of workers: customers are taken with the customer lock (busy ones skipped
 * by the recheck claim), recheck rows only under it.
 */
@Injectable()
export class SegmentEvaluationJobs {
  private readonly logger = new Logger(SegmentEvaluationJobs.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly segments: SegmentRepository,
    private readonly customers: CustomerRepository,
    private readonly membership: SegmentMembershipService,
    private readonly clock: Clock,
  ) {}

  /** Re-evaluates due (customer, segment) pairs; returns how many were claimed. */
  async runDueRechecks(limit = 500): Promise<number> {
    const now = this.clock.now();
    return this.uow.run(async (tx) => {
      const candidates = await this.segments.customersWithDueRechecks(tx, now, limit);
      const locked = await this.customers.lock(tx, candidates, 'skip-locked');
      const due = await this.segments.claimRechecks(tx, locked, now);
      const byCustomer = new Map<string, Set<string>>();
      for (const d of due) {
        byCustomer.set(d.customerUuid, (byCustomer.get(d.customerUuid) ?? new Set()).add(d.segmentId));
      }
      const active = await this.segments.active(tx);
      // These customers are locked already. Customers due for the same segments are
      // re-evaluated together (usually all of them).
      const bySegments = new Map<string, string[]>();
      for (const [customerUuid, ids] of byCustomer) {
        const key = [...ids].sort().join(',');
        bySegments.set(key, [...(bySegments.get(key) ?? []), customerUuid]);
      }
      for (const [key, customerUuids] of bySegments) {
        const ids = new Set(key.split(','));
        await this.membership.refresh(tx, customerUuids, now, { segments: active.filter((s) => ids.has(s.id)) });
      }
      return due.length;
    });
  }

  /** Evaluates one segment still on its first evaluation against every customer, then marks it ready. */
  async evaluateNewSegments(): Promise<void> {
    for (const segment of (await this.segments.list()).filter((s) => !s.ready)) {
      let after: string | null = null;
      let customers = 0;
      for (;;) {
        const page = await this.customers.uuidPage(undefined, after, 500);
        if (page.length === 0) {
          break;
        }
        // One short transaction per customer: holding a page of customer locks at once
        // deadlocked with inbox batches locking the same customers in another order.
        for (const uuid of page) {
          await this.uow.run(async (tx) => {
            await this.customers.lock(tx, [uuid]);
            await this.membership.refresh(tx, [uuid], this.clock.now(), { segments: [segment] });
          });
        }
        customers += page.length;
        after = page[page.length - 1]!;
      }
      await this.segments.markReady(segment.id);
      this.logger.log({ msg: 'segment evaluated', segment: segment.key, customers });
    }
  }
}
