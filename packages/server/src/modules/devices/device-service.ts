import { X509Certificate } from 'node:crypto';
import { type SqlBool, sql } from 'kysely';
import type { EventBus } from '../../bus/event-bus.js';
import {
  AppError,
  type Clock,
  hashSecret,
  type Logger,
  newSecret,
  notFound,
  prefixedId,
} from '../../kernel/index.js';
import type { Store } from '../../store/store.js';
import { writeWithChanges } from '../changes/index.js';
import { type ConditionVariableProviders, compileCondition, pushDown } from '../conditions/index.js';
import {
  type CreateCredentialBody,
  type CreateDeviceBody,
  type CreateDeviceTypeBody,
  type CreatedCredential,
  type Credential,
  type Device,
  type DeviceType,
  type DeviceTypeCodec,
  LIFECYCLE_STATES,
  type LifecycleState,
  MAX_JSON_BYTES,
  resolveCaptureSettings,
  type UpdateDeviceBody,
  type UpdateDeviceTypeBody,
} from './device-schemas.js';
import {
  type CredentialRow,
  countDevicesOfType,
  type DeviceFilter,
  type DeviceRow,
  type DeviceTypeRow,
  deleteCredential,
  deleteDeviceType,
  findDevice,
  findDeviceType,
  insertCredential,
  insertDevice,
  insertDeviceType,
  listCredentials,
  listDevices,
  listDeviceTypes,
  type NewDeviceRow,
  scanDeviceIds,
  scanDevices,
  updateDevice,
  updateDeviceType,
} from './device-store.js';

export interface DeviceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bus: EventBus;
  /** Who supplies `reported` and `desired` to conditions; without it they are empty maps. */
  readonly conditionVariables?: ConditionVariableProviders;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function presentDeviceType(row: DeviceTypeRow): DeviceType {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    expectedUplinkIntervalSeconds: row.expected_uplink_interval_s,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    capture: resolveCaptureSettings(row.capture),
    variables: JSON.parse(row.variables) as Record<string, string>,
    codec:
      row.codec_kind === null || row.codec_source === null
        ? null
        : {
            kind: row.codec_kind as DeviceTypeCodec['kind'],
            source: row.codec_source,
            version: row.codec_version,
            updatedAt: iso(row.codec_updated_at ?? row.updated_at),
          },
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function presentDevice(row: NewDeviceRow): Device {
  return {
    id: row.id,
    typeId: row.type_id,
    name: row.name,
    tags: JSON.parse(row.tags) as Record<string, string>,
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
    variables: JSON.parse(row.variables ?? '{}') as Record<string, string>,
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    deletedAt: row.deleted_at === null ? null : iso(row.deleted_at),
    lifecycle: (row.lifecycle ?? 'manufactured') as LifecycleState,
    lifecycleChangedAt: row.lifecycle_at == null ? null : iso(row.lifecycle_at),
    activatedAt: row.activated_at == null ? null : iso(row.activated_at),
  };
}

function presentCredential(row: CredentialRow): Credential {
  return {
    id: row.id,
    deviceId: row.device_id,
    kind: row.kind as Credential['kind'],
    name: row.name,
    fingerprint: row.fingerprint,
    expiresAt: row.expires_at === null ? null : iso(row.expires_at),
    createdAt: iso(row.created_at),
  };
}

/** Serializes a free JSON object, refusing it when it is over the size limit. */
export function boundedJson(field: string, value: Readonly<Record<string, unknown>>): string {
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text) > MAX_JSON_BYTES) {
    throw new AppError('validation_failed', `${field} is larger than ${MAX_JSON_BYTES} bytes`, { field });
  }
  return text;
}

/** Checks an `If-Match` version against the stored one. */
function checkVersion(kind: string, id: string, current: number, ifMatch: number | undefined): void {
  if (ifMatch !== undefined && ifMatch !== current) {
    throw new AppError(
      'precondition_failed',
      `${kind} '${id}' has changed (version ${current}, If-Match ${ifMatch})`,
      {
        currentVersion: current,
      },
    );
  }
}

/** A compare-and-set lost to a write that committed between the read and the update. */
class ChangedConcurrently extends AppError {}

function changedConcurrently(kind: string, id: string): AppError {
  return new ChangedConcurrently(
    'precondition_failed',
    `${kind} '${id}' was changed by another request; read it again`,
  );
}

/** How often a write without If-Match reads the device again after losing a race. */
const UNCONDITIONAL_ATTEMPTS = 16;

/**
 * Reads the device, checks If-Match and writes. A write without If-Match did not ask for a
 * version, so when something else changed the device in between (an automatic lifecycle
 * move after an uplink, say) it reads again and retries instead of answering 412.
 */
async function changeDevice<T>(
  deps: DeviceDeps,
  tenantId: string,
  id: string,
  ifMatch: number | undefined,
  includeDeleted: boolean,
  write: (current: DeviceRow) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await loadDevice(deps, tenantId, id, includeDeleted);
    checkVersion('device', id, current.version, ifMatch);
    try {
      return await write(current);
    } catch (error) {
      const retry =
        error instanceof ChangedConcurrently && ifMatch === undefined && attempt < UNCONDITIONAL_ATTEMPTS;
      if (!retry) throw error;
    }
  }
}

// ---- cursors ------------------------------------------------------------------------

/** Opaque page cursor: the last key of the previous page. */
export function encodeCursor(lastKey: string): string {
  return Buffer.from(JSON.stringify({ k: lastKey })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const key = (value as { k?: unknown } | null)?.k;
    if (typeof key === 'string') return key;
  } catch {
    // fall through
  }
  throw new AppError('validation_failed', 'the cursor is not one this API returned', { field: 'cursor' });
}

// ---- device types -------------------------------------------------------------------

export async function createDeviceType(
  deps: DeviceDeps,
  tenantId: string,
  body: CreateDeviceTypeBody,
): Promise<DeviceType> {
  const now = deps.clock.now();
  const row: DeviceTypeRow = {
    tenant_id: tenantId,
    id: body.id,
    name: body.name,
    description: body.description ?? '',
    expected_uplink_interval_s: body.expectedUplinkIntervalSeconds ?? null,
    settings: boundedJson('settings', body.settings ?? {}),
    capture: JSON.stringify(body.capture ?? {}),
    codec_kind: null,
    codec_source: null,
    codec_version: 0,
    codec_updated_at: null,
    variables: JSON.stringify(body.variables ?? {}),
    version: 1,
    created_at: now,
    updated_at: now,
  };
  const type = presentDeviceType(row);
  try {
    await writeWithChanges(deps, tenantId, async (tx, record) => {
      await insertDeviceType(tx, row);
      record({ kind: 'device_type.created', entityId: row.id, data: type });
    });
  } catch (error) {
    if (error instanceof AppError && error.code === 'already_exists') {
      throw new AppError('already_exists', `device type '${body.id}' already exists`, {
        kind: 'device type',
        id: body.id,
      });
    }
    throw error;
  }
  return type;
}

export async function getDeviceType(deps: DeviceDeps, tenantId: string, id: string): Promise<DeviceType> {
  const row = await findDeviceType(deps.store, tenantId, id);
  if (!row) throw notFound('device type', id);
  return presentDeviceType(row);
}

export async function listDeviceTypesPage(
  deps: DeviceDeps,
  tenantId: string,
  { cursor, limit }: { cursor?: string | undefined; limit: number },
): Promise<{ items: DeviceType[]; nextCursor: string | null }> {
  const rows = await listDeviceTypes(deps.store, tenantId, { after: decodeCursor(cursor), limit });
  const last = rows.at(-1);
  return {
    items: rows.map(presentDeviceType),
    nextCursor: rows.length === limit && last ? encodeCursor(last.id) : null,
  };
}

export async function updateDeviceTypeById(
  deps: DeviceDeps,
  tenantId: string,
  id: string,
  body: UpdateDeviceTypeBody,
  ifMatch: number | undefined,
): Promise<DeviceType> {
  const current = await findDeviceType(deps.store, tenantId, id);
  if (!current) throw notFound('device type', id);
  checkVersion('device type', id, current.version, ifMatch);
  const changes = {
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.expectedUplinkIntervalSeconds !== undefined
      ? { expected_uplink_interval_s: body.expectedUplinkIntervalSeconds }
      : {}),
    ...(body.settings !== undefined ? { settings: boundedJson('settings', body.settings) } : {}),
    // A capture patch changes the fields it names and keeps the others.
    ...(body.capture !== undefined
      ? { capture: JSON.stringify({ ...(JSON.parse(current.capture) as object), ...body.capture }) }
      : {}),
    // Variables are replaced whole, like tags.
    ...(body.variables !== undefined ? { variables: JSON.stringify(body.variables) } : {}),
    updated_at: deps.clock.now(),
  };
  return writeWithChanges(deps, tenantId, async (tx, record) => {
    if (!(await updateDeviceType(tx, tenantId, id, current.version, changes))) {
      throw changedConcurrently('device type', id);
    }
    const updated = await findDeviceType(tx, tenantId, id);
    if (!updated) throw notFound('device type', id);
    const type = presentDeviceType(updated);
    record({ kind: 'device_type.updated', entityId: id, data: type });
    return type;
  });
}

export async function removeDeviceType(
  deps: DeviceDeps,
  tenantId: string,
  id: string,
  ifMatch: number | undefined,
): Promise<void> {
  const current = await findDeviceType(deps.store, tenantId, id);
  if (!current) throw notFound('device type', id);
  checkVersion('device type', id, current.version, ifMatch);
  const devices = await countDevicesOfType(deps.store, tenantId, id);
  if (devices > 0) {
    throw new AppError(
      'conflict',
      `device type '${id}' still has ${devices} device(s), deleted ones included`,
      {
        devices,
      },
    );
  }
  await writeWithChanges(deps, tenantId, async (tx, record) => {
    if (!(await deleteDeviceType(tx, tenantId, id))) throw notFound('device type', id);
    record({ kind: 'device_type.deleted', entityId: id, data: { id } });
  });
  // Its callback secrets went with it (cascade).
  deps.bus.publish('device_type.access_changed', { tenantId, typeId: id });
}

// ---- devices ------------------------------------------------------------------------

async function requireDeviceType(deps: DeviceDeps, tenantId: string, typeId: string): Promise<void> {
  if (!(await findDeviceType(deps.store, tenantId, typeId))) {
    throw new AppError('validation_failed', `device type '${typeId}' does not exist`, {
      field: 'typeId',
      typeId,
    });
  }
}

export async function createDevice(
  deps: DeviceDeps,
  tenantId: string,
  body: CreateDeviceBody,
): Promise<Device> {
  await requireDeviceType(deps, tenantId, body.typeId);
  const now = deps.clock.now();
  const row: NewDeviceRow = {
    tenant_id: tenantId,
    id: body.id,
    type_id: body.typeId,
    name: body.name ?? '',
    tags: JSON.stringify(body.tags ?? {}),
    attributes: boundedJson('attributes', body.attributes ?? {}),
    variables: JSON.stringify(body.variables ?? {}),
    version: 1,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  const device = presentDevice(row);
  try {
    await writeWithChanges(deps, tenantId, async (tx, record) => {
      await insertDevice(tx, row);
      record({ kind: 'device.created', entityId: row.id, data: device });
    });
  } catch (error) {
    if (error instanceof AppError && error.code === 'already_exists') {
      const existing = await findDevice(deps.store, tenantId, body.id);
      throw new AppError(
        'already_exists',
        existing?.deleted_at != null
          ? `device '${body.id}' exists and is deleted; restore it with POST /v1/devices/${body.id}/restore`
          : `device '${body.id}' already exists`,
        { kind: 'device', id: body.id, deleted: existing?.deleted_at != null },
      );
    }
    throw error;
  }
  return device;
}

/** Compare-and-set a device and record the change, in one transaction. */
function applyDeviceChange(
  deps: DeviceDeps,
  tenantId: string,
  current: DeviceRow,
  changes: Parameters<typeof updateDevice>[4],
  kind: 'device.updated' | 'device.deleted' | 'device.restored',
): Promise<Device> {
  return writeWithChanges(deps, tenantId, async (tx, record) => {
    if (!(await updateDevice(tx, tenantId, current.id, current.version, changes))) {
      throw changedConcurrently('device', current.id);
    }
    const updated = await findDevice(tx, tenantId, current.id);
    if (!updated) throw notFound('device', current.id);
    const device = presentDevice(updated);
    record({ kind, entityId: current.id, data: device });
    return device;
  });
}

/** A device of the tenant; deleted ones only when asked for. */
async function loadDevice(
  deps: DeviceDeps,
  tenantId: string,
  id: string,
  includeDeleted = false,
): Promise<DeviceRow> {
  const row = await findDevice(deps.store, tenantId, id);
  if (!row || (!includeDeleted && row.deleted_at !== null)) throw notFound('device', id);
  return row;
}

export async function getDevice(
  deps: DeviceDeps,
  tenantId: string,
  id: string,
  includeDeleted = false,
): Promise<Device> {
  return presentDevice(await loadDevice(deps, tenantId, id, includeDeleted));
}

export async function listDevicesPage(
  deps: DeviceDeps,
  tenantId: string,
  filter: DeviceFilter,
  { cursor, limit }: { cursor?: string | undefined; limit: number },
): Promise<{ items: Device[]; nextCursor: string | null }> {
  const rows = await listDevices(deps.store, tenantId, filter, { after: decodeCursor(cursor), limit });
  const last = rows.at(-1);
  return {
    items: rows.map(presentDevice),
    nextCursor: rows.length === limit && last ? encodeCursor(last.id) : null,
  };
}

/** Rows one `where` request reads at most before it answers with what it found and a cursor. */
export const MAX_SCANNED_PER_PAGE = 10_000;
const SCAN_CHUNK = 500;

/**
 * A page of the devices that match a condition. SQL answers what the condition allows
 * (`pushDown`); every row it returns is evaluated again in process, in chunks, so only a
 * chunk is ever in memory. A request reads at most MAX_SCANNED_PER_PAGE rows: a page can
 * then hold fewer than `limit` devices and still have a `nextCursor` (where to go on).
 */
export async function listDevicesWherePage(
  deps: DeviceDeps,
  tenantId: string,
  filter: DeviceFilter,
  where: string,
  { cursor, limit }: { cursor?: string | undefined; limit: number },
): Promise<{ items: Device[]; nextCursor: string | null }> {
  const condition = compileCondition(where);
  let after = decodeCursor(cursor);
  // One `now` for the SQL and the in-process part alike.
  const now = deps.clock.now();
  const pushed = pushDown(condition, { dialect: deps.store.dialect, tenantId, now });
  const items: Device[] = [];
  let scanned = 0;
  for (;;) {
    // An exact push-down returns only matches: read no more than the page still needs.
    const chunk = pushed.exact ? limit - items.length : Math.max(SCAN_CHUNK, limit);
    const rows = await scanDevices(deps.store, tenantId, filter, pushed.where, { after, limit: chunk });
    const provided = deps.conditionVariables
      ? await deps.conditionVariables.load(
          condition,
          tenantId,
          rows.map((row) => row.id),
        )
      : undefined;
    for (const row of rows) {
      scanned++;
      after = row.id;
      const facts = {
        id: row.id,
        typeId: row.type_id,
        name: row.name,
        tags: JSON.parse(row.tags) as Record<string, string>,
        attributes: JSON.parse(row.attributes) as Record<string, unknown>,
        lifecycle: row.lifecycle,
        lastSeenAt: row.last_seen_at,
        provided: provided?.get(row.id),
      };
      if (!condition.matches(facts, now)) continue;
      items.push(presentDevice(row));
      if (items.length === limit) return { items, nextCursor: encodeCursor(row.id) };
    }
    if (rows.length < chunk) return { items, nextCursor: null };
    if (scanned >= MAX_SCANNED_PER_PAGE)
      return { items, nextCursor: after === undefined ? null : encodeCursor(after) };
  }
}

/** The devices a fleet operation may target: live ones, retired ones left out (issue 21). */
const TARGETABLE: DeviceFilter = {
  deleted: 'exclude',
  lifecycle: LIFECYCLE_STATES.filter((state) => state !== 'retired'),
};

/**
 * A keyset page of the ids of the devices a condition selects for a fleet operation (a
 * job's targets): live devices only, retired ones left out. When SQL decides the whole
 * condition only ids are read; otherwise rows are evaluated in process as in
 * `listDevicesWherePage`, with the same cursor and the same bound on rows read per page.
 */
export async function targetDeviceIdsPage(
  deps: DeviceDeps,
  tenantId: string,
  where: string,
  { cursor, limit }: { cursor?: string | undefined; limit: number },
): Promise<{ deviceIds: string[]; nextCursor: string | null }> {
  const condition = compileCondition(where);
  const pushed = pushDown(condition, { dialect: deps.store.dialect, tenantId, now: deps.clock.now() });
  if (!pushed.exact) {
    const page = await listDevicesWherePage(deps, tenantId, TARGETABLE, where, { cursor, limit });
    return { deviceIds: page.items.map((device) => device.id), nextCursor: page.nextCursor };
  }
  const ids = await scanDeviceIds(deps.store, tenantId, TARGETABLE, pushed.where, {
    after: decodeCursor(cursor),
    limit,
  });
  const last = ids.at(-1);
  return { deviceIds: ids, nextCursor: ids.length === limit && last ? encodeCursor(last) : null };
}

/**
 * A keyset page of the ids of the devices a filter and an optional condition select, in id
 * order after `after` (a device id): bulk export walks the fleet with it. `next` is where
 * the following page starts, undefined at the end. Only ids are read when SQL decides the
 * condition; otherwise rows are evaluated in process as in `listDevicesWherePage`.
 */
export async function selectDeviceIdsPage(
  deps: DeviceDeps,
  tenantId: string,
  filter: DeviceFilter,
  where: string | undefined,
  { after, limit }: { after?: string | undefined; limit: number },
): Promise<{ deviceIds: string[]; next: string | undefined }> {
  if (where !== undefined) {
    const pushed = pushDown(compileCondition(where), {
      dialect: deps.store.dialect,
      tenantId,
      now: deps.clock.now(),
    });
    if (!pushed.exact) {
      const page = await listDevicesWherePage(deps, tenantId, filter, where, {
        cursor: after === undefined ? undefined : encodeCursor(after),
        limit,
      });
      return {
        deviceIds: page.items.map((device) => device.id),
        next: page.nextCursor === null ? undefined : decodeCursor(page.nextCursor),
      };
    }
    const ids = await scanDeviceIds(deps.store, tenantId, filter, pushed.where, { after, limit });
    return { deviceIds: ids, next: ids.length === limit ? ids.at(-1) : undefined };
  }
  const ids = await scanDeviceIds(deps.store, tenantId, filter, sql<SqlBool>`1 = 1`, { after, limit });
  return { deviceIds: ids, next: ids.length === limit ? ids.at(-1) : undefined };
}

export async function updateDeviceById(
  deps: DeviceDeps,
  tenantId: string,
  id: string,
  body: UpdateDeviceBody,
  ifMatch: number | undefined,
): Promise<Device> {
  return changeDevice(deps, tenantId, id, ifMatch, false, (current) =>
    updateDeviceRow(deps, tenantId, current, body),
  );
}

async function updateDeviceRow(
  deps: DeviceDeps,
  tenantId: string,
  current: DeviceRow,
  body: UpdateDeviceBody,
): Promise<Device> {
  const id = current.id;
  if (body.typeId !== undefined && body.typeId !== current.type_id)
    await requireDeviceType(deps, tenantId, body.typeId);
  const changes = {
    ...(body.typeId !== undefined ? { type_id: body.typeId } : {}),
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.tags !== undefined ? { tags: JSON.stringify(body.tags) } : {}),
    ...(body.attributes !== undefined ? { attributes: boundedJson('attributes', body.attributes) } : {}),
    ...(body.variables !== undefined ? { variables: JSON.stringify(body.variables) } : {}),
    updated_at: deps.clock.now(),
  };
  const device = await applyDeviceChange(deps, tenantId, current, changes, 'device.updated');
  if (changes.type_id !== undefined) deps.bus.publish('device.access_changed', { tenantId, deviceId: id });
  return device;
}

/** Soft delete: the device disappears from reads and lists until restored. */
export async function softDeleteDevice(
  deps: DeviceDeps,
  tenantId: string,
  id: string,
  ifMatch: number | undefined,
): Promise<void> {
  await changeDevice(deps, tenantId, id, ifMatch, false, (current) => {
    const now = deps.clock.now();
    return applyDeviceChange(deps, tenantId, current, { deleted_at: now, updated_at: now }, 'device.deleted');
  });
  deps.bus.publish('device.access_changed', { tenantId, deviceId: id });
}

export async function restoreDevice(deps: DeviceDeps, tenantId: string, id: string): Promise<Device> {
  return changeDevice(deps, tenantId, id, undefined, true, (current) => {
    if (current.deleted_at === null) throw new AppError('conflict', `device '${id}' is not deleted`);
    const now = deps.clock.now();
    return applyDeviceChange(
      deps,
      tenantId,
      current,
      { deleted_at: null, updated_at: now },
      'device.restored',
    );
  });
}

// ---- credentials --------------------------------------------------------------------

/** SHA-256 fingerprint (lower-case hex, no colons) of a PEM certificate or a given fingerprint. */
function fingerprintOf(body: { fingerprint?: string | undefined; certificate?: string | undefined }): string {
  if (body.certificate !== undefined) {
    try {
      return new X509Certificate(body.certificate).fingerprint256.replaceAll(':', '').toLowerCase();
    } catch {
      throw new AppError('validation_failed', 'certificate is not a PEM X.509 certificate', {
        field: 'certificate',
      });
    }
  }
  if (body.fingerprint !== undefined) return body.fingerprint.replaceAll(':', '').toLowerCase();
  throw new AppError('validation_failed', 'an x509 credential needs a certificate or a fingerprint', {
    field: 'certificate',
  });
}

export async function addCredential(
  deps: DeviceDeps,
  tenantId: string,
  deviceId: string,
  body: CreateCredentialBody,
): Promise<CreatedCredential> {
  await loadDevice(deps, tenantId, deviceId);
  const now = deps.clock.now();
  let expiresAt: number | null = null;
  if (body.expiresAt !== undefined) {
    expiresAt = Date.parse(body.expiresAt);
    if (!Number.isFinite(expiresAt) || expiresAt <= now) {
      throw new AppError('validation_failed', 'expiresAt must be a date-time in the future', {
        field: 'expiresAt',
      });
    }
  }
  const token = body.kind === 'token' ? newSecret('fpd') : undefined;
  const row: CredentialRow = {
    id: prefixedId('cred'),
    tenant_id: tenantId,
    device_id: deviceId,
    kind: body.kind,
    name: body.name ?? '',
    secret_hash: token === undefined ? null : hashSecret(token),
    fingerprint: body.kind === 'x509' ? fingerprintOf(body) : null,
    expires_at: expiresAt,
    created_at: now,
  };
  try {
    await insertCredential(deps.store, row);
  } catch (error) {
    if (error instanceof AppError && error.code === 'already_exists') {
      throw new AppError('already_exists', 'this certificate is already registered on a device', {
        kind: 'credential',
        fingerprint: row.fingerprint,
      });
    }
    throw error;
  }
  return { ...presentCredential(row), ...(token === undefined ? {} : { token }) };
}

export async function listDeviceCredentials(
  deps: DeviceDeps,
  tenantId: string,
  deviceId: string,
): Promise<Credential[]> {
  await loadDevice(deps, tenantId, deviceId);
  return (await listCredentials(deps.store, tenantId, deviceId)).map(presentCredential);
}

export async function removeCredential(
  deps: DeviceDeps,
  tenantId: string,
  deviceId: string,
  id: string,
): Promise<void> {
  await loadDevice(deps, tenantId, deviceId);
  if (!(await deleteCredential(deps.store, tenantId, deviceId, id))) throw notFound('credential', id);
  deps.bus.publish('device.access_changed', { tenantId, deviceId });
}
