import type { Selectable } from 'kysely';
import type { DeviceStateTable, SequenceGapTable } from '../../../store/schema.js';
import type { ChangeEntry } from '../../changes/index.js';
import type { MessageRow, ReceptionRow } from '../../messages/index.js';

export type DeviceStateRow = Selectable<DeviceStateTable>;
export type GapRow = Omit<Selectable<SequenceGapTable>, 'closed_at' | 'closed_by'>;

/** The dedup key of a message whose identity is its own id: this prefix, then the id. */
export const UNIQUE_KEY_PREFIX = 'u:';

/**
 * The predicate of the identity index, which leaves those messages out (migration 0008):
 * a lookup of stored identities names it word for word, or SQLite would not use the
 * partial index.
 */
export const INDEXED_IDENTITY = "dedup_key not like 'u:%'";

/** A stored identity the batch could collide with. */
export interface StoredIdentity {
  readonly id: string;
  readonly tenant_id: string;
  readonly device_id: string;
  readonly dedup_key: string;
  readonly timeliness: string;
}

export interface IdentityLookup {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly key: string;
}

/** Everything one capture batch writes, applied in one go at the end of the batch. */
export interface CaptureWrites {
  readonly messages: readonly MessageRow[];
  readonly receptions: readonly ReceptionRow[];
  readonly states: readonly DeviceStateRow[];
  readonly gapInserts: readonly GapRow[];
  readonly gapUpdates: ReadonlyMap<string, { from_seq: number; to_seq: number } | { closed_by: string }>;
  /** The tenants' `message.created` changes, tenants in sorted order. */
  readonly changes: ReadonlyMap<string, readonly ChangeEntry[]>;
}

/**
 * What the capture batch needs from the database, inside the one transaction the caller
 * holds. Two implementations: Kysely (PostgreSQL, several writers) and hand-prepared
 * better-sqlite3 statements (SQLite, the one capture writer thread), because on SQLite
 * building and preparing queries cost more than the writes themselves.
 */
export interface CaptureStorage {
  /** Capture settings (JSON text) of the tenant's device types. */
  typeSettings(
    tenantId: string,
    typeIds: readonly string[],
  ): Promise<readonly { id: string; capture: string }[]>;
  /** Serialises batches that touch the same devices (PostgreSQL); SQLite's single writer needs none. */
  lockDevices(keys: readonly string[]): Promise<void>;
  deviceStates(tenantId: string, deviceIds: readonly string[]): Promise<readonly DeviceStateRow[]>;
  storedIdentities(lookups: readonly IdentityLookup[]): Promise<readonly StoredIdentity[]>;
  /** The device's latest message received at or after `since` with exactly this payload. */
  samePayload(
    tenantId: string,
    deviceId: string,
    since: number,
    payload: Buffer,
  ): Promise<StoredIdentity | undefined>;
  openGaps(
    tenantId: string,
    deviceId: string,
  ): Promise<readonly { id: string; from_seq: number; to_seq: number }[]>;
  /** Applies the batch's writes; returns the last change position per tenant. */
  apply(writes: CaptureWrites, now: number): Promise<Map<string, number>>;
}
