import { DatabaseClock } from '@kizuna/database';
import { dataSourceOptions } from '../libs/database/src/data-source-options';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/** Production's clock against a real PostgreSQL: its now() is the database's clock_timestamp(). */
describe('DatabaseClock', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(db.url, 2)).initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it("answers PostgreSQL's time between two readings around a query, and never goes back", async () => {
    const clock = new DatabaseClock(dataSource);
    await clock.sync();
    let previous = 0;
    for (let i = 0; i < 5; i++) {
      const before = clock.now().getTime();
      const [row] = await dataSource.query<Array<{ ms: number }>>(
        `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`,
      );
      const after = clock.now().getTime();
      // The clock's own error is at most half its fastest measuring round trip, plus the
      // millisecond it rounds down to: a few ms even on a busy machine.
      expect(row!.ms).toBeGreaterThanOrEqual(before - 20);
      expect(row!.ms).toBeLessThanOrEqual(after + 20);
      expect(before).toBeGreaterThanOrEqual(previous);
      previous = after;
      await clock.sync();
    }
  });
});
