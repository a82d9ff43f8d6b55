import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * The engine's "now". Production reads the database clock once per batch, so every worker
 * agrees on due times whatever its host clock says; tests may provide a virtual one.
 */
export abstract class EngineClock {
  abstract now(tx: EntityManager): Promise<Date>;
}

@Injectable()
export class DatabaseClock extends EngineClock {
  async now(tx: EntityManager): Promise<Date> {
    const [row] = await tx.query<Array<{ now: Date }>>('SELECT clock_timestamp() AS now');
    return row!.now;
  }
}
