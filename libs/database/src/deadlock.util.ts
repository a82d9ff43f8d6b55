/** SQLSTATE 40P01: PostgreSQL found a deadlock and rolled this transaction back. */
const DEADLOCK_DETECTED = '40P01';

/**
 * Runs `work` (a whole transaction) again when PostgreSQL rolls it back as one side of a
 * deadlock, up to `attempts` times in all. For work that takes its locks in an order the engine's
 * own writers cannot share (a TRUNCATE of every table, a page of customers locked while inbox
 * batches run): a deadlock there is harmless and the next try usually passes. Any other error,
 * or the last deadlock, is thrown.
 */
export async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const failure = error as { code?: string; driverError?: { code?: string } };
      if ((failure.code ?? failure.driverError?.code) !== DEADLOCK_DETECTED || attempt >= attempts) {
        throw error;
      }
    }
  }
}
