// The shapes the API answers with, derived from the server's own schemas so they are never
// written twice. Type-only: nothing of the server is loaded by these imports. The server's
// package index does not export them yet, hence the path into its source.

export type { FleetJob as Job, JobExecution } from '@fleetport/sdk';
export type { Principal as WhoAmI } from '../../server/src/kernel/principal.js';
export type {
  ApiKey,
  CreatedApiKey,
  Tenant,
} from '../../server/src/modules/access/access-schemas.js';
export type {
  CreatedCredential,
  Credential,
  Device,
  DeviceType,
  ImportReport,
} from '../../server/src/modules/devices/device-schemas.js';

/** One page of a cursor-paginated list. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}
