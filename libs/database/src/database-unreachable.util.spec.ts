import { QueryFailedError } from 'typeorm';
import { isDatabaseUnreachable } from './database-unreachable.util';

/**
 * The shapes the driver stack gives an unreachable database. test/database-unreachable.int-spec.ts
 * produces the common ones from a real PostgreSQL; these are the ones a test cannot easily cause.
 */
const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('isDatabaseUnreachable', () => {
  it.each([
    ['08006 connection failure', withCode('08006')],
    ['08001 unable to connect', withCode('08001')],
    ['57P02 crash shutdown', withCode('57P02')],
    ['57P03 the server is starting up', withCode('57P03', 'the database system is starting up')],
    ['53300 too many connections', withCode('53300')],
    ['EHOSTUNREACH', withCode('EHOSTUNREACH')],
    ['ENOTFOUND (no such host)', withCode('ENOTFOUND')],
    [
      'every address refused (AggregateError of net.connect)',
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect failed'),
    ],
    ['wrapped as the cause', new Error('claim failed', { cause: withCode('57P01') })],
    [
      "TypeORM's QueryFailedError around a lost connection",
      new QueryFailedError('SELECT 1', [], new Error('Connection terminated unexpectedly')),
    ],
    ['a client already broken', new Error('Client has encountered a connection error and is not queryable')],
  ])('is true for %s', (_label, error) => {
    expect(isDatabaseUnreachable(error)).toBe(true);
  });

  it.each([
    ['a syntax error', withCode('42601')],
    ['a unique violation', withCode('23505')],
    ['a serialization failure (retry the transaction, not the server)', withCode('40001')],
    ['a statement timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a thrown string', 'Connection lost?'],
    ['undefined', undefined],
  ])('is false for %s', (_label, error) => {
    expect(isDatabaseUnreachable(error)).toBe(false);
  });

  it('stops at a cycle of causes', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isDatabaseUnreachable(a)).toBe(false);
  });
});
