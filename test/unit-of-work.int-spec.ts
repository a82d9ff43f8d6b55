import { inTransaction, UnitOfWork } from '@kizuna/database';
import { DataSource, EntitySchema, type Logger } from 'typeorm';
import { dataSourceOptions } from '../libs/database/src/data-source-options';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/** A row TypeORM writes with `save`, which opens a transaction of its own unless one is open. */
interface Probe {
  id: number;
  note: string;
}
const probeSchema = new EntitySchema<Probe>({
  name: 'UowProbe',
  tableName: 'uow_probe',
  columns: { id: { type: Number, primary: true }, note: { type: String } },
});

describe('opening a transaction (UnitOfWork, inTransaction)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let statements: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query('CREATE TABLE uow_probe (id int PRIMARY KEY, note text NOT NULL)');
    const logger: Logger = {
      logQuery: (query) => statements.push(query),
      logQueryError: () => undefined,
      logQuerySlow: () => undefined,
      logSchemaBuild: () => undefined,
      logMigration: () => undefined,
      log: () => undefined,
    };
    dataSource = await new DataSource({
      ...dataSourceOptions(db.url, 2),
      entities: [probeSchema],
      logging: ['query'],
      logger,
    }).initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE uow_probe');
    statements = [];
  });

  it('opens with one statement that names the isolation level, READ COMMITTED unless told otherwise', async () => {
    const level = (tx: { query: DataSource['query'] }) =>
      tx.query<Array<{ level: string }>>(`SELECT current_setting('transaction_isolation') AS level`);
    expect(await new UnitOfWork(dataSource).run('REPEATABLE READ', level)).toEqual([{ level: 'repeatable read' }]);
    expect(statements).toEqual([
      'START TRANSACTION ISOLATION LEVEL REPEATABLE READ',
      `SELECT current_setting('transaction_isolation') AS level`,
      'COMMIT',
    ]);
    statements = [];
    expect(await inTransaction(dataSource, level)).toEqual([{ level: 'read committed' }]);
    expect(statements[0]).toBe('START TRANSACTION ISOLATION LEVEL READ COMMITTED');
    expect(statements).toHaveLength(3);
  });

  it("keeps TypeORM's own writes inside it: a save opens no transaction of its own, and rolls back with it", async () => {
    const failure = new Error('the work failed after writing');
    await expect(
      inTransaction(dataSource, async (tx) => {
        await tx.save(probeSchema, { id: 1, note: 'written' });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(statements.filter((s) => /^(START TRANSACTION|BEGIN|COMMIT)/.test(s))).toEqual([
      'START TRANSACTION ISOLATION LEVEL READ COMMITTED',
    ]);
    expect(statements.at(-1)).toBe('ROLLBACK');
    expect(await db.query('SELECT id FROM uow_probe')).toEqual([]);
  });

  it('commits what the work wrote and gives back its result', async () => {
    const result = await new UnitOfWork(dataSource).run(async (tx) => {
      await tx.save(probeSchema, { id: 2, note: 'kept' });
      return 'done';
    });
    expect(result).toBe('done');
    expect(await db.query('SELECT id, note FROM uow_probe')).toEqual([{ id: 2, note: 'kept' }]);
  });
});
