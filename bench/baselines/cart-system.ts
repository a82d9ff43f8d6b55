import type { Cart } from './workload';

/** One way of running the cart-abandonment workload, driven the same way by the benchmark. */
export interface CartSystem {
  readonly name: string;
  /** Its settings, and why they are its documented best, for the report. */
  readonly settings: string;
  /** Fresh database (and queue), worker processes started, sending to `smtpUrl`. */
  start(smtpUrl: string): Promise<void>;
  /**
   * Hands one chunk of checkout.started events over through the system's bulk path; `at` is the
   * events' time, the reminder is due D seconds after it. Resolves when the system took them.
   */
  accept(carts: Cart[], at: number): Promise<void>;
  /** How many events are durably stored with their reminder scheduled. */
  scheduled(): Promise<number>;
  /** Each cart's reminder due time as the system computed it, where that is not `at` + D. */
  ownDueTimes?(): Promise<Map<number, number>>;
  /** Stops its processes, drops its database, removes its queue. */
  stop(): Promise<void>;
}
