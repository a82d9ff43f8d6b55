import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Rule } from '@kizuna/rules';

@Entity({ name: 'segments' })
export class Segment {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Stable name for definitions and URLs, e.g. `dormant-90d`. */
  @Column({ type: 'text' })
  key!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'jsonb' })
  rule!: Rule;

  /** False while existing customers are still being evaluated after a create or a rule change. */
  @Column({ type: 'boolean', default: false })
  ready!: boolean;

  @Column({ type: 'timestamptz', name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', name: 'archived_at', nullable: true })
  archivedAt!: Date | null;
}
