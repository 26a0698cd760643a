import { AppError } from '../../kernel/errors.js';
import { uuidv7 } from '../../kernel/ids.js';
import type { ChangeEntry } from '../changes/index.js';
import type { CaptureSettings } from '../devices/index.js';
import type { MessageRow, ReceptionRow } from '../messages/index.js';
import type { CaptureOutcome, Delivery, Frame, Timeliness } from './frame.js';
import { isSeqWithin } from './frame-checks.js';
import type { FrameIdentity } from './identity.js';
import { fillGap, type Gap, gapContains, type SequenceEvent, stepSequence } from './sequence.js';
import {
  type CaptureWrites,
  type DeliveryForget,
  type DeliveryRow,
  type DeviceStateRow,
  type GapRow,
  type StoredDelivery,
  UNIQUE_KEY_PREFIX,
} from './storage/capture-storage.js';

/** A stored message as a frame that repeats it is answered with. */
export interface Seen {
  readonly id: string;
  readonly timeliness: Timeliness;
  readonly payload: Buffer;
}

/** An open gap of a device's counter, as stored. */
export interface OpenGap extends Gap {
  readonly id: string;
}

/**
 * What a batch read before deciding anything (the load step's output, the apply step's
 * input). Keys: `deviceKey(tenant, device)`, then `\0` and an identity key for `stored`.
 */
export interface BatchSnapshot {
  /** Each frame's type settings and identity, by the frame's index. */
  readonly prepared: readonly { readonly settings: CaptureSettings; readonly identity: FrameIdentity }[];
  /** The devices' stored states; apply never changes these objects. */
  readonly states: ReadonlyMap<string, DeviceStateRow>;
  /** Stored messages under the identities the batch's frames could collide with. */
  readonly stored: ReadonlyMap<string, Seen>;
  /** The packet ids the store remembers among the batch's possible resends. */
  readonly deliveries: readonly StoredDelivery[];
  /**
   * Open gaps of the devices whose frames may step their counter back (see
   * `devicesThatMayStepBack`); a device not here has no gap the batch could fill.
   */
  readonly gaps: ReadonlyMap<string, readonly OpenGap[]>;
}

/** What the apply step decided: each frame's outcome, and every row the batch writes. */
export interface BatchDecision {
  readonly outcomes: readonly CaptureOutcome[];
  /** Indexes of the frames whose new message is out of order. */
  readonly outOfOrder: readonly number[];
  readonly writes: CaptureWrites;
}

type DeviceState = { -readonly [K in keyof DeviceStateRow]: DeviceStateRow[K] };

export const deviceKey = (tenantId: string, deviceId: string) => `${tenantId}\u0000${deviceId}`;

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
 * The apply step: decides, without reading or writing anything, what each frame is —
 * a conflict, a duplicate (its receptions added to the stored message), or a new message
 * with its timeliness, sequence event and gaps — and what the devices' states become.
 * Frames are decided in the order given, so that a batch decides as the same frames one
 * at a time would (capture's ordering rule, `capture-order.ts`).
 */
export function applyBatch(frames: readonly Frame[], snapshot: BatchSnapshot, now: number): BatchDecision {
  const states = new Map<string, DeviceState>();
  const stateOf = (dk: string): DeviceState | undefined => {
    let state = states.get(dk);
    if (state === undefined) {
      const row = snapshot.states.get(dk);
      if (row === undefined) return undefined;
      state = { ...row };
      states.set(dk, state);
    }
    return state;
  };
  /** Identities this batch stored, over the snapshot's. */
  const storedHere = new Map<string, Seen>();
  const storedOf = (key: string) => storedHere.get(key) ?? snapshot.stored.get(key);
  const deliveries = new DeliveryMemory(snapshot.deliveries);
  /** Gap lists this batch changed, over the snapshot's. */
  const openGaps = new Map<string, OpenGap[]>();
  const gapsOf = (dk: string): OpenGap[] => {
    let gaps = openGaps.get(dk);
    if (gaps === undefined) {
      gaps = [...(snapshot.gaps.get(dk) ?? [])];
      openGaps.set(dk, gaps);
    }
    return gaps;
  };
  const gapInserts: GapRow[] = [];
  const gapUpdates = new Map<string, { from_seq: number; to_seq: number } | { closed_by: string }>();

  const outcomes: CaptureOutcome[] = [];
  const outOfOrderFrames: number[] = [];
  const messages: MessageRow[] = [];
  const receptions: ReceptionRow[] = [];
  const touched = new Set<string>();

  for (const [index, frame] of frames.entries()) {
    const prepared = snapshot.prepared[index];
    if (!prepared) continue;
    const { settings, identity } = prepared;
    const dk = deviceKey(frame.tenantId, frame.deviceId);
    let state = stateOf(dk);
    const delivery = frame.delivery;
    const seen = identity.unique
      ? delivery && deliveries.resentOf(dk, frame, delivery)
      : [identity.key, ...identity.alternates]
          .map((key) => storedOf(`${dk}\u0000${key}`))
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
      if (!isSeqWithin(frame.seq, bits)) {
        throw new AppError(
          'validation_failed',
          `seq must be an integer from 0 to ${2 ** bits - 1} for this device type`,
          { field: 'seq' },
        );
      }
      // Only a step back can fill a gap. (A step forward that lands in a gap of an earlier
      // counter cycle is a new frame, not a late one.)
      const filling = isStepBack(state?.seq_max ?? null, frame.seq, bits)
        ? gapsOf(dk).find((gap) => gapContains(gap, frame.seq ?? -1))
        : undefined;
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
        const list = gapsOf(dk);
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
        for (const gap of gapsOf(dk)) gapUpdates.set(gap.id, { closed_by: 'reset' });
        openGaps.set(dk, []);
      }
      if (step.opens) {
        const added = { id: uuidv7(now), ...step.opens };
        gapsOf(dk).push(added);
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

    messages.push({
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
    });
    if (!identity.unique)
      storedHere.set(`${dk}\u0000${identity.key}`, { id, timeliness, payload: frame.payload });
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

  const changesByTenant = new Map<string, ChangeEntry[]>();
  for (const message of messages) {
    const list = changesByTenant.get(message.tenant_id) ?? [];
    changesByTenant.set(message.tenant_id, list);
    // Stored without data: the feed reads the (immutable) message when it is read, so the
    // hot path neither presents it nor writes it twice.
    list.push({ kind: 'message.created', entityId: message.id });
  }
  return {
    outcomes,
    outOfOrder: outOfOrderFrames,
    writes: {
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
  };
}

/**
 * The devices whose frames may step their counter back in this batch: apply must see
 * their open gaps. The counter a frame is stepped from is always the stored one or an
 * earlier frame's, so a device is named as soon as one of its frames is not ahead of all
 * of those (a superset of the step backs apply meets: it also counts frames that turn
 * out to be duplicates). A batch that spans half its counter or changes its width names
 * the device too.
 */
export function devicesThatMayStepBack(
  frames: readonly Frame[],
  snapshot: Pick<BatchSnapshot, 'prepared' | 'states'>,
): Map<string, { readonly tenantId: string; readonly deviceId: string }> {
  /** Per device: the counter's width, where its run started, and how far ahead of it it got. */
  const runs = new Map<string, { bits: number; base: number; ahead: number }>();
  const named = new Map<string, { readonly tenantId: string; readonly deviceId: string }>();
  for (const [index, frame] of frames.entries()) {
    const prepared = snapshot.prepared[index];
    if (frame.seq === undefined || prepared === undefined) continue;
    const dk = deviceKey(frame.tenantId, frame.deviceId);
    if (named.has(dk)) continue;
    const bits = frame.seqBits ?? prepared.settings.sequenceBits;
    let run = runs.get(dk);
    if (run === undefined) {
      const stored = snapshot.states.get(dk)?.seq_max ?? null;
      run = { bits, base: stored ?? frame.seq, ahead: stored === null ? -1 : 0 };
      runs.set(dk, run);
    }
    const modulus = 2 ** bits;
    const offset = (((frame.seq - run.base) % modulus) + modulus) % modulus;
    if (bits !== run.bits || !(offset > run.ahead && offset < modulus / 2)) named.set(dk, frame);
    else run.ahead = offset;
  }
  return named;
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

  constructor(stored: readonly StoredDelivery[]) {
    for (const row of stored) {
      this.#memory.set(DeliveryMemory.key(deviceKey(row.tenantId, row.deviceId), row.session, row.packetId), {
        connection: row.connection,
        seen:
          row.payload === undefined || row.timeliness === undefined
            ? undefined
            : { id: row.messageId, timeliness: row.timeliness as Timeliness, payload: row.payload },
      });
    }
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

function gapRow(gap: OpenGap, frame: Frame, now: number): GapRow {
  return {
    id: gap.id,
    tenant_id: frame.tenantId,
    device_id: frame.deviceId,
    from_seq: gap.from,
    to_seq: gap.to,
    opened_at: now,
  };
}
