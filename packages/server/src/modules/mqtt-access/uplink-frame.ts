import { AppError } from '../../kernel/index.js';
import type { CapturedPublish } from '../../mqtt/index.js';
import { checkFrameFields, type Delivery, type Frame, type FrameWording } from '../capture/index.js';

/** A user property is text: `seq` that is not a number is told so. */
const MQTT_WORDING: FrameWording = {
  seq: ({ below }) => ({ field: 'seq', message: `seq must be an integer below ${below}` }),
};

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
  const seqText = property(publish, 'seq');
  const timeText = property(publish, 'time');
  const messageId = property(publish, 'messageId');
  const seq = seqText === undefined ? undefined : /^\d{1,10}$/.test(seqText) ? Number(seqText) : Number.NaN;
  const deviceTime =
    timeText === undefined ? undefined : /^\d+$/.test(timeText) ? Number(timeText) : Date.parse(timeText);
  checkFrameFields(
    { seq, deviceTime, payloadBytes: publish.payload.length, messageId },
    { receivedAt, seqBits },
    { wording: MQTT_WORDING },
  );
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
    delivery: uplinkDelivery(publish),
    receptions: [],
  };
}

/**
 * How the uplink was delivered: QoS 0 is never resent [MQTT-3.3.1-2]; at QoS 1 and 2 the
 * session's packet id tells a resend from a new message (docs/MESSAGES.md, "MQTT
 * retransmissions").
 */
export function uplinkDelivery(publish: CapturedPublish): Delivery | undefined {
  if (publish.qos === 0) return undefined;
  return {
    session: publish.origin.clientId,
    packetId: publish.packetId,
    connection: publish.origin.connectionId,
    dup: publish.dup,
    phase: publish.origin.uplinkPhase,
  };
}
