import { describe, expect, it } from 'vitest';
import type { DecodeResult } from '../codec.js';
import { compileSigfoxFormat, decodeSigfoxPayload, type SigfoxField, type SigfoxFormat } from './index.js';

function decode(format: string, hex: string): DecodeResult {
  return decodeSigfoxPayload(compileSigfoxFormat(format), Buffer.from(hex, 'hex'));
}

function data(format: string, hex: string): unknown {
  const result = decode(format, hex);
  expect(result.warnings).toEqual([]);
  expect(result.errors).toEqual([]);
  return result.data;
}

describe('decodeSigfoxPayload: bool', () => {
  it('reads each bit of its byte, 0 the least significant', () => {
    const names = [7, 6, 5, 4, 3, 2, 1, 0].map((bit) => `b${bit}::bool:${bit}`).join(' ');
    expect(data(names, 'A5')).toEqual({
      b7: true,
      b6: false,
      b5: true,
      b4: false,
      b3: false,
      b2: true,
      b1: false,
      b0: true,
    });
  });

  it('reads the byte at an explicit index', () => {
    expect(data('a:2:bool:0 b::bool:1', '000001')).toEqual({ a: true, b: false });
  });
});

describe('decodeSigfoxPayload: uint and int', () => {
  it('reads big-endian by default and reverses the bytes for little-endian', () => {
    expect(data('a::uint:16 b::uint:16:little-endian', '12341234')).toEqual({ a: 0x1234, b: 0x3412 });
    expect(data('a::uint:24 b::uint:24:little-endian', '123456123456')).toEqual({ a: 0x123456, b: 0x563412 });
    expect(data('a::uint:32:little-endian', '78563412')).toEqual({ a: 0x12345678 });
    expect(data('a::uint:48:little-endian', '0605040302FF')).toEqual({ a: 0xff0203040506 });
    expect(data('a::uint:8:little-endian', 'AB')).toEqual({ a: 0xab });
  });

  it('reads sub-byte fields most-significant first from the bit offset, on into the next bytes', () => {
    // 0xB6 0x5D = 1011 0110 0101 1101
    expect(data('a::uint:3::7 b::uint:5::4 c:1:uint:1::0', 'B65D')).toEqual({ a: 0b101, b: 0b10110, c: 1 });
    // from bit 3 of byte 0: 0110 then 0101 1101 -> 0110 0101 1101
    expect(data('a::uint:12::3', 'B65D')).toEqual({ a: 0b011001011101 });
    // 9 bits from bit 0: 0 then 0101 1101 -> 0 0101 1101
    expect(data('a::uint:9::0', 'B65D')).toEqual({ a: 0b001011101 });
  });

  it('reads int as two’s complement, at every width', () => {
    expect(data('a::int:8', 'FF')).toEqual({ a: -1 });
    expect(data('a::int:8', '7F')).toEqual({ a: 127 });
    expect(data('a::int:8', '80')).toEqual({ a: -128 });
    expect(data('a::int:16', '8000')).toEqual({ a: -32768 });
    expect(data('a::int:16:little-endian', 'F6FF')).toEqual({ a: -10 });
    expect(data('a::int:1 b::int:1', '8000')).toEqual({ a: -1, b: 0 });
    expect(data('a::int:4::3', '0F')).toEqual({ a: -1 });
    expect(data('a::int:4::3', '07')).toEqual({ a: 7 });
    expect(data('a::int:12::3', '0800')).toEqual({ a: -2048 });
    expect(data('a::int:32', '80000000')).toEqual({ a: -2147483648 });
    expect(data('a::int:32:little-endian', 'FEFFFFFF')).toEqual({ a: -2 });
    expect(data('a::int:53', 'FFFFFFFFFFFFF8')).toEqual({ a: -1 });
    expect(data('a::int:53', '80000000000000')).toEqual({ a: -(2 ** 52) });
  });

  it('keeps integers up to 2^53 as numbers and emits larger ones as decimal strings', () => {
    expect(data('a::uint:53', 'FFFFFFFFFFFFF8')).toEqual({ a: 2 ** 53 - 1 });
    expect(data('a::uint:54', '80000000000000')).toEqual({ a: 2 ** 53 });
    expect(data('a::uint:54', '80000000000004')).toEqual({ a: '9007199254740993' });
    expect(data('a::uint:64', 'FFFFFFFFFFFFFFFF')).toEqual({ a: '18446744073709551615' });
    expect(data('a::uint:64', '0000000000000001')).toEqual({ a: 1 });
    expect(data('a::uint:64:little-endian', '0100000000000080')).toEqual({ a: '9223372036854775809' });
    expect(data('a::uint:56:little-endian', '01020304050607')).toEqual({ a: 0x07060504030201 });
    expect(data('a::int:64', 'FFFFFFFFFFFFFFFF')).toEqual({ a: -1 });
    expect(data('a::int:64', '8000000000000000')).toEqual({ a: '-9223372036854775808' });
    expect(data('a::int:64', '7FFFFFFFFFFFFFFF')).toEqual({ a: '9223372036854775807' });
    expect(data('a::int:64', 'FFE0000000000000')).toEqual({ a: -(2 ** 53) });
    expect(data('a::int:64', 'FFDFFFFFFFFFFFFF')).toEqual({ a: '-9007199254740993' });
    expect(data('a::int:64', '0020000000000000')).toEqual({ a: 2 ** 53 });
    expect(data('a::int:64:little-endian', '0000000000000080')).toEqual({ a: '-9223372036854775808' });
    // 64 bits from bit 3 span nine bytes: the low nibble of byte 0 through the high nibble of byte 8.
    expect(data('a::uint:64::3', 'F123456789ABCDEF0F')).toEqual({ a: '1311768467463790320' });
  });

  it('produces JSON that round-trips: every value is a finite number, a string or a boolean', () => {
    const result = decode('a::uint:64 b::int:16', 'FFFFFFFFFFFFFFFF8001');
    expect(JSON.parse(JSON.stringify(result.data))).toEqual({ a: '18446744073709551615', b: -32767 });
  });
});

describe('decodeSigfoxPayload: float', () => {
  it('reads binary32 as the exact double it denotes, not a rounded decimal', () => {
    expect(data('a::float:32', '3DCCCCCD')).toEqual({ a: 0.10000000149011612 });
    expect(data('a::float:32:little-endian', 'CDCCCC3D')).toEqual({ a: 0.10000000149011612 });
    expect(data('a::float:32', '41BC0000')).toEqual({ a: 23.5 });
    expect(data('a::float:32', '00000001')).toEqual({ a: 2 ** -149 });
  });

  it('reads binary64 in both byte orders', () => {
    expect(data('a::float:64', '3FB999999999999A')).toEqual({ a: 0.1 });
    expect(data('a::float:64:little-endian', '9A9999999999B93F')).toEqual({ a: 0.1 });
    expect(data('a::float:64', 'C00921FB54442D18')).toEqual({ a: -Math.PI });
  });

  it('reads a float from a sub-byte bit offset', () => {
    // 23.5 = 0x41BC0000, shifted right by 4 bits behind a 0xA nibble.
    expect(data('n::uint:4::7 a::float:32::3', 'A41BC00000')).toEqual({ n: 10, a: 23.5 });
    // 0.1 = 0x3FB999999999999A behind one bit.
    expect(data('a::float:64::6', '1FDCCCCCCCCCCCCD00')).toEqual({ a: 0.1 });
  });

  it('keeps negative zero as -0 (JSON writes it as 0)', () => {
    const result = decode('a::float:32', '80000000');
    expect(Object.is((result.data as { a: number }).a, -0)).toBe(true);
  });

  it('leaves out NaN and ±Infinity with a warning, since JSON cannot carry them, and decodes the rest', () => {
    const result = decode(
      'a::float:32 b::float:32 c::float:32 d::float:64 e::uint:8',
      '7FC000007F800000FF8000007FF800000000000001',
    );
    expect(result.data).toEqual({ e: 1 });
    expect(result.warnings).toEqual([
      "field 'a' is NaN, which JSON cannot carry; the field is left out",
      "field 'b' is Infinity, which JSON cannot carry; the field is left out",
      "field 'c' is -Infinity, which JSON cannot carry; the field is left out",
      "field 'd' is NaN, which JSON cannot carry; the field is left out",
    ]);
    expect(result.errors).toEqual([]);
  });
});

describe('decodeSigfoxPayload: char', () => {
  it('decodes one character per byte', () => {
    expect(data('a::char:5', '48656C6C6F')).toEqual({ a: 'Hello' });
    expect(data('a:2:char:1', '000041')).toEqual({ a: 'A' });
  });

  it('keeps non-printable and non-ASCII bytes as the character of the same code (no dropping, no U+FFFD)', () => {
    const result = decode('a::char:6', '00091F7F80FF');
    expect(result.data).toEqual({ a: '\u0000\t\u001f\u007f\u0080\u00ff' });
    expect((result.data as { a: string }).a).toHaveLength(6);
    expect(JSON.parse(JSON.stringify(result.data))).toEqual(result.data);
  });
});

describe('decodeSigfoxPayload: short, empty and long payloads', () => {
  it('leaves out each field that runs past the end, with a warning, and decodes the others', () => {
    const result = decode('a::uint:8 b::uint:16 c:0:uint:4 d:3:bool:0 e::char:2', 'FF01');
    expect(result.data).toEqual({ a: 255, c: 15 });
    expect(result.warnings).toEqual([
      "field 'b' needs bytes 1 to 2 but the payload has 2 bytes; the field is left out",
      "field 'd' needs byte 3 but the payload has 2 bytes; the field is left out",
      "field 'e' needs bytes 3 to 4 but the payload has 2 bytes; the field is left out",
    ]);
    expect(result.errors).toEqual([]);
  });

  it('decodes an empty payload to an empty object with one warning per field', () => {
    const result = decode('a::bool:0 b::uint:8', '');
    expect(result.data).toEqual({});
    expect(result.warnings).toEqual([
      "field 'a' needs byte 0 but the payload has 0 bytes; the field is left out",
      "field 'b' needs byte 0 but the payload has 0 bytes; the field is left out",
    ]);
    expect(decode('a::uint:8', '').warnings[0]).toContain('has 0 bytes');
    expect(decode('a::uint:16', '01').warnings[0]).toContain('has 1 byte;');
  });

  it('decodes a full 12-byte payload, and leaves out a field that starts at byte 12', () => {
    const result = decode('a::uint:32 b::float:32 c::int:32 d::uint:8', '00000001' + '41BC0000' + 'FFFFFFFF');
    expect(result.data).toEqual({ a: 1, b: 23.5, c: -1 });
    expect(result.warnings).toEqual([
      "field 'd' needs byte 12 but the payload has 12 bytes; the field is left out",
    ]);
  });

  it('decodes payloads longer than 12 bytes too; the grammar does not depend on the length', () => {
    expect(data('a:12:uint:8', '000000000000000000000000AB')).toEqual({ a: 0xab });
  });

  it('ignores bytes no field reads', () => {
    expect(data('a::uint:8', '01FFFF')).toEqual({ a: 1 });
  });
});

describe('decodeSigfoxPayload: inputs and results', () => {
  it('reads a Buffer and a Uint8Array view at an offset into a larger buffer', () => {
    const format = compileSigfoxFormat('a::uint:16 b::bool:0');
    const backing = Uint8Array.of(0xee, 0xee, 0x12, 0x34, 0x01, 0xee);
    expect(decodeSigfoxPayload(format, backing.subarray(2, 5)).data).toEqual({ a: 0x1234, b: true });
    const view = decodeSigfoxPayload(format, backing.subarray(2, 4));
    expect(view.data).toEqual({ a: 0x1234 });
    expect(view.warnings).toHaveLength(1);
  });

  it('does not change the bytes, and gives every decode its own data object', () => {
    const format = compileSigfoxFormat('a::uint:8 b::char:1');
    const bytes = Uint8Array.of(1, 0x41);
    const first = decodeSigfoxPayload(format, bytes);
    const second = decodeSigfoxPayload(format, bytes);
    expect(first.data).not.toBe(second.data);
    (first.data as Record<string, unknown>).a = 99;
    expect(second.data).toEqual({ a: 1, b: 'A' });
    expect(Array.from(bytes)).toEqual([1, 0x41]);
  });

  it('keeps the field order of the format in the data, as stored JSON shows it', () => {
    expect(JSON.stringify(data('z::uint:8 a:0:uint:8 m:0:bool:0', '01'))).toBe('{"z":1,"a":1,"m":true}');
  });

  it('stores a field named __proto__ as a plain own property without touching the prototype', () => {
    const result = decode('__proto__::uint:8 constructor::uint:8 toString::uint:8', '010203');
    const decoded = result.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toBe(1);
    expect(JSON.stringify(decoded)).toBe('{"__proto__":1,"constructor":2,"toString":3}');
  });

  it('answers with an error instead of throwing for a format it did not compile or bytes that are not bytes', () => {
    const format = compileSigfoxFormat('a::uint:8');
    const lookalike = { ...format, fields: format.fields } as unknown as SigfoxFormat;
    expect(decodeSigfoxPayload(lookalike, Uint8Array.of(1))).toEqual({
      data: null,
      warnings: [],
      errors: ['the Sigfox format was not compiled by compileSigfoxFormat'],
    });
    for (const bytes of [null, undefined, [1, 2], '0102', 42, new ArrayBuffer(2)]) {
      expect(decodeSigfoxPayload(format, bytes as unknown as Uint8Array)).toEqual({
        data: null,
        warnings: [],
        errors: ['the payload must be a Uint8Array'],
      });
    }
    expect(decodeSigfoxPayload(null as unknown as SigfoxFormat, Uint8Array.of(1)).errors).toHaveLength(1);
  });
});

describe('decodeSigfoxPayload: any bytes, any format', () => {
  it('never throws and agrees with a bit-string reading for random formats and payloads', () => {
    const random = seeded(0xf1ee7);
    for (let run = 0; run < 400; run++) {
      const source = randomFormat(random);
      const format = compileSigfoxFormat(source);
      for (let sample = 0; sample < 20; sample++) {
        const bytes = new Uint8Array(Math.floor(random() * 15));
        for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
        const result = decodeSigfoxPayload(format, bytes);
        expect(result.errors).toEqual([]);
        const decoded = result.data as Record<string, unknown>;
        let leftOut = 0;
        for (const field of format.fields) {
          const expected = reference(field, bytes);
          if (expected === undefined) {
            expect(decoded, `${source} on ${Buffer.from(bytes).toString('hex')}`).not.toHaveProperty(
              field.name,
            );
            leftOut++;
          } else {
            expect(
              decoded[field.name],
              `${field.name} of ${source} on ${Buffer.from(bytes).toString('hex')}`,
            ).toEqual(expected);
          }
        }
        expect(result.warnings).toHaveLength(leftOut);
      }
    }
  });
});

/** A random valid format of up to eight fields, every type, offset and byte order. */
function randomFormat(random: () => number): string {
  const fields: string[] = [];
  const count = 1 + Math.floor(random() * 8);
  for (let i = 0; i < count; i++) {
    const index = random() < 0.3 ? String(Math.floor(random() * 12)) : '';
    const pick = Math.floor(random() * 5);
    let type: string;
    if (pick === 0) type = `bool:${Math.floor(random() * 8)}`;
    else if (pick === 1) type = `char:${1 + Math.floor(random() * 4)}`;
    else {
      const kind = pick === 2 ? 'float' : pick === 3 ? 'uint' : 'int';
      const bits = kind === 'float' ? (random() < 0.5 ? 32 : 64) : 1 + Math.floor(random() * 64);
      const aligned = bits % 8 === 0;
      const roll = random();
      if (aligned && roll < 0.3) type = `${kind}:${bits}:little-endian${random() < 0.5 ? ':7' : ''}`;
      else if (roll < 0.6)
        type = `${kind}:${bits}:${random() < 0.5 ? 'big-endian' : ''}:${Math.floor(random() * 8)}`;
      else type = `${kind}:${bits}`;
    }
    fields.push(`f${i}:${index}:${type}`);
  }
  return fields.join(' ');
}

/**
 * What a field should decode to, computed another way: the payload as a string of bits,
 * BigInt arithmetic, a DataView for floats. Undefined when the field is left out.
 */
function reference(field: SigfoxField, bytes: Uint8Array): unknown {
  if (field.lastByte >= bytes.length) return undefined;
  const bitString = Array.from(bytes, (byte) => byte.toString(2).padStart(8, '0')).join('');
  const first = field.byte * 8 + (7 - field.bitOffset);
  let bits = bitString.slice(first, first + field.bits);
  if (field.littleEndian) bits = (bits.match(/.{8}/g) ?? []).reverse().join('');
  const unsigned = BigInt(`0b${bits}`);
  switch (field.type) {
    case 'bool':
      return bits === '1';
    case 'char':
      return (bits.match(/.{8}/g) ?? [])
        .map((byte) => String.fromCharCode(Number.parseInt(byte, 2)))
        .join('');
    case 'float': {
      const view = new DataView(new ArrayBuffer(8));
      if (field.bits === 32) {
        view.setUint32(0, Number(unsigned));
        const value = view.getFloat32(0);
        return Number.isFinite(value) ? value : undefined;
      }
      view.setBigUint64(0, unsigned);
      const value = view.getFloat64(0);
      return Number.isFinite(value) ? value : undefined;
    }
    default: {
      const value = field.type === 'int' ? BigInt.asIntN(field.bits, unsigned) : unsigned;
      const limit = 2n ** 53n;
      return value > limit || value < -limit ? value.toString() : Number(value);
    }
  }
}

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
