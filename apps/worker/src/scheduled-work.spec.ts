import { DatabaseOutage } from '@kizuna/database';
import { ScheduledWork } from './scheduled-work';

const quiet = { error: () => undefined, warn: () => undefined };
const lost = (): Error => new Error('Connection terminated unexpectedly');

describe('ScheduledWork', () => {
  it('never runs a job over itself: a tick while it runs is a no-op; another job runs meanwhile', async () => {
    const scheduled = new ScheduledWork(new DatabaseOutage(quiet));
    let finish: () => void = () => undefined;
    const runs: string[] = [];
    const slow = scheduled.run('slow', () => {
      runs.push('slow');
      return new Promise<void>((resolve) => (finish = resolve));
    });
    await scheduled.run('slow', () => Promise.resolve(void runs.push('slow again')));
    await scheduled.run('other', () => Promise.resolve(void runs.push('other')));
    finish();
    await slow;
    await scheduled.run('slow', () => Promise.resolve(void runs.push('slow later')));
    expect(runs).toEqual(['slow', 'other', 'slow later']);
  });

  it('sits out an outage the process knows of, and reports an unreachable database to it', async () => {
    const outage = new DatabaseOutage(quiet);
    const scheduled = new ScheduledWork(outage);
    await scheduled.run('job', () => Promise.reject(lost()));
    expect(outage.ongoing).toBe(true);
    let ran = false;
    await scheduled.run('job', () => Promise.resolve(void (ran = true)));
    expect(ran).toBe(false);
    outage.succeeded();
    await scheduled.run('job', () => Promise.resolve(void (ran = true)));
    expect(ran).toBe(true);
  });

  it('keeps a failure that is not an outage to the log: the job runs again at the next tick', async () => {
    const outage = new DatabaseOutage(quiet);
    const scheduled = new ScheduledWork(outage);
    await expect(scheduled.run('job', () => Promise.reject(new Error('a bug')))).resolves.toBeUndefined();
    expect(outage.ongoing).toBe(false);
    let ran = false;
    await scheduled.run('job', () => Promise.resolve(void (ran = true)));
    expect(ran).toBe(true);
  });
});
