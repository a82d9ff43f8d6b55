import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type EmailConsent = 'subscribed' | 'unsubscribed' | 'unknown';

/** numeric columns come back from pg as strings; money stays exact until it leaves the API. */
const numericString = { to: (v: string | number) => v, from: (v: string) => v };

@Entity({ name: 'customers' })
export class Customer {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The shop's own id for this customer. */
  @Column({ type: 'text', name: 'customer_id', nullable: true })
  customerId!: string | null;

  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ type: 'text', name: 'email_normalized', nullable: true })
  emailNormalized!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  attributes!: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  timezone!: string | null;

  @Column({ type: 'text', nullable: true })
  locale!: string | null;

  @Column({ type: 'text', name: 'email_consent', default: 'unknown' })
  emailConsent!: EmailConsent;

  @Column({ type: 'text', name: 'email_consent_source', nullable: true })
  emailConsentSource!: string | null;

  @Column({ type: 'timestamptz', name: 'email_consent_at', nullable: true })
  emailConsentAt!: Date | null;

  @Column({ type: 'integer', name: 'orders_count', default: 0 })
  ordersCount!: number;

  @Column({ type: 'numeric', precision: 20, scale: 4, default: 0, transformer: numericString })
  revenue!: string;

  @Column({ type: 'timestamptz', name: 'first_order_at', nullable: true })
  firstOrderAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'last_order_at', nullable: true })
  lastOrderAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;
}
