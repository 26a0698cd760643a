import { AppError } from '../../kernel/errors.js';
import { type CaptureSettings, resolveCaptureSettings } from '../devices/index.js';
import {
  applyBatch,
  type BatchDecision,
  type BatchSnapshot,
  deviceKey,
  devicesThatMayStepBack,
  type OpenGap,
  type Seen,
} from './capture-batch-apply.js';
import type { CaptureOutcome, Frame, Timeliness } from './frame.js';
import { frameIdentity } from './identity.js';
import type {
  CaptureStorage,
  DeliveryLookup,
  DeviceStateRow,
  IdentityLookup,
  StoredDelivery,
} from './storage/capture-storage.js';

/** What a committed batch tells the rest of the server. */
export interface BatchResult {
  readonly outcomes: readonly CaptureOutcome[];
  /** Last change position per tenant, for the bus. */
  readonly positions: ReadonlyMap<string, number>;
  /**
   * Indexes of the frames whose new message is out of order. With the outcomes and the
   * frames this tells every created message (`createdMessages`), so that the SQLite capture
   * thread does not send back what its caller already has.
   */
  readonly outOfOrder: readonly number[];
}

/** A message a batch created, as the `message.captured` event tells it. */
export interface CreatedMessage {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly typeId: string;
  readonly messageId: string;
  readonly timeliness: Timeliness;
  readonly outOfOrder: boolean;
}

/**
 * The messages a batch created, for the bus: one for each frame whose outcome is not a
 * duplicate (a frame either creates its own message or is a duplicate of one).
 */
export function createdMessages(frames: readonly Frame[], result: BatchResult): CreatedMessage[] {
  const outOfOrder = new Set(result.outOfOrder);
  const created: CreatedMessage[] = [];
  result.outcomes.forEach((outcome, index) => {
    const frame = frames[index];
    if (outcome.duplicate || outcome.conflict || !frame) return;
    created.push({
      tenantId: frame.tenantId,
      deviceId: frame.deviceId,
      typeId: frame.typeId,
      messageId: outcome.messageId,
      timeliness: outcome.timeliness,
      outOfOrder: outOfOrder.has(index),
    });
  });
  return created;
}

/**
 * Writes one batch of frames in the caller's transaction, in three steps: load what the
 * batch needs to know (`loadBatch`), decide every frame's outcome and the rows to write
 * without touching the store (`applyBatch`), and write them with their `message.created`
 * changes (`writeBatch`). Frames are decided in the order given (`capture-order.ts`), so
 * that the batch gives the same result as one frame at a time.
 */
export async function writeCaptureBatch(
  storage: CaptureStorage,
  frames: readonly Frame[],
  now: number,
): Promise<BatchResult> {
  const snapshot = await loadBatch(storage, frames);
  return writeBatch(storage, applyBatch(frames, snapshot, now), now);
}

/**
 * The load step: the frames' type settings and identities, then (the batch's devices
 * locked) their states, the stored identities and remembered packet ids the frames could
 * collide with, and the open gaps of the devices whose counter may step back.
 */
export async function loadBatch(storage: CaptureStorage, frames: readonly Frame[]): Promise<BatchSnapshot> {
  const settingsByType = new Map<string, CaptureSettings>();
  const devicesByTenant = new Map<string, Set<string>>();
  const typesByTenant = new Map<string, Set<string>>();
  for (const frame of frames) {
    const devices = devicesByTenant.get(frame.tenantId) ?? new Set<string>();
    devicesByTenant.set(frame.tenantId, devices.add(frame.deviceId));
    const types = typesByTenant.get(frame.tenantId) ?? new Set<string>();
    typesByTenant.set(frame.tenantId, types.add(frame.typeId));
  }
  for (const [tenantId, types] of typesByTenant) {
    for (const row of await storage.typeSettings(tenantId, [...types]))
      settingsByType.set(deviceKey(tenantId, row.id), resolveCaptureSettings(row.capture));
  }

  const prepared = frames.map((frame) => {
    const settings = settingsByType.get(deviceKey(frame.tenantId, frame.typeId));
    if (!settings) throw new AppError('not_found', `device type '${frame.typeId}' was not found`);
    return { settings, identity: frameIdentity(frame, settings.dedupWindowSeconds * 1000) };
  });

  const lockKeys = [...devicesByTenant].flatMap(([tenantId, devices]) =>
    [...devices].map((deviceId) => `fleetport.device:${tenantId}:${deviceId}`),
  );
  lockKeys.sort();
  await storage.lockDevices(lockKeys);

  const states = new Map<string, DeviceStateRow>();
  for (const [tenantId, devices] of devicesByTenant) {
    for (const row of await storage.deviceStates(tenantId, [...devices]))
      states.set(deviceKey(tenantId, row.device_id), row);
  }
  // Every identity the batch could collide with.
  const wanted = new Map<string, IdentityLookup>();
  frames.forEach((frame, index) => {
    const identity = prepared[index]?.identity;
    if (!identity || identity.unique) return;
    for (const key of [identity.key, ...identity.alternates]) {
      wanted.set(`${deviceKey(frame.tenantId, frame.deviceId)}\u0000${key}`, {
        tenantId: frame.tenantId,
        deviceId: frame.deviceId,
        key,
      });
    }
  });
  const stored = new Map<string, Seen>();
  for (const row of await storage.storedIdentities([...wanted.values()])) {
    stored.set(`${deviceKey(row.tenant_id, row.device_id)}\u0000${row.dedup_key}`, {
      id: row.id,
      timeliness: row.timeliness as Timeliness,
      payload: row.payload,
    });
  }
  const deliveries = await loadDeliveries(storage, frames);

  const gaps = new Map<string, readonly OpenGap[]>();
  for (const [dk, { tenantId, deviceId }] of devicesThatMayStepBack(frames, { prepared, states })) {
    gaps.set(
      dk,
      (await storage.openGaps(tenantId, deviceId)).map((g) => ({
        id: g.id,
        from: Number(g.from_seq),
        to: Number(g.to_seq),
      })),
    );
  }
  return { prepared, states, stored, deliveries, gaps };
}

/** The write step: every row the apply step decided, with its changes, in the caller's transaction. */
export async function writeBatch(
  storage: CaptureStorage,
  decision: BatchDecision,
  now: number,
): Promise<BatchResult> {
  const positions = await storage.apply(decision.writes, now);
  return { outcomes: decision.outcomes, positions, outOfOrder: decision.outOfOrder };
}

/**
 * What the store remembers of the batch's packet ids that could be resends: only a
 * connection still within its resends, or a publish with DUP, needs to look.
 */
async function loadDeliveries(
  storage: CaptureStorage,
  frames: readonly Frame[],
): Promise<readonly StoredDelivery[]> {
  const lookups = new Map<string, DeliveryLookup>();
  for (const frame of frames) {
    const delivery = frame.delivery;
    if (delivery === undefined || (delivery.phase !== 'resumed' && !delivery.dup)) continue;
    lookups.set(
      `${deviceKey(frame.tenantId, frame.deviceId)}\u0000${delivery.session}\u0000${delivery.packetId}`,
      {
        tenantId: frame.tenantId,
        deviceId: frame.deviceId,
        session: delivery.session,
        packetId: delivery.packetId,
      },
    );
  }
  if (lookups.size === 0) return [];
  return storage.storedDeliveries([...lookups.values()]);
}
