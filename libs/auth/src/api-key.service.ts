import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { LRUCache } from 'lru-cache';
import type { ApiKey } from './api-key.entity';
import { ApiKeyRepository } from './api-key.repository';
import { AuthErrorCode, AuthException } from './auth.exception';
import { Role } from './role';

export interface Principal {
  /**
   * Who is calling, as recorded with what they change: the key's id, `bootstrap-admin` for
   * ADMIN_API_KEY, or `user:<email>` for a console session. Also what the per-key limit counts by.
   */
  keyId: string;
  role: Role;
  /** Set for a console session: the signed-in user and the session's token (to end it). */
  session?: { userId: string; email: string; token: string };
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The secret, shown once; only its hash is stored. */
  secret: string;
}

const CACHE_TTL_MS = 10_000;
/** Keys in use at once; far more than a shop has. */
const KNOWN_KEYS_CACHED = 10_000;
/** Wrong keys remembered, so a client retrying one bad key does not query per request. */
const UNKNOWN_KEYS_CACHED = 10_000;
const TOUCH_INTERVAL_MS = 60_000;

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Issues, verifies and revokes API keys. Verification results are cached for a few seconds so
 * the ingest hot path does not hit the database per request; a revocation made through this
 * process applies at once, one made elsewhere within CACHE_TTL_MS.
 *
 * Valid and unknown keys are cached apart, each in a bounded LRU: a stream of made-up keys
 * fills only the unknown side, so it cannot push a shop's key out and send its traffic to the
 * database (the failed-authentication limit bounds that stream too).
 */
@Injectable()
export class ApiKeyService {
  private readonly logger = new Logger(ApiKeyService.name);
  private readonly known: LRUCache<string, Principal>;
  private readonly unknown: LRUCache<string, true>;
  private readonly lastTouched = new Map<string, number>();
  private readonly adminKeyHash: Buffer | undefined;

  constructor(
    private readonly keys: ApiKeyRepository,
    config: KizunaConfig,
    private readonly clock: Clock,
  ) {
    this.adminKeyHash = config.auth.adminApiKey ? sha256(config.auth.adminApiKey) : undefined;
    // TTLs on Kizuna's clock (a virtual one in tests), read at every check: no cached "now".
    const perf = { now: () => clock.now().getTime() };
    this.known = new LRUCache({ max: KNOWN_KEYS_CACHED, ttl: CACHE_TTL_MS, ttlResolution: 0, perf });
    this.unknown = new LRUCache({ max: UNKNOWN_KEYS_CACHED, ttl: CACHE_TTL_MS, ttlResolution: 0, perf });
  }

  async create(name: string, role: Role): Promise<CreatedApiKey> {
    const secret = `kz_${role}_${randomBytes(32).toString('base64url')}`;
    const apiKey = await this.keys.insert({
      name,
      role,
      keyPrefix: secret.slice(0, role.length + 10),
      keyHash: sha256(secret),
    });
    return { apiKey, secret };
  }

  list(): Promise<ApiKey[]> {
    return this.keys.list();
  }

  async revoke(id: string): Promise<ApiKey> {
    const revoked = await this.keys.revoke(id);
    if (!revoked) {
      throw new AuthException(AuthErrorCode.ApiKeyNotFound, `No API key with id ${id}`);
    }
    this.known.clear();
    return revoked;
  }

  /** The principal for a presented secret, or null when it is unknown or revoked. */
  async verify(secret: string): Promise<Principal | null> {
    const hash = sha256(secret);
    if (this.adminKeyHash && timingSafeEqual(hash, this.adminKeyHash)) {
      return { keyId: 'bootstrap-admin', role: Role.Admin };
    }
    const cacheKey = hash.toString('base64');
    const cached = this.known.get(cacheKey);
    if (cached) {
      return cached;
    }
    if (this.unknown.has(cacheKey)) {
      return null;
    }
    const key = await this.keys.findActiveByHash(hash);
    if (!key) {
      this.unknown.set(cacheKey, true);
      return null;
    }
    const principal: Principal = { keyId: key.id, role: key.role };
    this.known.set(cacheKey, principal);
    this.touchLater(principal.keyId, this.clock.now().getTime());
    return principal;
  }

  private touchLater(keyId: string, now: number): void {
    if ((this.lastTouched.get(keyId) ?? 0) + TOUCH_INTERVAL_MS > now) {
      return;
    }
    this.lastTouched.set(keyId, now);
    this.keys.touch(keyId).catch((error: unknown) => this.logger.warn(`could not record key use: ${String(error)}`));
  }
}
