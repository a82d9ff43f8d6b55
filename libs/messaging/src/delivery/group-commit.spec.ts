import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  it('writes a lone item at once, and items submitted meanwhile together in the next write', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const group = new GroupCommit<number, string>(async (items) => {
      writes.push(items);
      if (writes.length === 1) {
        await new Promise<void>((r) => (release = r));
      }
      return items.map((n) => `#${n}`);
    });
    const first = group.submit(1);
    const rest = [2, 3, 4].map((n) => group.submit(n));
    expect(writes).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...rest])).toEqual(['#1', '#2', '#3', '#4']);
    expect(writes).toEqual([[1], [2, 3, 4]]);
  });

  it('writes the items of a failed group one by one, so only the bad one fails', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const group = new GroupCommit<number, number>(async (items) => {
      writes.push(items);
      if (writes.length === 1) {
        await new Promise<void>((r) => (release = r));
      }
      if (items.includes(13)) {
        throw new Error('bad row');
      }
      return items.map((n) => n * 2);
    });
    const first = group.submit(1);
    const results = [12, 13, 14].map((n) => group.submit(n).catch((e: Error) => e.message));
    release();
    expect(await Promise.all([first, ...results])).toEqual([2, 24, 'bad row', 28]);
    expect(writes).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
  });

  it('caps a group at maxGroup items', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const group = new GroupCommit<number, number>(async (items) => {
      writes.push(items);
      if (writes.length === 1) {
        await new Promise<void>((r) => (release = r));
      }
      return items;
    }, 2);
    const all = [1, 2, 3, 4, 5].map((n) => group.submit(n));
    release();
    await Promise.all(all);
    expect(writes).toEqual([[1], [2, 3], [4, 5]]);
  });
});
