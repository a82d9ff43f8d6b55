import { Injectable } from '@nestjs/common';
import { Clock } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { LRUCache } from 'lru-cache';

interface AddressRecord {
  failures: number;
  windowEndsAt: number;
  blockedUntil: number;
}

/** Distinct client addresses remembered at once; past it the least recently seen is forgotten. */
const MAX_ADDRESSES = 100_000;

/**
 * Counts failed authentications (unknown or revoked API keys, bad Shopify signatures) per client
 * address, and refuses an address that has failed too often, before its next key is looked up.
 *
 * Only failures count, so a shop's successful traffic is never slowed by it. That needs a look
 * before the check and a count after it; @nestjs/throttler's guard counts every request and its
 * storage has no look without a count, so this is a small fixed-window counter of its own, in a
 * bounded LRU: an attack from many addresses cannot grow memory without bound (it can only make
 * the limiter forget the least recent addresses). Counted in this process only: see
 * docs/decisions/0016.
 */
@Injectable()
export class FailedAuthLimiter {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly addresses: LRUCache<string, AddressRecord>;

  constructor(
    config: KizunaConfig,
    private readonly clock: Clock,
  ) {
    this.limit = config.rateLimits.authFailures.limit;
    this.windowMs = config.rateLimits.authFailures.windowMs;
    this.addresses = new LRUCache<string, AddressRecord>({ max: MAX_ADDRESSES });
  }

  /** Seconds until this address may try again, or 0 when it may now. */
  retryAfterSeconds(address: string, now = this.clock.now().getTime()): number {
    const record = this.addresses.get(address);
    return record && record.blockedUntil > now ? Math.ceil((record.blockedUntil - now) / 1000) : 0;
  }

  /**
   * Counts one failure; returns the seconds the address is now refused for (0 while it is
   * within the limit). The failure past the limit starts a block of one window.
   */
  recordFailure(address: string, now = this.clock.now().getTime()): number {
    let record = this.addresses.get(address);
    if (!record || record.windowEndsAt <= now) {
      record = { failures: 0, windowEndsAt: now + this.windowMs, blockedUntil: record?.blockedUntil ?? 0 };
      this.addresses.set(address, record);
    }
    record.failures += 1;
    if (record.failures > this.limit && record.blockedUntil <= now) {
      record.blockedUntil = now + this.windowMs;
    }
    return this.retryAfterSeconds(address, now);
  }
}
