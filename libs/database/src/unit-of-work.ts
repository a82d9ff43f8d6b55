import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs work that spans several repositories in one transaction. Repositories take the
 * transaction's EntityManager; nothing else touches the connection.
 */
@Injectable()
export class UnitOfWork {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('READ COMMITTED', work);
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
