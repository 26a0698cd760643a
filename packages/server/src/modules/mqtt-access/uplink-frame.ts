import { AppError } from '../../kernel/index.js';
import type { CapturedPublish } from '../../mqtt/index.js';
import type { Frame } from '../capture/index.js';

/** Largest uplink payload, in bytes: the same bound as HTTP ingest. */
export const MAX_UPLINK_BYTES = 64 * 1024;
/** Device times before this are refused as absurd (as over HTTP). */
const EARLIEST_TIME = Date.UTC(2000, 0, 1);
/** Device clocks may run ahead a little; a day ahead is a broken clock, not drift. */
const MAX_CLOCK_AHEAD_MS = 24 * 3600 * 1000;
const MESSAGE_ID = /^[\x21-\x7e]{1,128}$/;

/** The device an uplink belongs to, as its connection authenticated it. */
export interface UplinkDevice {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly typeId: string;
}

/**
 * Whether `topic` is an uplink of `deviceId`: `devices/{deviceId}/up` or
 * `devices/{deviceId}/up/{channel…}`.
 */
export function isUplinkTopic(topic: string, deviceId: string): boolean {
  const prefix = `devices/${deviceId}/up`;
  return topic === prefix || (topic.startsWith(`${prefix}/`) && topic.length > prefix.length + 1);
}

/** Whether `topic` is anyone's uplink topic (`devices/+/up`, `devices/+/up/#`). */
export function isAnyUplinkTopic(topic: string): boolean {
  const levels = topic.split('/');
  return levels.length >= 3 && levels[0] === 'devices' && levels[2] === 'up';
}

function property(publish: CapturedPublish, name: string): string | undefined {
  const value = publish.properties.userProperties?.[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  // A user property may repeat ([MQTT-3.3.2-18]); identity needs one value.
  throw new AppError('validation_failed', `the user property '${name}' must be given once`, { field: name });
}

/**
 * Turns a device's PUBLISH into the capture pipeline's frame: the payload bytes as sent;
 * MQTT 5 user properties `seq`, `time` (RFC 3339 or Unix ms) and `messageId` give the
 * frame its identity, checked as HTTP ingest checks them.
 */
export function uplinkFrame(
  device: UplinkDevice,
  publish: CapturedPublish,
  { receivedAt, seqBits }: { readonly receivedAt: number; readonly seqBits: number },
): Frame {
  if (publish.payload.length > MAX_UPLINK_BYTES) {
    throw new AppError('validation_failed', `the payload is larger than ${MAX_UPLINK_BYTES} bytes`, {
      field: 'payload',
    });
  }
  let seq: number | undefined;
  const seqText = property(publish, 'seq');
  if (seqText !== undefined) {
    if (!/^\d{1,10}$/.test(seqText) || Number(seqText) >= 2 ** seqBits) {
      throw new AppError('validation_failed', `seq must be an integer below ${2 ** seqBits}`, {
        field: 'seq',
      });
    }
    seq = Number(seqText);
  }
  let deviceTime: number | undefined;
  const timeText = property(publish, 'time');
  if (timeText !== undefined) {
    deviceTime = /^\d+$/.test(timeText) ? Number(timeText) : Date.parse(timeText);
    if (
      !Number.isFinite(deviceTime) ||
      deviceTime < EARLIEST_TIME ||
      deviceTime > receivedAt + MAX_CLOCK_AHEAD_MS
    ) {
      throw new AppError(
        'validation_failed',
        'time is not a plausible device time (after 2000, at most a day ahead of the server)',
        { field: 'time' },
      );
    }
  }
  const messageId = property(publish, 'messageId');
  if (messageId !== undefined && !MESSAGE_ID.test(messageId)) {
    throw new AppError('validation_failed', 'messageId must be 1–128 printable ASCII characters', {
      field: 'messageId',
    });
  }
  return {
    tenantId: device.tenantId,
    deviceId: device.deviceId,
    typeId: device.typeId,
    transport: 'mqtt',
    receivedAt,
    deviceTime,
    seq,
    seqBits,
    messageId,
    payload: publish.payload,
    // QoS 0 is never resent [MQTT-3.3.1-2]; at QoS 1 and 2 the session's packet id tells
    // a resend from a new message (docs/MESSAGES.md, "MQTT retransmissions").
    delivery:
      publish.qos > 0
        ? {
            session: publish.origin.clientId,
            packetId: publish.packetId,
            connection: publish.origin.connectionId,
            dup: publish.dup,
            phase: publish.origin.uplinkPhase,
          }
        : undefined,
    receptions: [],
  };
}
