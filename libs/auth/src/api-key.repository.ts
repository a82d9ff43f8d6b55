import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { ApiKey } from './api-key.entity';
import type { Role } from './role';

@Injectable()
export class ApiKeyRepository {
  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  async insert(key: { name: string; role: Role; keyPrefix: string; keyHash: Buffer }): Promise<ApiKey> {
    return this.keys.save(this.keys.create(key));
  }

  findActiveByHash(keyHash: Buffer): Promise<ApiKey | null> {
    return this.keys.findOne({ where: { keyHash, revokedAt: IsNull() } });
  }

  list(): Promise<ApiKey[]> {
    return this.keys.find({ order: { createdAt: 'DESC' } });
  }

  /** Returns the revoked key, or null when no such key exists. Revoking twice is harmless. */
  async revoke(id: string): Promise<ApiKey | null> {
    await this.keys
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
    return this.keys.findOne({ where: { id } });
  }

  async touch(id: string): Promise<void> {
    await this.keys.update({ id }, { lastUsedAt: () => 'now()' });
  }
}
