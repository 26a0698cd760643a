import { type Packet, writeToStream } from 'mqtt-packet';

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
