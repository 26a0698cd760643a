import { type Packet, type QoS, writeToStream } from 'mqtt-packet';

/**
 * mqtt-packet writes 2-byte numbers from a table of 65,536 pre-made buffers, built on
 * its first use: about 7 MB of heap for a saving of one small allocation per packet.
 * The broker encodes each routed message once, so it does without the table.
 */
writeToStream.cacheNumbers = false;

/**
 * Collects the pieces mqtt-packet writes for one packet (a plain object instead of the
 * EventEmitter that mqtt-packet's own `generate` creates for every packet).
 */
class Pieces {
  readonly chunks: (Buffer | string)[] = [];
  failure: unknown;

  write(chunk: Buffer | string): boolean {
    this.chunks.push(chunk);
    return true;
  }

  destroy(error?: unknown): void {
    this.failure ??= error ?? new Error('packet cannot be encoded');
  }
}

/** The options mqtt-packet takes, one frozen object per protocol version. */
const OPTIONS: Readonly<Record<3 | 4 | 5, { readonly protocolVersion: 3 | 4 | 5 }>> = Object.freeze({
  3: Object.freeze({ protocolVersion: 3 as const }),
  4: Object.freeze({ protocolVersion: 4 as const }),
  5: Object.freeze({ protocolVersion: 5 as const }),
});

/** Encodes one packet for a connection of `protocolVersion`; throws when mqtt-packet refuses it. */
export function encodePacket(packet: Packet, protocolVersion: 3 | 4 | 5): Buffer {
  const pieces = new Pieces();
  writeToStream(packet, pieces as unknown as Parameters<typeof writeToStream>[1], OPTIONS[protocolVersion]);
  if (pieces.failure !== undefined) throw pieces.failure;
  const chunks = pieces.chunks;
  let length = 0;
  for (const chunk of chunks) length += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  const buffer = Buffer.allocUnsafe(length);
  let pos = 0;
  for (const chunk of chunks) {
    if (typeof chunk === 'string') pos += buffer.write(chunk, pos);
    else {
      chunk.copy(buffer, pos);
      pos += chunk.length;
    }
  }
  return buffer;
}

/** The largest Remaining Length a 4-byte variable byte integer holds (§1.5.5). */
const MAX_REMAINING_LENGTH = 268_435_455;

/**
 * Encodes a PUBLISH for MQTT 3.1/3.1.1 (no properties) into one buffer, byte for byte what
 * mqtt-packet writes, without its piecewise writes. Returns undefined for what only
 * mqtt-packet should judge (a topic or packet beyond the encodable lengths).
 */
export function encodePublishV4(
  topic: string,
  payload: Buffer,
  qos: QoS,
  retain: boolean,
  dup: boolean,
  messageId: number,
): Buffer | undefined {
  const topicLength = Buffer.byteLength(topic);
  if (topicLength > 0xffff) return undefined;
  const length = 2 + topicLength + (qos > 0 ? 2 : 0) + payload.length;
  if (length > MAX_REMAINING_LENGTH) return undefined;
  const lengthBytes = length < 0x80 ? 1 : length < 0x4000 ? 2 : length < 0x200000 ? 3 : 4;
  const buffer = Buffer.allocUnsafe(1 + lengthBytes + length);
  // Fixed header (§3.3.1): type 3, DUP, QoS, RETAIN.
  buffer[0] = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
  let pos = 1;
  let rest = length;
  do {
    const low = rest % 0x80;
    rest = Math.floor(rest / 0x80);
    buffer[pos++] = rest > 0 ? low | 0x80 : low;
  } while (rest > 0);
  buffer.writeUInt16BE(topicLength, pos);
  pos += 2;
  pos += buffer.write(topic, pos, 'utf8');
  if (qos > 0) {
    buffer.writeUInt16BE(messageId, pos);
    pos += 2;
  }
  payload.copy(buffer, pos);
  return buffer;
}
