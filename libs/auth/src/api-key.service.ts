import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import type { ApiKey } from './api-key.entity';
import { ApiKeyRepository } from './api-key.repository';
import { AuthErrorCode, AuthException } from './auth.exception';
import { Role } from './role';

export interface Principal {
  /** The key's id, or `bootstrap-admin` for ADMIN_API_KEY. */
  keyId: string;
  role: Role;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The secret, shown once; only its hash is stored. */
  secret: string;
}

const CACHE_TTL_MS = 10_000;
const TOUCH_INTERVAL_MS = 60_000;

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Issues, verifies and revokes API keys. Verification results are cached for a few seconds so
 * the ingest hot path does not hit the database per request; a revocation made through this
 * process applies at once, one made elsewhere within CACHE_TTL_MS.
 */
@Injectable()
export class ApiKeyService {
  private readonly logger = new Logger(ApiKeyService.name);
  private readonly cache = new Map<string, { principal: Principal | null; expiresAt: number }>();
  private readonly lastTouched = new Map<string, number>();
  private readonly adminKeyHash: Buffer | undefined;

  constructor(
    private readonly keys: ApiKeyRepository,
    config: KizunaConfig,
  ) {
    this.adminKeyHash = config.auth.adminApiKey ? sha256(config.auth.adminApiKey) : undefined;
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
    this.cache.clear();
    return revoked;
  }

  /** The principal for a presented secret, or null when it is unknown or revoked. */
  async verify(secret: string): Promise<Principal | null> {
    const hash = sha256(secret);
    if (this.adminKeyHash && timingSafeEqual(hash, this.adminKeyHash)) {
      return { keyId: 'bootstrap-admin', role: Role.Admin };
    }
    const cacheKey = hash.toString('base64');
    const now = Date.now();
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expiresAt > now) {
      return cached.principal;
    }
    const key = await this.keys.findActiveByHash(hash);
    const principal = key ? { keyId: key.id, role: key.role } : null;
    if (this.cache.size > 10_000) {
      this.cache.clear();
    }
    this.cache.set(cacheKey, { principal, expiresAt: now + CACHE_TTL_MS });
    if (principal) {
      this.touchLater(principal.keyId, now);
    }
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
