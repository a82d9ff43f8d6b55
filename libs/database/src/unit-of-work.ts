import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/** PostgreSQL's isolation levels (READ UNCOMMITTED behaves as READ COMMITTED there). */
export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

/**
 * Work that spans several repositories runs in one transaction here; repositories take the
 * transaction's EntityManager, and nothing else touches the connection. It opens the
 * transaction the one way, inTransaction().
 */
@Injectable()
export class UnitOfWork {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(work: Work<T>): Promise<T>;
  run<T>(isolation: IsolationLevel, work: Work<T>): Promise<T>;
  run<T>(isolationOrWork: IsolationLevel | Work<T>, work?: Work<T>): Promise<T> {
    return typeof isolationOrWork === 'string'
      ? inTransaction(this.dataSource, isolationOrWork, work!)
      : inTransaction(this.dataSource, isolationOrWork);
  }

  /** Runs part of a transaction that can fail alone: on error it is rolled back and rethrown. */
  async savepoint<T>(tx: EntityManager, work: () => Promise<T>): Promise<T> {
    const name = `sp_${randomBytes(6).toString('hex')}`;
    await tx.query(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      await tx.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
  }
}

/** TypeORM declares the flag read-only for callers; it is how its writes know to join a transaction. */
function markInTransaction(runner: QueryRunner, active: boolean): void {
  (runner as { isTransactionActive: boolean }).isTransactionActive = active;
}

type Work<T> = (tx: EntityManager) => Promise<T>;

/**
 * The one way to open a transaction (READ COMMITTED unless told otherwise): a repository's own
 * atomic writes call it with its DataSource, work spanning repositories goes through UnitOfWork.
 *
 * One statement opens it, `START TRANSACTION ISOLATION LEVEL ...`: TypeORM's
 * `transaction(level, ...)` sends `START TRANSACTION` and then `SET TRANSACTION ISOLATION LEVEL`,
 * a second round trip for every transaction of every batch. The query runner is marked as in a
 * transaction, so TypeORM's own multi-statement writes (`save`) join this one rather than open
 * (and commit) their own.
 */
export function inTransaction<T>(dataSource: DataSource, work: Work<T>): Promise<T>;
export function inTransaction<T>(dataSource: DataSource, isolation: IsolationLevel, work: Work<T>): Promise<T>;
export async function inTransaction<T>(
  dataSource: DataSource,
  isolationOrWork: IsolationLevel | Work<T>,
  maybeWork?: Work<T>,
): Promise<T> {
  const [isolation, work] =
    typeof isolationOrWork === 'string' ? [isolationOrWork, maybeWork!] : ['READ COMMITTED', isolationOrWork];
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query(`START TRANSACTION ISOLATION LEVEL ${isolation}`);
    markInTransaction(runner, true);
    let result: T;
    try {
      result = await work(runner.manager);
    } catch (error) {
      // The work's error is the one that matters; a failed ROLLBACK (connection gone) adds nothing.
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    await runner.query('COMMIT');
    return result;
  } finally {
    markInTransaction(runner, false);
    await runner.release();
  }
}
