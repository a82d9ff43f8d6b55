/**
 * Repeats a bounded step (delete one chunk of old rows, ...) until a round does nothing or
 * `maxRounds` have run; returns how much all rounds did. Chunks keep each statement short; the
 * bound keeps one run of housekeeping from holding its worker for ever (the next run goes on).
 */
export async function drainInChunks(step: () => Promise<number>, maxRounds = 100): Promise<number> {
  let total = 0;
  for (let round = 0; round < maxRounds; round++) {
    const done = await step();
    total += done;
    if (done === 0) {
      break;
    }
  }
  return total;
}
