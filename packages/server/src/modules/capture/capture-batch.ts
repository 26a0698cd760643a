import { AppError } from '../../kernel/errors.js';
import { uuidv7 } from '../../kernel/ids.js';
import type { ChangeEntry } from '../changes/index.js';
import { type CaptureSettings, resolveCaptureSettings } from '../devices/index.js';
import type { MessageRow, ReceptionRow } from '../messages/index.js';
import type { CaptureOutcome, Delivery, Frame, Timeliness } from './frame.js';
import { frameIdentity } from './identity.js';
import { fillGap, type Gap, gapContains, type SequenceEvent, stepSequence } from './sequence.js';
import {
  type CaptureStorage,
  type DeliveryForget,
  type DeliveryLookup,
  type DeliveryRow,
  type DeviceStateRow,
  type GapRow,
  type IdentityLookup,
  UNIQUE_KEY_PREFIX,
} from './storage/capture-storage.js';

type DeviceState = { -readonly [K in keyof DeviceStateRow]: DeviceStateRow[K] };

interface OpenGap extends Gap {
  readonly id: string;
}

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

const deviceKey = (tenantId: string, deviceId: string) => `${tenantId}\u0000${deviceId}`;

function classify(frame: Frame, settings: CaptureSettings): Timeliness {
  if (frame.replayed) return 'replayed';
  if (
    frame.deviceTime !== undefined &&
    frame.receivedAt - frame.deviceTime > settings.lateAfterSeconds * 1000
  ) {
    return 'late';
  }
  return 'live';
}

/**
 * Writes one batch of frames in the caller's transaction: deduplicates against what is
 * stored and within the batch, classifies, tracks sequences and gaps, stores messages,
 * receptions and device state, and appends the `message.created` changes. Frames are
 * handled in arrival order, so that the batch gives the same result as one frame at a
 * time.
 */
export async function writeCaptureBatch(
  storage: CaptureStorage,
  frames: readonly Frame[],
  now: number,
): Promise<BatchResult> {
  // -- what the batch needs to know: types' settings, device states, stored identities --
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

  const identities = frames.map((frame) => {
    const settings = settingsByType.get(deviceKey(frame.tenantId, frame.typeId));
    if (!settings) throw new AppError('not_found', `device type '${frame.typeId}' was not found`);
    return { settings, identity: frameIdentity(frame, settings.dedupWindowSeconds * 1000) };
  });

  const lockKeys = [...devicesByTenant].flatMap(([tenantId, devices]) =>
    [...devices].map((deviceId) => `fleetport.device:${tenantId}:${deviceId}`),
  );
  lockKeys.sort();
  await storage.lockDevices(lockKeys);

  const states = new Map<string, DeviceState>();
  const stored = new Map<string, { id: string; timeliness: Timeliness; payload: Buffer }>();
  for (const [tenantId, devices] of devicesByTenant) {
    for (const row of await storage.deviceStates(tenantId, [...devices]))
      states.set(deviceKey(tenantId, row.device_id), { ...row });
  }
  // Every identity the batch could collide with.
  const wanted = new Map<string, IdentityLookup>();
  frames.forEach((frame, index) => {
    const identity = identities[index]?.identity;
    if (!identity || identity.unique) return;
    for (const key of [identity.key, ...identity.alternates]) {
      wanted.set(`${deviceKey(frame.tenantId, frame.deviceId)}\u0000${key}`, {
        tenantId: frame.tenantId,
        deviceId: frame.deviceId,
        key,
      });
    }
  });
  for (const row of await storage.storedIdentities([...wanted.values()])) {
    stored.set(`${deviceKey(row.tenant_id, row.device_id)}\u0000${row.dedup_key}`, {
      id: row.id,
      timeliness: row.timeliness as Timeliness,
      payload: row.payload,
    });
  }

  const deliveries = await loadDeliveries(storage, frames);
  const openGaps = new Map<string, OpenGap[]>();
  const loadGaps = async (tenantId: string, deviceId: string): Promise<OpenGap[]> => {
    const key = deviceKey(tenantId, deviceId);
    let gaps = openGaps.get(key);
    if (!gaps) {
      gaps = (await storage.openGaps(tenantId, deviceId)).map((g) => ({
        id: g.id,
        from: Number(g.from_seq),
        to: Number(g.to_seq),
      }));
      openGaps.set(key, gaps);
    }
    return gaps;
  };
  const gapInserts: GapRow[] = [];
  const gapUpdates = new Map<string, { from_seq: number; to_seq: number } | { closed_by: string }>();

  // -- frame by frame, in arrival order --
  const outcomes: CaptureOutcome[] = [];
  const outOfOrderFrames: number[] = [];
  const messages: MessageRow[] = [];
  const receptions: ReceptionRow[] = [];
  const touched = new Set<string>();

  for (const [index, frame] of frames.entries()) {
    const prepared = identities[index];
    if (!prepared) continue;
    const { settings, identity } = prepared;
    const dk = deviceKey(frame.tenantId, frame.deviceId);
    let state = states.get(dk);
    const delivery = frame.delivery;
    const seen = identity.unique
      ? delivery && deliveries.resentOf(dk, frame, delivery)
      : [identity.key, ...identity.alternates]
          .map((key) => stored.get(`${dk}\u0000${key}`))
          .find((hit) => hit !== undefined);
    const frameTime = frame.deviceTime ?? frame.receivedAt;

    if (seen && identity.exclusive && !seen.payload.equals(frame.payload)) {
      // The identity names another message: refused, never taken for a copy of it.
      outcomes.push({ messageId: seen.id, duplicate: false, timeliness: seen.timeliness, conflict: true });
      continue;
    }
    if (seen) {
      outcomes.push({ messageId: seen.id, duplicate: true, timeliness: seen.timeliness });
      if (delivery && identity.unique) deliveries.remember(dk, frame, delivery, seen);
      for (const reception of frame.receptions)
        receptions.push(receptionRow(seen.id, frame.tenantId, reception));
      if (state) {
        state.duplicate_count = Number(state.duplicate_count) + 1;
        state.last_seen_at = Math.max(state.last_seen_at, frame.receivedAt);
        touched.add(dk);
      }
      continue;
    }

    const id = uuidv7(frame.receivedAt);
    const timeliness = classify(frame, settings);
    let outOfOrder = false;
    let sequenceEvent: SequenceEvent | null = null;
    if (frame.seq !== undefined) {
      const bits = frame.seqBits ?? settings.sequenceBits;
      if (!Number.isInteger(frame.seq) || frame.seq < 0 || frame.seq >= 2 ** bits) {
        throw new AppError(
          'validation_failed',
          `seq must be an integer from 0 to ${2 ** bits - 1} for this device type`,
          {
            field: 'seq',
          },
        );
      }
      // Only a step back can fill a gap, so gaps are read only then. (A step forward that
      // lands in a gap of an earlier counter cycle is a new frame, not a late one.)
      const gaps = isStepBack(state?.seq_max ?? null, frame.seq, bits)
        ? await loadGaps(frame.tenantId, frame.deviceId)
        : [];
      const filling = gaps.find((gap) => gapContains(gap, frame.seq ?? -1));
      const step = stepSequence(
        { seqMax: state?.seq_max ?? null, seqTime: state?.seq_time ?? null },
        frame.seq,
        frameTime,
        {
          bits,
          timeIsDeviceTime: frame.deviceTime !== undefined,
          inOpenGap: filling !== undefined,
        },
      );
      sequenceEvent = step.event;
      outOfOrder = step.outOfOrder;
      if (filling) {
        // A late frame arrived: the gap shrinks, splits or closes.
        const rest = fillGap(filling, frame.seq, bits);
        const list = openGaps.get(dk) ?? [];
        const position = list.indexOf(filling);
        const [first, second] = rest;
        if (first) {
          const updated = { id: filling.id, ...first };
          list.splice(position, 1, updated);
          gapUpdates.set(filling.id, { from_seq: first.from, to_seq: first.to });
        } else {
          list.splice(position, 1);
          gapUpdates.set(filling.id, { closed_by: 'filled' });
        }
        if (second) {
          const added = { id: uuidv7(now), ...second };
          list.push(added);
          gapInserts.push(gapRow(added, frame, now));
        }
      }
      if (step.event === 'reset') {
        // A new counter run: gaps of the old run will never be filled.
        for (const gap of openGaps.get(dk) ?? []) gapUpdates.set(gap.id, { closed_by: 'reset' });
        openGaps.set(dk, []);
      }
      if (step.opens) {
        const added = { id: uuidv7(now), ...step.opens };
        openGaps.set(dk, [...(openGaps.get(dk) ?? []), added]);
        gapInserts.push(gapRow(added, frame, now));
      }
      if (state) {
        state.seq_max = step.next.seqMax;
        state.seq_time = step.next.seqTime;
        if (step.event === 'reset') state.seq_resets += 1;
      }
    }
    if (!outOfOrder && state?.latest_device_time != null && frameTime < state.latest_device_time) {
      // Older than what the device already told us, by its own clock.
      outOfOrder = true;
    }

    const row: MessageRow = {
      id,
      tenant_id: frame.tenantId,
      device_id: frame.deviceId,
      type_id: frame.typeId,
      transport: frame.transport,
      // A unique identity is the message's own id: never colliding, and left out of the
      // identity index (nothing looks it up).
      dedup_key: identity.unique ? `${UNIQUE_KEY_PREFIX}${id}` : identity.key,
      received_at: frame.receivedAt,
      device_time: frame.deviceTime ?? null,
      seq: frame.seq ?? null,
      message_id: frame.messageId ?? null,
      payload: frame.payload,
      payload_json: frame.payloadJson === undefined ? null : JSON.stringify(frame.payloadJson),
      timeliness,
      out_of_order: outOfOrder ? 1 : 0,
      sequence_event: sequenceEvent,
      stored_at: now,
    };
    messages.push(row);
    if (!identity.unique)
      stored.set(`${dk}\u0000${identity.key}`, { id, timeliness, payload: frame.payload });
    if (delivery) {
      // A fresh session's first new message: earlier connections' ids no longer count. A
      // resumed one keeps them: a client may send something new before its resends (Paho's
      // network and publishing threads race after CONNACK), which still come with DUP.
      if (delivery.phase === 'fresh') deliveries.forget(dk, frame, delivery);
      if (identity.unique)
        deliveries.remember(dk, frame, delivery, { id, timeliness, payload: frame.payload });
    }
    for (const reception of frame.receptions) receptions.push(receptionRow(id, frame.tenantId, reception));

    // "Latest" moves only for live, in-order messages: late data never overwrites newer.
    const advancesLatest = timeliness === 'live' && !outOfOrder;
    if (!state) {
      state = {
        tenant_id: frame.tenantId,
        device_id: frame.deviceId,
        last_seen_at: frame.receivedAt,
        last_message_id: id,
        latest_message_id: advancesLatest ? id : null,
        latest_device_time: advancesLatest ? frameTime : null,
        seq_max: frame.seq ?? null,
        seq_time: frame.seq === undefined ? null : frameTime,
        seq_resets: 0,
        message_count: 1,
        duplicate_count: 0,
        out_of_order_count: outOfOrder ? 1 : 0,
      };
      states.set(dk, state);
    } else {
      state.last_seen_at = Math.max(state.last_seen_at, frame.receivedAt);
      state.last_message_id = id;
      state.message_count = Number(state.message_count) + 1;
      if (outOfOrder) state.out_of_order_count = Number(state.out_of_order_count) + 1;
      if (advancesLatest) {
        state.latest_message_id = id;
        state.latest_device_time = frameTime;
      }
    }
    touched.add(dk);
    outcomes.push({ messageId: id, duplicate: false, timeliness });
    if (outOfOrder) outOfOrderFrames.push(index);
  }

  // -- writes --
  const changesByTenant = new Map<string, ChangeEntry[]>();
  for (const message of messages) {
    const list = changesByTenant.get(message.tenant_id) ?? [];
    changesByTenant.set(message.tenant_id, list);
    // Stored without data: the feed reads the (immutable) message when it is read, so the
    // hot path neither presents it nor writes it twice.
    list.push({ kind: 'message.created', entityId: message.id });
  }
  const positions = await storage.apply(
    {
      messages,
      receptions,
      states: [...touched].flatMap((key) => states.get(key) ?? []),
      gapInserts,
      gapUpdates,
      deliveries: deliveries.rows(),
      forgets: deliveries.forgets(),
      // Sorted, so that concurrent batches take the tenants' feed locks in the same order.
      changes: new Map([...changesByTenant].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    },
    now,
  );
  return { outcomes, positions, outOfOrder: outOfOrderFrames };
}

/** A stored message as a frame that repeats it is answered with. */
interface Seen {
  readonly id: string;
  readonly timeliness: Timeliness;
  readonly payload: Buffer;
}

/** A remembered packet id: where it came from and what it stored. */
interface Remembered {
  readonly connection: string;
  readonly seen: Seen | undefined;
}

/**
 * The packet ids of MQTT uplinks whose PUBACK the client may not have seen, as the batch
 * reads and changes them (docs/MESSAGES.md, "MQTT retransmissions"). A publish is a resend
 * of the message remembered under its packet id when
 *   - that id was remembered on an earlier connection, and this one is still within its
 *     resends (`resumed`) or the publish has DUP set: a client resends what it has no
 *     PUBACK for [MQTT-4.4.0-1], with DUP (Paho, mosquitto) or without (mqtt.js, which
 *     resends before anything new); or
 *   - it was remembered on this connection and the publish has DUP set: a 3.1.1 client
 *     that retries while connected, crossing our PUBACK;
 * and its payload is the same: a resend repeats its message, while a client that had the
 * PUBACK may reuse the id at once for a new one [MQTT-4.3.2-…], which is then stored.
 */
class DeliveryMemory {
  readonly #memory = new Map<string, Remembered>();
  /** Per session: the one connection whose ids still count. */
  readonly #kept = new Map<string, DeliveryForget>();
  readonly #rows = new Map<string, DeliveryRow>();

  static key(dk: string, session: string, packetId: number): string {
    return `${dk}\u0000${session}\u0000${packetId}`;
  }

  load(dk: string, row: { session: string; packetId: number; connection: string; seen: Seen | undefined }) {
    this.#memory.set(DeliveryMemory.key(dk, row.session, row.packetId), {
      connection: row.connection,
      seen: row.seen,
    });
  }

  resentOf(dk: string, frame: Frame, delivery: Delivery): Seen | undefined {
    const remembered = this.#memory.get(DeliveryMemory.key(dk, delivery.session, delivery.packetId));
    if (!remembered?.seen) return undefined;
    const kept = this.#kept.get(`${dk}\u0000${delivery.session}`)?.connection;
    if (kept !== undefined && remembered.connection !== kept) return undefined;
    const counts =
      remembered.connection === delivery.connection
        ? delivery.dup
        : delivery.phase === 'resumed' || delivery.dup;
    return counts && remembered.seen.payload.equals(frame.payload) ? remembered.seen : undefined;
  }

  remember(dk: string, frame: Frame, delivery: Delivery, seen: Seen): void {
    const key = DeliveryMemory.key(dk, delivery.session, delivery.packetId);
    this.#memory.set(key, { connection: delivery.connection, seen });
    this.#rows.set(key, {
      tenantId: frame.tenantId,
      deviceId: frame.deviceId,
      session: delivery.session,
      packetId: delivery.packetId,
      connection: delivery.connection,
      messageId: seen.id,
    });
  }

  forget(dk: string, frame: Frame, delivery: Delivery): void {
    this.#kept.set(`${dk}\u0000${delivery.session}`, {
      tenantId: frame.tenantId,
      deviceId: frame.deviceId,
      session: delivery.session,
      connection: delivery.connection,
    });
  }

  rows(): DeliveryRow[] {
    return [...this.#rows.values()];
  }

  forgets(): DeliveryForget[] {
    return [...this.#kept.values()];
  }
}

/**
 * What the store remembers of the batch's packet ids that could be resends: only a
 * connection still within its resends, or a publish with DUP, needs to look.
 */
async function loadDeliveries(storage: CaptureStorage, frames: readonly Frame[]): Promise<DeliveryMemory> {
  const memory = new DeliveryMemory();
  const lookups = new Map<string, DeliveryLookup>();
  for (const frame of frames) {
    const delivery = frame.delivery;
    if (delivery === undefined || (delivery.phase !== 'resumed' && !delivery.dup)) continue;
    const dk = deviceKey(frame.tenantId, frame.deviceId);
    lookups.set(DeliveryMemory.key(dk, delivery.session, delivery.packetId), {
      tenantId: frame.tenantId,
      deviceId: frame.deviceId,
      session: delivery.session,
      packetId: delivery.packetId,
    });
  }
  if (lookups.size === 0) return memory;
  for (const row of await storage.storedDeliveries([...lookups.values()])) {
    memory.load(deviceKey(row.tenantId, row.deviceId), {
      session: row.session,
      packetId: row.packetId,
      connection: row.connection,
      seen:
        row.payload === undefined || row.timeliness === undefined
          ? undefined
          : { id: row.messageId, timeliness: row.timeliness as Timeliness, payload: row.payload },
    });
  }
  return memory;
}

function isStepBack(seqMax: number | null, seq: number, bits: number): boolean {
  if (seqMax === null) return false;
  const modulus = 2 ** bits;
  const delta = (((seq - seqMax) % modulus) + modulus) % modulus;
  return delta === 0 || delta >= modulus / 2;
}

function receptionRow(
  messageId: string,
  tenantId: string,
  reception: Frame['receptions'][number],
): ReceptionRow {
  return {
    message_id: messageId,
    station: reception.station,
    tenant_id: tenantId,
    received_at: reception.receivedAt,
    rssi: reception.rssi ?? null,
    snr: reception.snr ?? null,
    lat: reception.lat ?? null,
    lng: reception.lng ?? null,
    data: JSON.stringify(reception.extra ?? {}),
  };
}

function gapRow(gap: OpenGap, frame: Frame, now: number) {
  return {
    id: gap.id,
    tenant_id: frame.tenantId,
    device_id: frame.deviceId,
    from_seq: gap.from,
    to_seq: gap.to,
    opened_at: now,
  };
}
