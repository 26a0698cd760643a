import { describe, expect, it } from 'vitest';
import { compileSigfoxFormat, decodeSigfoxPayload, SigfoxFormatError } from './index.js';

/** The examples table of the spec (Sigfox's documentation table plus two bit-offset rows), verbatim. */
const SPEC_EXAMPLES: readonly { format: string; hex: string; decoded: string }[] = [
  { format: 'int1::uint:8 int2::uint:8', hex: '1234', decoded: '{"int1":18,"int2":52}' },
  { format: 'b1::bool:7 b2::bool:6 i1:1:uint:16', hex: 'C01234', decoded: '{"b1":true,"b2":true,"i1":4660}' },
  {
    format: 'b1::bool:7 b2::bool:6 i1:1:uint:16:little-endian',
    hex: '801234',
    decoded: '{"b1":true,"b2":false,"i1":13330}',
  },
  {
    format: 'b1::bool:7 b2::bool:6 i1:1:uint:16:little-endian i2::uint:8',
    hex: '80123456',
    decoded: '{"b1":true,"b2":false,"i1":13330,"i2":86}',
  },
  {
    format: 'str::char:6 i1::uint:16 i2::uint:32',
    hex: '41424344454601234567890A',
    decoded: '{"str":"ABCDEF","i1":291,"i2":1164413194}',
  },
  {
    format: 'Speed::uint:8 Direction::uint:4 Status::uint:4',
    hex: '3C5A70',
    decoded: '{"Speed":60,"Direction":5,"Status":7}',
  },
  {
    format: 'Speed::uint:8 Direction::uint:4 Status:1:uint:4::3',
    hex: '3C5A',
    decoded: '{"Speed":60,"Direction":5,"Status":10}',
  },
  // The spec's opening example, with a payload of our own.
  {
    format: 'temperature::int:16:little-endian humidity::uint:8 flag::bool:7',
    hex: 'F6FF3780',
    decoded: '{"temperature":-10,"humidity":55,"flag":true}',
  },
];

describe('the Sigfox custom-payload examples of the spec', () => {
  it.each(SPEC_EXAMPLES)('decodes $hex with $format', ({ format, hex, decoded }) => {
    const result = decodeSigfoxPayload(compileSigfoxFormat(format), Buffer.from(hex, 'hex'));
    // Compared as JSON text: what is stored, key order included.
    expect(JSON.stringify(result.data)).toBe(decoded);
    expect(result.warnings).toEqual([]);
    expect(result.errors).toEqual([]);
  });

  it('takes the high nibble for Direction and jumps to byte 2 for Status without a bit offset (rule 3)', () => {
    const format = compileSigfoxFormat('Speed::uint:8 Direction::uint:4 Status::uint:4');
    expect(format.fields.map((field) => [field.name, field.byte, field.bitOffset, field.lastByte])).toEqual([
      ['Speed', 0, 7, 0],
      ['Direction', 1, 7, 1],
      ['Status', 2, 7, 2],
    ]);
    // With only two bytes, the sixth row's Status has nothing to read.
    const short = decodeSigfoxPayload(format, Buffer.from('3C5A', 'hex'));
    expect(short.data).toEqual({ Speed: 60, Direction: 5 });
    expect(short.warnings).toEqual([
      "field 'Status' needs byte 2 but the payload has 2 bytes; the field is left out",
    ]);
  });
});

describe('the examples of docs/CODECS-SIGFOX.md', () => {
  it('decodes a 64-bit counter beyond 2^53 as a string and a binary32 next to it', () => {
    const result = decodeSigfoxPayload(
      compileSigfoxFormat('counter::uint:64 level::float:32'),
      Buffer.from('FFFFFFFFFFFFFFFF41BC0000', 'hex'),
    );
    expect(JSON.stringify(result.data)).toBe('{"counter":"18446744073709551615","level":23.5}');
  });

  it('leaves out the fields a short payload does not reach, with the documented warnings', () => {
    const result = decodeSigfoxPayload(
      compileSigfoxFormat('temperature::int:16:little-endian humidity::uint:8 flag::bool:7'),
      Buffer.from('F6FF', 'hex'),
    );
    expect(result).toEqual({
      data: { temperature: -10 },
      warnings: [
        "field 'humidity' needs byte 2 but the payload has 2 bytes; the field is left out",
        "field 'flag' needs byte 3 but the payload has 2 bytes; the field is left out",
      ],
      errors: [],
    });
  });

  it('refuses the documented bad format with the documented message and reasons', () => {
    let refused: unknown;
    try {
      compileSigfoxFormat('temperature::int:16:le humidity::uint8 flag::bool:8');
    } catch (error) {
      refused = error;
    }
    if (!(refused instanceof SigfoxFormatError)) throw new Error('the format was not refused');
    expect(refused.message).toBe(
      "invalid Sigfox payload format, 3 problems: (1) field 1 'temperature::int:16:le', column 21: unknown endianness 'le'; expected big-endian or little-endian; did you mean 'little-endian'? (2) field 2 'humidity::uint8', column 34: unknown type 'uint8'; expected bool, char, float, uint or int; did you mean 'uint:8'? (3) field 3 'flag::bool:8', column 51: the bool bit '8' must be one digit, 0 to 7 (7 is the most significant bit)",
    );
    expect(refused.issues.map((issue) => issue.reason)).toEqual([
      'invalid_endianness',
      'unknown_type',
      'invalid_bit',
    ]);
  });
});
