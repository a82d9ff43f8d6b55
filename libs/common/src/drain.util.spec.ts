import { drainInChunks } from './drain.util';

describe('drainInChunks', () => {
  it('repeats until a round does nothing, and adds up what the rounds did', async () => {
    const chunks = [500, 500, 120, 0, 999];
    let calls = 0;
    // 500 + 500 + 120 = 1,120; the empty fourth round ends it, the fifth never runs.
    expect(await drainInChunks(() => Promise.resolve(chunks[calls++]!))).toBe(1_120);
    expect(calls).toBe(4);
  });

  it('stops after maxRounds even while rounds still find work', async () => {
    let calls = 0;
    expect(await drainInChunks(() => Promise.resolve(++calls && 10), 3)).toBe(30);
    expect(calls).toBe(3);
  });
});
