/**
 * The one source of "now" (decisions/0019). Everything that decides by time asks the clock:
 * journeys, segments, delivery (due, leases, give-up), the sending policy, ingest (future skew,
 * dedup window), housekeeping, the API key caches. SQL never compares with its own now():
 * it takes the clock's value as a parameter. Production runs on `DatabaseClock`
 * (@kizuna/database: PostgreSQL's time, answered without a round trip); tests and simulations
 * on a `VirtualClock`. `ClockModule.using(...)` picks the one a process runs on.
 */
export abstract class Clock {
  abstract now(): Date;
}

/** A clock that moves only when told to: for tests and simulations. */
export class VirtualClock extends Clock {
  constructor(private current: Date) {
    super();
  }

  now(): Date {
    return new Date(this.current.getTime());
  }

  set(to: Date): void {
    this.current = new Date(to.getTime());
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
