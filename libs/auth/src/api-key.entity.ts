import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Role } from './role';

@Entity({ name: 'api_keys' })
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  role!: Role;

  /** The first characters of the key, to recognise it in a list; never enough to use it. */
  @Column({ type: 'text', name: 'key_prefix' })
  keyPrefix!: string;

  /** SHA-256 of the key. Keys are 256-bit random, so a fast hash is enough; the key itself is never stored. */
  @Column({ type: 'bytea', name: 'key_hash' })
  keyHash!: Buffer;

  @Column({ type: 'timestamptz', name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
