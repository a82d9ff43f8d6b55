import type { Logger } from '@nestjs/common';
import type { DeliveryRepository, LeasedMessage } from './delivery.repository';

/**
 * Keeps the leases of one claimed batch while it is delivered. A batch is claimed at once (one
 * statement, decision 0008) but sent DELIVERY_CONCURRENCY at a time, so its last messages can
 * wait longer than the lease; every third of the lease, the rows not yet finished get a full
 * lease again (one statement for the whole batch). A row that comes back not held was taken over
 * by another worker (this one stalled past its lease): it is dropped, never sent from here.
 *
 * This keeps the lease per message while the worker is alive; the fencing in DeliveryRepository
 * (every write names the lease owner) is what makes a missed renewal harmless.
 */
export class LeaseKeeper {
  private readonly pending: Set<string>;
  /** One claim, one owner: the whole batch shares it. */
  private readonly owner: string;
  private readonly lost = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly repository: DeliveryRepository,
    batch: LeasedMessage[],
    private readonly leaseSeconds: number,
    private readonly logger: Logger,
  ) {
    this.pending = new Set(batch.map((m) => m.id));
    this.owner = batch[0]?.leaseOwner ?? '';
    this.timer = setInterval(() => this.renew(), (leaseSeconds * 1000) / 3);
    this.timer.unref();
  }

  /** False once the message was found taken over by another claim: do not deliver it. */
  holds(id: string): boolean {
    return !this.lost.has(id);
  }

  /** The message is finished (or given up on): its lease needs no renewal. */
  release(id: string): void {
    this.pending.delete(id);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
  }

  private renew(): void {
    if (this.renewing || this.pending.size === 0) {
      return;
    }
    const ids = [...this.pending];
    this.renewing = this.repository
      .extendLeases(ids, this.owner, this.leaseSeconds)
      .then((held) => {
        for (const id of ids) {
          if (!held.has(id) && this.pending.delete(id)) {
            this.lost.add(id);
          }
        }
      })
      .catch((error: unknown) => {
        // The next renewal may succeed; fencing keeps a lapsed lease harmless meanwhile.
        this.logger.warn({ msg: 'could not extend delivery leases', err: String(error) });
      })
      .finally(() => {
        this.renewing = undefined;
      });
  }
}
