/**
 * Runs `task` over `items` with at most `concurrency` in flight, started in the order of
 * `items`: a bounded pool of lanes, each taking the next item when it is done with one. Resolves
 * when all are done; rejects with the first error a task throws (tasks that must not stop the
 * others catch their own).
 */
export async function inParallel<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      await task(items[next++]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}
