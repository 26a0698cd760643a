import { AppError, type Clock, hashSecret } from '../../kernel/index.js';
import { guarded, type Store } from '../../store/store.js';
import type { DevicePrincipal } from '../access/index.js';

export interface DeviceAuthDeps {
  readonly store: Store;
  readonly clock: Clock;
}

/**
 * Resolves a device token to its device. Tokens are 256-bit secrets stored as SHA-256,
 * unique across tenants, so the token alone names the tenant and the device.
 */
export async function authenticateDevice(deps: DeviceAuthDeps, token: string): Promise<DevicePrincipal> {
  const row = await guarded(deps.store, () =>
    deps.store.db
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
      .where('c.secret_hash', '=', hashSecret(token))
      .executeTakeFirst(),
  );
  if (row?.kind !== 'token') throw new AppError('unauthenticated', 'the device token is not valid');
  if (row.expires_at !== null && row.expires_at <= deps.clock.now()) {
    throw new AppError('unauthenticated', 'the device token has expired');
  }
  if (row.deleted_at !== null) throw new AppError('unauthenticated', 'the device of this token is deleted');
  return {
    tenantId: row.tenant_id,
    deviceId: row.device_id,
    typeId: row.type_id,
    credentialId: row.credential_id,
  };
}
