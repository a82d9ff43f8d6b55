import { retryOnDeadlock } from './deadlock.util';

describe('retryOnDeadlock', () => {
  const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
  /** TypeORM wraps the driver's error: the code is on driverError. */
  const wrapped = Object.assign(new Error('QueryFailedError'), { driverError: { code: '40P01' } });

  it('runs the work again after a deadlock, the driver’s or TypeORM’s, and returns what it returns', async () => {
    const failures = [deadlock, wrapped];
    let runs = 0;
    const result = await retryOnDeadlock(() => {
      runs++;
      const failure = failures.shift();
      return failure ? Promise.reject(failure) : Promise.resolve('done');
    });
    expect({ result, runs }).toEqual({ result: 'done', runs: 3 });
  });

  it('gives up after the attempts, throwing the last deadlock', async () => {
    let runs = 0;
    await expect(
      retryOnDeadlock(() => {
        runs++;
        return Promise.reject(deadlock);
      }, 3),
    ).rejects.toBe(deadlock);
    expect(runs).toBe(3);
  });

  it('throws any other error at once', async () => {
    const other = Object.assign(new Error('duplicate key'), { code: '23505' });
    let runs = 0;
    await expect(
      retryOnDeadlock(() => {
        runs++;
        return Promise.reject(other);
      }),
    ).rejects.toBe(other);
    expect(runs).toBe(1);
  });
});
