import type { EventBus } from '../../bus/event-bus.js';
import { AppError, type Clock, hashSecret } from '../../kernel/index.js';
import { guarded, type Store } from '../../store/store.js';
import type { DevicePrincipal } from '../access/index.js';

export interface DeviceAuthDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
}

/** How long a resolved token is trusted, at most, without asking the database again. */
export const DEVICE_AUTH_TTL_MS = 5_000;
/**
 * Each entry is trusted for between 75% and 100% of the TTL, at random: a fleet whose
 * tokens were all cached at once (a restart, a reconnect storm) is looked up again spread
 * over that last quarter, not all in the same instant every TTL (1,000 devices made a
 * burst of 1,000 queries every 5 s in the ingest benchmark).
 */
const TTL_JITTER = 0.25;
const MAX_ENTRIES = 100_000;

const deviceKey = (tenantId: string, deviceId: string) => `${tenantId}\u0000${deviceId}`;

interface Entry {
  readonly principal: DevicePrincipal;
  readonly expiresAt: number | null;
  /** When it must be asked for again: at most the TTL after it was read. */
  readonly staleAt: number;
}

/**
 * Resolves device tokens to their devices. Tokens are 256-bit secrets stored as SHA-256,
 * unique across tenants, so the token alone names the tenant and the device.
 *
 * Devices send often, so a resolved token is kept for a few seconds: the database is not
 * asked on every uplink. Removing a credential, deleting a device or changing its type
 * drops its entries at once in this process (the `device.access_changed` event); other
 * processes see it within the TTL.
 */
export class DeviceAuthenticator {
  readonly #deps: DeviceAuthDeps;
  readonly #cache = new Map<string, Entry>();
  /** The cached token hashes of each device, so that a change drops them without a scan. */
  readonly #byDevice = new Map<string, Set<string>>();

  constructor(deps: DeviceAuthDeps) {
    this.#deps = deps;
    deps.bus.subscribe('device.access_changed', ({ tenantId, deviceId }) => {
      const key = deviceKey(tenantId, deviceId);
      for (const hash of this.#byDevice.get(key) ?? []) this.#cache.delete(hash);
      this.#byDevice.delete(key);
    });
  }

  authenticate(token: string): Promise<DevicePrincipal> {
    return this.authenticateHash(hashSecret(token));
  }

  /** As `authenticate`, from the token's SHA-256 (hex): a resync's records keep only that. */
  async authenticateHash(hash: string): Promise<DevicePrincipal> {
    const now = this.#deps.clock.now();
    const hit = this.#cache.get(hash);
    if (hit && now < hit.staleAt && (hit.expiresAt === null || hit.expiresAt > now)) return hit.principal;
    this.#cache.delete(hash);
    const row = await guarded(this.#deps.store, () =>
      this.#deps.store.db
        .selectFrom('device_credentials as c')
        .innerJoin('devices as d', (join) =>
          join.onRef('d.tenant_id', '=', 'c.tenant_id').onRef('d.id', '=', 'c.device_id'),
        )
        .select([
          'c.id as credential_id',
          'c.kind',
          'c.expires_at',
          'd.tenant_id',
          'd.id as device_id',
          'd.type_id',
          'd.deleted_at',
        ])
        .where('c.secret_hash', '=', hash)
        .executeTakeFirst(),
    );
    if (row?.kind !== 'token') throw new AppError('unauthenticated', 'the device token is not valid');
    if (row.expires_at !== null && row.expires_at <= now) {
      throw new AppError('unauthenticated', 'the device token has expired');
    }
    if (row.deleted_at !== null) throw new AppError('unauthenticated', 'the device of this token is deleted');
    const principal = {
      tenantId: row.tenant_id,
      deviceId: row.device_id,
      typeId: row.type_id,
      credentialId: row.credential_id,
    };
    if (this.#cache.size >= MAX_ENTRIES) {
      this.#cache.clear();
      this.#byDevice.clear();
    }
    const staleAt = now + DEVICE_AUTH_TTL_MS * (1 - TTL_JITTER * Math.random());
    this.#cache.set(hash, { principal, expiresAt: row.expires_at, staleAt });
    const key = deviceKey(principal.tenantId, principal.deviceId);
    const hashes = this.#byDevice.get(key) ?? new Set<string>();
    this.#byDevice.set(key, hashes.add(hash));
    return principal;
  }
}
