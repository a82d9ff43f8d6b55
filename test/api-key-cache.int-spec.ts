import { ApiKey, ApiKeyService, Role } from '@kizuna/auth';
import { VirtualClock } from '../libs/common/src/clock';
import { loadConfig } from '@kizuna/config';
import { DataSource } from 'typeorm';
import { ApiKeyRepository } from '../libs/auth/src/api-key.repository';
import { dataSourceOptions } from '../libs/database/src/data-source-options';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/**
 * The API key cache against real PostgreSQL: made-up keys must not push a shop's key out of it.
 * The clock stands still, so nothing leaves the cache by age during the test; a key revoked
 * behind the service's back (as another process would) shows whether a check came from the
 * cache (still valid) or from the database (revoked).
 */
describe('ApiKeyService cache', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let clock: VirtualClock;
  let service: ApiKeyService;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource({ ...dataSourceOptions(db.url, 10), entities: [ApiKey] }).initialize();
  });
  beforeEach(() => {
    clock = new VirtualClock(new Date('2026-03-01T09:00:00Z'));
    service = new ApiKeyService(new ApiKeyRepository(dataSource.getRepository(ApiKey)), loadConfig({}), clock);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  const revokeElsewhere = (id: string) => db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id]);

  it('keeps a key in use while more than 10,000 unknown keys are tried', async () => {
    const { apiKey, secret } = await service.create('shop backend', Role.Ingest);
    const principal = { keyId: apiKey.id, role: Role.Ingest };
    expect(await service.verify(secret)).toEqual(principal);
    await revokeElsewhere(apiKey.id);

    // 10,001 distinct made-up keys, 20 at a time, the shop's key used between the bursts.
    const unknown = Array.from({ length: 10_001 }, (_, i) => `kz_ingest_made_up_${i}`);
    for (let i = 0; i < unknown.length; i += 20) {
      const answers = await Promise.all(unknown.slice(i, i + 20).map((key) => service.verify(key)));
      expect(answers.every((answer) => answer === null)).toBe(true);
      if (i % 1000 === 0) {
        expect(await service.verify(secret)).toEqual(principal);
      }
    }
    // Still the cached answer: the flood did not evict it (the database would say "revoked").
    expect(await service.verify(secret)).toEqual(principal);
  });

  it('still looks a key up again once its cache entry is old, and then sees the revocation', async () => {
    const { apiKey, secret } = await service.create('rotated', Role.Ops);
    expect(await service.verify(secret)).toEqual({ keyId: apiKey.id, role: Role.Ops });
    await revokeElsewhere(apiKey.id);
    clock.advance(9_000);
    expect(await service.verify(secret)).toEqual({ keyId: apiKey.id, role: Role.Ops });
    clock.advance(2_000);
    expect(await service.verify(secret)).toBeNull();
  });

  it('remembers an unknown key for a while, so repeating it does not query again', async () => {
    expect(await service.verify('kz_ops_will_exist_later')).toBeNull();
    // A key with that very secret inserted behind the cache: the negative answer holds until it ages out.
    const hash = (await import('node:crypto')).createHash('sha256').update('kz_ops_will_exist_later').digest();
    await db.query(`INSERT INTO api_keys (name, role, key_prefix, key_hash) VALUES ('late', 'ops', 'kz_ops_wil', $1)`, [
      hash,
    ]);
    expect(await service.verify('kz_ops_will_exist_later')).toBeNull();
    clock.advance(10_001);
    expect(await service.verify('kz_ops_will_exist_later')).toEqual({
      keyId: expect.any(String) as string,
      role: Role.Ops,
    });
  });
});
