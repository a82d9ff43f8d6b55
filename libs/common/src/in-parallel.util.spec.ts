import { inParallel } from './in-parallel.util';

describe('inParallel', () => {
  it('runs every item, at most `concurrency` at a time, started in order', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    await inParallel([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, (8 - n) * 2));
      running--;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('starts no more lanes than there are items, and none for no items', async () => {
    let calls = 0;
    await inParallel([], 4, () => {
      calls++;
      return Promise.resolve();
    });
    expect(calls).toBe(0);
    let most = 0;
    let running = 0;
    await inParallel(['a', 'b'], 10, async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
    });
    expect(most).toBe(2);
  });
});
