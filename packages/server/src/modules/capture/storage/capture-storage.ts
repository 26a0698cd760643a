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
  /** Its payload: an exclusive key stored with another payload is a clash. */
  readonly payload: Buffer;
}

export interface IdentityLookup {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly key: string;
}

/** A session's packet id whose stored uplink the client may not know is acknowledged. */
export interface DeliveryLookup {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly session: string;
  readonly packetId: number;
}

/** What the store remembers of a packet id: the connection and the message stored under it. */
export interface StoredDelivery extends DeliveryLookup {
  readonly connection: string;
  readonly messageId: string;
  /** The stored message's payload and timeliness; undefined when the message is gone. */
  readonly payload: Buffer | undefined;
  readonly timeliness: string | undefined;
}

/** A packet id to remember (insert or replace). */
export interface DeliveryRow extends DeliveryLookup {
  readonly connection: string;
  readonly messageId: string;
}

/** Forget a session's packet ids of every connection but `connection`. */
export interface DeliveryForget {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly session: string;
  readonly connection: string;
}

/** Everything one capture batch writes, applied in one go at the end of the batch. */
export interface CaptureWrites {
  readonly messages: readonly MessageRow[];
  readonly receptions: readonly ReceptionRow[];
  readonly states: readonly DeviceStateRow[];
  readonly gapInserts: readonly GapRow[];
  readonly gapUpdates: ReadonlyMap<string, { from_seq: number; to_seq: number } | { closed_by: string }>;
  /** Packet ids remembered, after the forgets below. */
  readonly deliveries: readonly DeliveryRow[];
  readonly forgets: readonly DeliveryForget[];
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
  /** The remembered packet ids among `lookups`. */
  storedDeliveries(lookups: readonly DeliveryLookup[]): Promise<readonly StoredDelivery[]>;
  openGaps(
    tenantId: string,
    deviceId: string,
  ): Promise<readonly { id: string; from_seq: number; to_seq: number }[]>;
  /** Applies the batch's writes; returns the last change position per tenant. */
  apply(writes: CaptureWrites, now: number): Promise<Map<string, number>>;
}
