import { parser as createParser, generate, type IPublishPacket, type Packet, type QoS } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { encodePacket, encodePublishV4 } from './encoder.js';
import { READ_INCOMPLETE, READ_OTHER, readPublish, takePublish, wireSettings } from './wire-parser.js';

const V4 = wireSettings(4, false);
const V5 = wireSettings(5, false);

/** What mqtt-packet itself parses from `bytes`. */
function reference(bytes: Buffer, protocolVersion: 4 | 5): Packet[] {
  const parser = createParser({ protocolVersion });
  const packets: Packet[] = [];
  parser.on('packet', (packet: Packet) => packets.push(packet));
  parser.parse(bytes);
  return packets;
}

function publish(
  topic: string,
  payloadLength: number,
  qos: QoS,
  retain: boolean,
  dup: boolean,
): IPublishPacket {
  const payload = Buffer.alloc(payloadLength, 0x61);
  return { cmd: 'publish', topic, payload, qos, retain, dup, messageId: qos > 0 ? 513 : undefined };
}

// Remaining lengths on both sides of the 1-, 2- and 3-byte variable byte integer boundaries.
const SIZES = [0, 1, 100, 120, 121, 122, 16_370, 16_371, 16_372, 16_400, 2_097_140, 2_097_160];
const TOPICS = ['t', 'devices/d1/up', 'ünïcødé/€/😀', ''];

describe('PUBLISH fast paths', () => {
  it('encodes 3.1.1 PUBLISH byte for byte like mqtt-packet', () => {
    for (const topic of TOPICS)
      for (const size of SIZES)
        for (const qos of [0, 1, 2] as const)
          for (const flags of [0, 1, 2, 3]) {
            const packet = publish(topic, size, qos, (flags & 1) !== 0, (flags & 2) !== 0);
            const fast = encodePublishV4(
              topic,
              packet.payload as Buffer,
              qos,
              packet.retain,
              packet.dup,
              513,
            );
            expect(fast?.equals(encodePacket(packet, 4))).toBe(true);
          }
  });

  it('reads PUBLISH into the packet mqtt-packet gives, for 3.1.1 and for 5 without properties', () => {
    for (const version of [4, 5] as const)
      for (const topic of TOPICS)
        for (const size of SIZES)
          for (const qos of [0, 1, 2] as const) {
            const bytes = generate(publish(topic, size, qos, qos === 1, qos === 2), {
              protocolVersion: version,
            });
            const end = readPublish(bytes, 0, version === 5 ? V5 : V4, 1 << 30);
            expect(end).toBe(bytes.length);
            const fast = takePublish();
            const [expected] = reference(bytes, version) as IPublishPacket[];
            // Payloads compared as bytes (deep equality of megabytes is slow), the rest field by field.
            expect(Buffer.compare(fast?.payload as Buffer, expected?.payload as Buffer)).toBe(0);
            expect({ ...fast, payload: null }).toEqual({ ...expected, payload: null });
          }
  });

  it('reads consecutive packets from one buffer and keeps only a small incomplete one', () => {
    const one = generate(publish('a/b', 10, 0, false, false));
    const two = generate(publish('a/c', 20, 1, false, false));
    const bytes = Buffer.concat([one, two]);
    expect(readPublish(bytes, 0, V4, 1000)).toBe(one.length);
    expect(takePublish()?.topic).toBe('a/b');
    expect(readPublish(bytes, one.length, V4, 1000)).toBe(bytes.length);
    expect(takePublish()?.messageId).toBe(513);
    const cut = bytes.subarray(0, one.length + 5);
    expect(readPublish(cut, one.length, V4, 1000)).toBe(READ_INCOMPLETE);
    // Larger than the caller keeps: left to mqtt-packet, which checks the announced length.
    expect(readPublish(cut, one.length, V4, 10)).toBe(READ_OTHER);
    // A fixed header cut inside its length bytes.
    const big = generate(publish('a', 300, 0, false, false));
    expect(readPublish(big.subarray(0, 2), 0, V4, 1000)).toBe(READ_INCOMPLETE);
  });

  it('leaves other packets, properties and malformed PUBLISH to mqtt-packet', () => {
    expect(readPublish(generate({ cmd: 'pingreq' }), 0, V4, 1000)).toBe(READ_OTHER);
    const withProperties = generate(
      { ...publish('a', 5, 0, false, false), properties: { contentType: 'text/plain' } },
      { protocolVersion: 5 },
    );
    expect(readPublish(withProperties, 0, V5, 1000)).toBe(READ_OTHER);
    const qos3 = Buffer.from(generate(publish('a', 5, 0, false, false)));
    qos3[0] = 0x36;
    expect(readPublish(qos3, 0, V4, 1000)).toBe(READ_OTHER);
    // Topic length beyond the packet.
    expect(readPublish(Buffer.from([0x30, 0x03, 0x00, 0x09, 0x61]), 0, V4, 1000)).toBe(READ_OTHER);
    // Five length bytes: not a variable byte integer.
    expect(readPublish(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 0, V4, 1 << 30)).toBe(READ_OTHER);
    expect(takePublish()).toBeUndefined();
  });
});
