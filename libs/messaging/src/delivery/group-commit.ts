/**
 * Group commit for per-message writes made by concurrent delivery lanes: a write submitted while
 * none is running goes at once, alone; writes submitted while one is running wait for it and then
 * go together, as one statement. Nothing waits on a timer, so a lone message is never delayed;
 * under load the groups grow by themselves (about the number of lanes), and a statement per group
 * costs a fraction of a statement (and a commit) per message.
 *
 * When a group's write fails, its items are written again one by one, so one bad row (say, text
 * PostgreSQL refuses) fails only its own message.
 */
export class GroupCommit<T, R> {
  private pending: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private running = false;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxGroup = 500,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.running) {
        void this.drain();
      }
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0) {
        const group = this.pending.splice(0, this.maxGroup);
        try {
          const results = await this.write(group.map((g) => g.item));
          group.forEach((g, i) => g.resolve(results[i]!));
        } catch (error) {
          if (group.length === 1) {
            group[0]!.reject(error);
            continue;
          }
          for (const g of group) {
            await this.write([g.item]).then(
              ([result]) => g.resolve(result!),
              (alone: unknown) => g.reject(alone),
            );
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}
