import type { EventBus } from '../../bus/event-bus.js';
import { AppError, type Clock, hashSecret, type Logger } from '../../kernel/index.js';
import type { Principal, Scope } from '../../kernel/principal.js';
import type { Store } from '../../store/store.js';
import { findApiKeyByHash, touchApiKey } from './access-store.js';

export interface ApiKeyAuthDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bus: EventBus;
}

/** How long a resolved key is trusted without asking the database again. */
const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;
/** `last_used_at` is written at most this often per key. */
const TOUCH_INTERVAL_MS = 60_000;

interface Entry {
  readonly principal: Principal;
  readonly expiresAt: number | null;
  readonly cachedAt: number;
  lastUsedAt: number | null;
}

/**
 * Resolves bearer keys to principals for every API call and MQTT application connection.
 * A resolved key is kept for a few seconds, so that a busy client does not cost a database
 * read per request. Revoking a key drops it here at once (the `api_key.revoked` event);
 * other server processes stop accepting it within the TTL. Expiry is checked on every
 * call against the cached expiry time.
 */
export class ApiKeyAuthenticator {
  readonly #deps: ApiKeyAuthDeps;
  readonly #cache = new Map<string, Entry>();

  constructor(deps: ApiKeyAuthDeps) {
    this.#deps = deps;
    deps.bus.subscribe('api_key.revoked', ({ keyId }) => {
      for (const [hash, entry] of this.#cache) if (entry.principal.keyId === keyId) this.#cache.delete(hash);
    });
  }

  /** The key's principal; `unauthenticated` for anything not a live key. */
  async authenticate(bearer: string): Promise<Principal> {
    const hash = hashSecret(bearer);
    const now = this.#deps.clock.now();
    let entry = this.#cache.get(hash);
    if (entry === undefined || now - entry.cachedAt >= TTL_MS) {
      this.#cache.delete(hash);
      const row = await findApiKeyByHash(this.#deps.store, hash);
      if (!row) throw new AppError('unauthenticated', 'the API key is not valid');
      if (row.revoked_at !== null) throw new AppError('unauthenticated', 'the API key has been revoked');
      entry = {
        principal: {
          keyId: row.id,
          tenantId: row.tenant_id,
          scope: row.scope as Scope,
          system: row.is_system === 1,
        },
        expiresAt: row.expires_at,
        cachedAt: now,
        lastUsedAt: row.last_used_at,
      };
      if (this.#cache.size >= MAX_ENTRIES) this.#cache.clear();
      this.#cache.set(hash, entry);
    }
    if (entry.expiresAt !== null && entry.expiresAt <= now)
      throw new AppError('unauthenticated', 'the API key has expired');
    if (entry.lastUsedAt === null || now - entry.lastUsedAt >= TOUCH_INTERVAL_MS) {
      entry.lastUsedAt = now;
      const keyId = entry.principal.keyId;
      // Best effort: a failed touch must not fail the request.
      touchApiKey(this.#deps.store, keyId, now).catch((error: unknown) =>
        this.#deps.logger.warn({ err: error, keyId }, 'could not record key use'),
      );
    }
    return entry.principal;
  }
}
