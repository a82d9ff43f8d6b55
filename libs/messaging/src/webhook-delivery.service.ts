import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { isDatabaseUnreachable } from '@kizuna/database';
import { DeliveryRepository, type AttemptOutcome, type ClaimedWebhook } from './delivery.repository';
import { webhooksDelivered } from './delivery.metrics';
import { retryDelayMs } from './email-delivery.service';
import { singleLine } from './recipient.util';
import { SIGNATURE_HEADER, WebhookSigner } from './webhook.signer';

/**
 * Delivers claimed outbox webhook calls: a JSON POST of the payload, signed (X-Kizuna-Signature),
 * with the effect key (X-Kizuna-Effect-Key) so the receiver can drop a repeated call. Claimed,
 * leased, attempted and retried exactly like email (same statuses, attempts and backoff):
 * 2xx sent; 408, 429, 5xx, a timeout or a connection error deferred with backoff until
 * DELIVERY_GIVE_UP_SECONDS after queueing; any other answer failed (redirects are not followed:
 * their target was never allow-listed). The host is checked against WEBHOOK_ALLOWED_HOSTS again
 * at send time, so removing a host stops calls already queued.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly signer: WebhookSigner,
    private readonly config: KizunaConfig,
    private readonly clock: Clock,
  ) {}

  /** Claims and delivers one batch; returns how many calls it claimed. */
  async processBatch(): Promise<number> {
    const { batchSize, concurrency, leaseSeconds } = this.config.delivery;
    const claimed = await this.repository.claimWebhooks(batchSize, leaseSeconds);
    let next = 0;
    let unreachable: Error | undefined;
    const worker = async () => {
      while (next < claimed.length) {
        const call = claimed[next++]!;
        try {
          await this.deliver(call);
        } catch (error) {
          // Only the database can fail here; the lease brings the call back later.
          if (isDatabaseUnreachable(error)) {
            unreachable = error as Error; // one report for the batch, by the caller, not one per call
          } else {
            this.logger.error({ msg: 'webhook bookkeeping failed', messageId: call.id, err: String(error) });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, worker));
    if (unreachable !== undefined) {
      throw unreachable;
    }
    return claimed.length;
  }

  private async deliver(call: ClaimedWebhook): Promise<void> {
    if (call.interruptedAttempt !== undefined) {
      this.logger.warn({
        msg: 'possibly delivered: a worker stopped during this webhook call; calling again (same effect key)',
        messageId: call.id,
        attempt: call.interruptedAttempt,
      });
    }
    const host = hostOf(call.url);
    if (host === undefined || !this.config.journeys.webhookAllowedHosts.includes(host)) {
      const reason = `host "${host ?? call.url}" is not on WEBHOOK_ALLOWED_HOSTS; not called`;
      await this.repository.finish(call.id, 'failed', reason);
      webhooksDelivered.inc({ outcome: 'failed' });
      this.logger.warn({ msg: 'webhook refused', messageId: call.id, reason });
      return;
    }
    const attempt = await this.repository.startAttempt(call.id, undefined);
    if (attempt === undefined) {
      return; // sending was paused meanwhile: given back to the queue
    }
    const outcome = await this.post(call, attempt);
    await this.repository.recordAttempt(call.id, attempt, outcome);
    webhooksDelivered.inc({ outcome: outcome.outcome });
  }

  private async post(call: ClaimedWebhook, attempt: number): Promise<AttemptOutcome> {
    const body = JSON.stringify(call.payload);
    let status: number | null = null;
    let response: string;
    try {
      const res = await fetch(call.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Kizuna-Webhook/1',
          [SIGNATURE_HEADER]: this.signer.signature(body),
          'X-Kizuna-Effect-Key': call.effectKey,
          'X-Kizuna-Message-Id': call.id,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
      });
      status = res.status;
      const text = await res.text();
      response = singleLine(`HTTP ${res.status}${text ? `: ${text.slice(0, 500)}` : ''}`);
    } catch (error) {
      const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      response =
        e.name === 'TimeoutError'
          ? `timed out after ${this.config.webhooks.timeoutMs} ms`
          : singleLine(`${e.cause?.code ? `${e.cause.code}: ` : ''}${e.cause?.message ?? e.message ?? String(error)}`);
    }
    if (status !== null && status >= 200 && status < 300) {
      return { outcome: 'sent', code: status, response };
    }
    if (status !== null && !isTemporary(status)) {
      const reason =
        status >= 300 && status < 400
          ? `redirected (not followed): ${response}`
          : `refused by the receiver: ${response}`;
      return { outcome: 'failed', code: status, response, reason };
    }
    const { retryBaseMs, retryMaxMs, giveUpAfterSeconds } = this.config.delivery;
    const retryAt = new Date(this.clock.now().getTime() + retryDelayMs(attempt, retryBaseMs, retryMaxMs));
    if (retryAt.getTime() > call.createdAt.getTime() + giveUpAfterSeconds * 1000) {
      const reason = `gave up after ${giveUpAfterSeconds} s of temporary failures; last: ${response}`;
      return { outcome: 'failed', code: status, response, reason };
    }
    return { outcome: 'deferred', code: status, response, retryAt };
  }
}

/** 408 and 429 ask to come back later; 5xx is the receiver's trouble, not the request's. */
function isTemporary(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
