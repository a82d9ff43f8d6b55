import { Injectable, Logger } from '@nestjs/common';
import { checkHostAllowed, Clock, singleLine } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import {
  DeliveryRepository,
  type AttemptOutcome,
  type ClaimedWebhook,
  type OpenedAttempt,
} from '../delivery.repository';
import { deliverInLanes } from '../delivery-lanes';
import { webhooksDelivered } from '../delivery.metrics';
import { afterTemporaryFailure } from '../retry-schedule';
import { SIGNATURE_HEADER, WebhookSigner } from './webhook.signer';

/**
 * Delivers claimed outbox webhook calls: a JSON POST of the payload, signed (X-Kizuna-Signature),
 * with the effect key (X-Kizuna-Effect-Key) so the receiver can drop a repeated call. Claimed,
 * leased, attempted and retried exactly like email (same statuses, attempts, backoff, and the
 * same per-message lease fenced by its owner: a call another worker took over is not made from
 * here, nor its record overwritten):
 * 2xx sent; 408, 429, 5xx, a timeout or a connection error deferred with backoff until
 * DELIVERY_GIVE_UP_SECONDS after the first attempt; any other answer failed (redirects are not followed:
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
    if (claimed.length === 0) {
      return 0;
    }
    await deliverInLanes(this.repository, {
      claimed,
      concurrency,
      leaseSeconds,
      deliver: (call) => this.deliver(call),
      leaseLost: (call) => this.leaseLost(call, 'before it was made'),
      failure: 'webhook bookkeeping failed',
      logger: this.logger,
    });
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
    const { host, allowed } = checkHostAllowed(call.url, this.config.journeys.webhookAllowedHosts);
    if (!allowed) {
      const reason = `host "${host ?? call.url}" is not on WEBHOOK_ALLOWED_HOSTS; not called`;
      if (!(await this.repository.finish(call, 'failed', reason))) {
        return this.leaseLost(call, 'before it could be marked failed');
      }
      webhooksDelivered.inc({ outcome: 'failed' });
      this.logger.warn({ msg: 'webhook refused', messageId: call.id, reason });
      return;
    }
    const start = await this.repository.startAttempt(call, undefined, this.config.delivery.leaseSeconds);
    if (start === 'paused') {
      return; // sending was paused meanwhile: given back to the queue
    }
    if (start === 'lost') {
      return this.leaseLost(call, 'before its attempt opened; not called from here');
    }
    const outcome = await this.post(call, start);
    if (await this.repository.recordAttempt(call, start.attempt, outcome)) {
      webhooksDelivered.inc({ outcome: outcome.outcome });
    } else {
      this.leaseLost(call, `during attempt ${start.attempt}; its answer was not recorded: ${outcome.response}`);
    }
  }

  /** Another worker took the call over (this one held it past its lease): it is theirs now. */
  private leaseLost(call: ClaimedWebhook, when: string): void {
    this.logger.warn({ msg: `lease lost to another worker ${when}`, messageId: call.id });
  }

  private async post(call: ClaimedWebhook, opened: OpenedAttempt): Promise<AttemptOutcome> {
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
    return afterTemporaryFailure(this.clock.now(), opened, { code: status, response }, this.config.delivery);
  }
}

/** 408 and 429 ask to come back later; 5xx is the receiver's trouble, not the request's. */
function isTemporary(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
