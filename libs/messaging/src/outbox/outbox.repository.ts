import { Injectable, Optional } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import type { EntityManager } from 'typeorm';
import type { NewOutboxMessage } from './outbox-message';

export const OUTBOX_CHANNEL = 'kizuna_outbox';

/** The writing side of the outbox, used inside the transaction that decided the effects. */
@Injectable()
export class OutboxRepository {
  /** The shop's days: SHOP_TIMEZONE (UTC when built by hand, without configuration). */
  private readonly timeZone: string;

  constructor(@Optional() config?: KizunaConfig) {
    this.timeZone = config?.shop.timeZone ?? 'UTC';
  }

  /**
   * Enqueues effects; keys already present are skipped, which is what makes replays harmless.
   * Returns the keys actually enqueued. Wakes delivery workers on commit. Each message is dated
   * by its creation (the caller's clock, else the database's) and filed under that shop day
   * (SHOP_TIMEZONE): reports date a message and all that happens to it by that day.
   */
  async enqueue(tx: EntityManager, messages: NewOutboxMessage[]): Promise<string[]> {
    if (messages.length === 0) {
      return [];
    }
    const rows: Array<{ effect_key: string }> = await tx.query(
      `INSERT INTO outbox_messages (effect_key, customer_uuid, channel, category, template_key, webhook_url, payload,
                                    journey_id, journey_version, instance_id, step_id, priority, not_before, when_capped,
                                    split_path, created_at, created_day)
       SELECT m.effect_key, m.customer_uuid, m.channel, m.category, m.template_key, m.webhook_url, m.payload::jsonb,
              m.journey_id, m.journey_version, m.instance_id, m.step_id, m.priority, COALESCE(m.not_before, now()),
              m.when_capped, m.split_path, COALESCE(m.created_at, now()),
              (COALESCE(m.created_at, now()) AT TIME ZONE $17)::date
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::uuid[], $9::int[], $10::uuid[], $11::text[], $12::int[], $13::timestamptz[], $14::text[],
                     $15::text[], $16::timestamptz[])
           AS m(effect_key, customer_uuid, channel, category, template_key, webhook_url, payload,
                journey_id, journey_version, instance_id, step_id, priority, not_before, when_capped,
                split_path, created_at)
        ORDER BY m.effect_key
       ON CONFLICT (effect_key) DO NOTHING
       RETURNING effect_key`,
      [
        messages.map((m) => m.effectKey),
        messages.map((m) => m.customerUuid),
        messages.map((m) => m.channel),
        messages.map((m) => m.category),
        messages.map((m) => (m.channel === 'email' ? m.templateKey : null)),
        messages.map((m) => (m.channel === 'webhook' ? m.webhookUrl : null)),
        messages.map((m) => JSON.stringify(m.payload)),
        messages.map((m) => m.origin?.journeyId ?? null),
        messages.map((m) => m.origin?.journeyVersion ?? null),
        messages.map((m) => m.origin?.instanceId ?? null),
        messages.map((m) => m.origin?.stepId ?? null),
        messages.map((m) => m.priority ?? 0),
        messages.map((m) => m.notBefore?.toISOString() ?? null),
        messages.map((m) => m.whenCapped ?? 'defer'),
        messages.map((m) => m.splitPath ?? null),
        messages.map((m) => m.createdAt?.toISOString() ?? null),
        this.timeZone,
      ],
    );
    if (rows.length > 0) {
      await tx.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
    }
    return rows.map((r) => r.effect_key);
  }

  /**
   * Gives the not yet rendered messages of a journey instance a new payload: the journey learned
   * newer data about the instance's key (the cart changed while its reminder waited for quiet
   * hours to end). A message rendered or tried once keeps what it has: a retry sends the same
   * content, and a webhook receiver sees the same body again.
   */
  async refreshUnsent(
    tx: EntityManager,
    refreshes: Array<{ customerUuid: string; instanceId: string; payload: Record<string, unknown> }>,
  ): Promise<void> {
    if (refreshes.length === 0) {
      return;
    }
    await tx.query(
      `UPDATE outbox_messages o SET payload = r.payload::jsonb, updated_at = now()
         FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS r(customer_uuid, instance_id, payload)
        WHERE o.customer_uuid = r.customer_uuid AND o.instance_id = r.instance_id
          AND o.status IN ('queued', 'deferred') AND o.attempts = 0`,
      [
        refreshes.map((r) => r.customerUuid),
        refreshes.map((r) => r.instanceId),
        refreshes.map((r) => JSON.stringify(r.payload)),
      ],
    );
  }
}
