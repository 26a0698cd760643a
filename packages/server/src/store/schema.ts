import type { ColumnType, Generated } from 'kysely';

/**
 * The database as Kysely sees it: the same tables on every dialect. Times are Unix
 * milliseconds in 64-bit integers; JSON is stored as text so that both dialects read it
 * the same way.
 */
export interface Database {
  tenants: TenantTable;
  api_keys: ApiKeyTable;
  device_types: DeviceTypeTable;
  devices: DeviceTable;
  device_tags: DeviceTagTable;
  device_credentials: DeviceCredentialTable;
  import_staging: ImportStagingTable;
  changes: ChangeTable;
}

type Millis = ColumnType<number, number, number>;

export interface TenantTable {
  id: string;
  name: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface ApiKeyTable {
  id: string;
  tenant_id: string;
  name: string;
  key_hash: string;
  scope: string;
  is_system: number;
  expires_at: Millis | null;
  revoked_at: Millis | null;
  last_used_at: Millis | null;
  created_at: Millis;
}

export interface DeviceTypeTable {
  tenant_id: string;
  id: string;
  name: string;
  description: string;
  expected_uplink_interval_s: number | null;
  settings: string;
  version: number;
  created_at: Millis;
  updated_at: Millis;
}

export interface DeviceTable {
  tenant_id: string;
  id: string;
  type_id: string;
  name: string;
  tags: string;
  attributes: string;
  version: number;
  created_at: Millis;
  updated_at: Millis;
  deleted_at: Millis | null;
}

export interface DeviceTagTable {
  tenant_id: string;
  device_id: string;
  key: string;
  value: string;
}

export interface DeviceCredentialTable {
  id: string;
  tenant_id: string;
  device_id: string;
  kind: string;
  name: string;
  secret_hash: string | null;
  fingerprint: string | null;
  expires_at: Millis | null;
  created_at: Millis;
}

export interface ImportStagingTable {
  import_id: string;
  seq: Generated<number>;
  line: number;
  tenant_id: string;
  device_id: string;
  type_id: string;
  name: string;
  tags: string;
  attributes: string;
  created_at: Millis;
}

export interface ChangeTable {
  position: Generated<number>;
  tenant_id: string;
  kind: string;
  entity_id: string;
  data: string;
  created_at: Millis;
}
