import { describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import {
  compileSigfoxFormat,
  type SigfoxField,
  SigfoxFormatError,
  type SigfoxFormatIssue,
  type SigfoxFormatReason,
} from './index.js';

function refusal(source: unknown): SigfoxFormatError {
  try {
    compileSigfoxFormat(source as string);
  } catch (error) {
    if (error instanceof SigfoxFormatError) return error;
    throw error;
  }
  throw new Error(`the format was accepted: ${String(source)}`);
}

function onlyIssue(source: string): SigfoxFormatIssue {
  const { issues } = refusal(source);
  expect(issues).toHaveLength(1);
  const [first] = issues;
  if (first === undefined) throw new Error('no issue');
  return first;
}

/** [name, byte, bitOffset, bits, lastByte] of each field: the resolved layout. */
function layout(source: string): [string, number, number, number, number][] {
  return compileSigfoxFormat(source).fields.map((field: SigfoxField) => [
    field.name,
    field.byte,
    field.bitOffset,
    field.bits,
    field.lastByte,
  ]);
}

describe('compileSigfoxFormat: what a field reads', () => {
  it('reads every type with its defaults: big-endian, bit offset 7', () => {
    const format = compileSigfoxFormat('a::bool:3 b::char:2 c::float:32 d::float:64 e::uint:12 f::int:64');
    expect(format.fields).toEqual([
      {
        name: 'a',
        type: 'bool',
        byte: 0,
        bitOffset: 3,
        bits: 1,
        littleEndian: false,
        lastByte: 0,
        column: 1,
      },
      {
        name: 'b',
        type: 'char',
        byte: 0,
        bitOffset: 7,
        bits: 16,
        littleEndian: false,
        lastByte: 1,
        column: 11,
      },
      {
        name: 'c',
        type: 'float',
        byte: 2,
        bitOffset: 7,
        bits: 32,
        littleEndian: false,
        lastByte: 5,
        column: 21,
      },
      {
        name: 'd',
        type: 'float',
        byte: 6,
        bitOffset: 7,
        bits: 64,
        littleEndian: false,
        lastByte: 13,
        column: 33,
      },
      {
        name: 'e',
        type: 'uint',
        byte: 14,
        bitOffset: 7,
        bits: 12,
        littleEndian: false,
        lastByte: 15,
        column: 45,
      },
      {
        name: 'f',
        type: 'int',
        byte: 16,
        bitOffset: 7,
        bits: 64,
        littleEndian: false,
        lastByte: 23,
        column: 56,
      },
    ]);
    expect(format.byteLength).toBe(24);
  });

  it('accepts an explicit endianness, an empty one, and a bit offset after either', () => {
    expect(compileSigfoxFormat('a::uint:16:big-endian').fields[0]?.littleEndian).toBe(false);
    expect(compileSigfoxFormat('a::uint:16:little-endian').fields[0]?.littleEndian).toBe(true);
    expect(compileSigfoxFormat('a::float:64:little-endian').fields[0]?.littleEndian).toBe(true);
    expect(layout('a::uint:16:')).toEqual([['a', 0, 7, 16, 1]]);
    expect(layout('a::uint:4::3')).toEqual([['a', 0, 3, 4, 0]]);
    // 3 bits of byte 0, 8 of byte 1, 1 of byte 2.
    expect(layout('a::int:12:big-endian:2')).toEqual([['a', 0, 2, 12, 2]]);
    expect(layout('a::uint:16:little-endian:7')).toEqual([['a', 0, 7, 16, 1]]);
    expect(layout('a::float:32::0')).toEqual([['a', 0, 0, 32, 4]]);
  });

  it('matches keywords in any ASCII case, as ABNF quoted strings do, and keeps names as written', () => {
    const format = compileSigfoxFormat(
      'Temp::INT:16:Little-Endian Flag::Bool:7 Label::CHAR:2 V::Float:32:BIG-ENDIAN',
    );
    expect(format.fields.map((field) => [field.name, field.type, field.littleEndian])).toEqual([
      ['Temp', 'int', true],
      ['Flag', 'bool', false],
      ['Label', 'char', false],
      ['V', 'float', false],
    ]);
  });

  it('accepts every name character the grammar allows, and names that differ only in case', () => {
    const format = compileSigfoxFormat(
      'a_B-9#::uint:8 x::uint:8 X::uint:8 __proto__::uint:8 constructor::uint:8',
    );
    expect(format.fields.map((field) => field.name)).toEqual([
      'a_B-9#',
      'x',
      'X',
      '__proto__',
      'constructor',
    ]);
  });

  it('reads leading zeros in a byte index and a size as the number they spell', () => {
    expect(layout('a:03:uint:016')).toEqual([['a', 3, 7, 16, 4]]);
  });

  it('keeps the source exactly as given and freezes the compiled format', () => {
    const source = '  a::uint:8\t b::bool:1 \n';
    const format = compileSigfoxFormat(source);
    expect(format.source).toBe(source);
    expect(Object.isFrozen(format)).toBe(true);
    expect(Object.isFrozen(format.fields)).toBe(true);
    expect(Object.isFrozen(format.fields[0])).toBe(true);
  });

  it('splits on runs of spaces and tabs and trims whitespace (a pasted line break too) at both ends', () => {
    const format = compileSigfoxFormat('\n  a::uint:8 \t  b::uint:8\t\tc::bool:0 \r\n');
    expect(format.fields.map((field) => [field.name, field.column])).toEqual([
      ['a', 4],
      ['b', 17],
      ['c', 28],
    ]);
  });
});

describe('compileSigfoxFormat: where a field starts (the cursor rules)', () => {
  it('starts implicit fields at the cursor, which begins at byte 0', () => {
    expect(layout('a::uint:8 b::uint:16 c::uint:8')).toEqual([
      ['a', 0, 7, 8, 0],
      ['b', 1, 7, 16, 2],
      ['c', 3, 7, 8, 3],
    ]);
  });

  it('starts a field with an explicit byte index there, and continues after it (rule 1)', () => {
    expect(layout('a::uint:16 b:0:uint:8 c::uint:8 d:7:uint:8 e::uint:8')).toEqual([
      ['a', 0, 7, 16, 1],
      ['b', 0, 7, 8, 0],
      ['c', 1, 7, 8, 1],
      ['d', 7, 7, 8, 7],
      ['e', 8, 7, 8, 8],
    ]);
  });

  it('keeps the cursor on the byte of a bool, so a run of bools and the next implicit field share it (rule 2)', () => {
    expect(layout('a::bool:7 b::bool:0 c::uint:8 d::bool:7 e::char:1')).toEqual([
      ['a', 0, 7, 1, 0],
      ['b', 0, 0, 1, 0],
      ['c', 0, 7, 8, 0],
      ['d', 1, 7, 1, 1],
      ['e', 1, 7, 8, 1],
    ]);
    expect(layout('a:5:bool:0 b::uint:8')).toEqual([
      ['a', 5, 0, 1, 5],
      ['b', 5, 7, 8, 5],
    ]);
  });

  it('moves past the last byte touched without an explicit bit offset, even after 4 bits (rule 3)', () => {
    expect(layout('a::uint:4 b::int:1 c::char:3 d::float:32 e::uint:9 f::uint:8')).toEqual([
      ['a', 0, 7, 4, 0],
      ['b', 1, 7, 1, 1],
      ['c', 2, 7, 24, 4],
      ['d', 5, 7, 32, 8],
      ['e', 9, 7, 9, 10],
      ['f', 11, 7, 8, 11],
    ]);
  });

  it('leaves the cursor on the last byte touched with an explicit bit offset, even offset 7 (rule 4)', () => {
    expect(layout('a::uint:4::7 b::uint:4::3 c::uint:8')).toEqual([
      ['a', 0, 7, 4, 0],
      ['b', 0, 3, 4, 0],
      ['c', 0, 7, 8, 0],
    ]);
    expect(layout('a::uint:12::3 b::uint:8')).toEqual([
      ['a', 0, 3, 12, 1],
      ['b', 1, 7, 8, 1],
    ]);
    expect(layout('a::uint:16:little-endian:7 b::uint:8')).toEqual([
      ['a', 0, 7, 16, 1],
      ['b', 1, 7, 8, 1],
    ]);
  });

  it('runs a wide field from a sub-byte offset on into the following bytes', () => {
    expect(layout('a::uint:64::0 b::float:64::3')).toEqual([
      ['a', 0, 0, 64, 8],
      ['b', 8, 3, 64, 16],
    ]);
  });
});

describe('compileSigfoxFormat: warnings that do not refuse the format', () => {
  it('warns about a field that ends beyond the 12 bytes of a Sigfox uplink', () => {
    const format = compileSigfoxFormat('a:11:uint:8 b:11:uint:16 c::uint:8');
    expect(format.warnings).toEqual([
      "field 2 'b' ends at byte 12, beyond the 12 bytes of a Sigfox uplink; it will be left out of every Sigfox payload",
      "field 3 'c' ends at byte 13, beyond the 12 bytes of a Sigfox uplink; it will be left out of every Sigfox payload",
    ]);
    expect(format.byteLength).toBe(14);
  });

  it('has no warnings for a format that fills exactly 12 bytes', () => {
    const format = compileSigfoxFormat('a::uint:64 b::float:32');
    expect(format.warnings).toEqual([]);
    expect(format.byteLength).toBe(12);
  });
});

describe('compileSigfoxFormat: refusals', () => {
  const cases: readonly { source: string; reason: SigfoxFormatReason; column: number; message: string }[] = [
    { source: '', reason: 'empty_format', column: 1, message: 'the format has no fields' },
    { source: '  \t \n', reason: 'empty_format', column: 1, message: 'the format has no fields' },
    {
      source: 'a::uint:8\nb::uint:8',
      reason: 'bad_separator',
      column: 10,
      message: 'fields must be separated by spaces or tabs, not a line break (U+000A)',
    },
    {
      source: 'a::uint:8\u00a0b::uint:8',
      reason: 'bad_separator',
      column: 10,
      message: 'not a no-break space (U+00A0)',
    },
    { source: 'temperature', reason: 'incomplete_field', column: 12, message: "e.g. 'temperature::int:16'" },
    { source: 'temp:uint', reason: 'incomplete_field', column: 10, message: "did you mean 'temp::uint'?" },
    { source: '::uint:8', reason: 'invalid_name', column: 1, message: 'the name is empty' },
    {
      source: 'temp.c::uint:8',
      reason: 'invalid_name',
      column: 5,
      message: "the name 'temp.c' contains '.'; names use only letters A-Z and a-z, digits, '_', '-' and '#'",
    },
    { source: 'température::uint:8', reason: 'invalid_name', column: 5, message: "contains 'é' (U+00E9)" },
    {
      source: 'a\u0001::uint:8',
      reason: 'invalid_name',
      column: 2,
      message: 'contains the control character U+0001',
    },
    {
      source: 'temp:uint:8',
      reason: 'invalid_byte_index',
      column: 6,
      message:
        "the byte index 'uint' is not a number; when the byte index is left out the name is followed by two colons: 'temp::uint:8'",
    },
    {
      source: 'a:-1:uint:8',
      reason: 'invalid_byte_index',
      column: 3,
      message: "the byte index '-1' must be a 0-based byte",
    },
    {
      source: 'a:::8',
      reason: 'missing_type',
      column: 4,
      message: 'the type is missing; expected bool, char, float, uint or int',
    },
    {
      source: 'a::unit:8',
      reason: 'unknown_type',
      column: 4,
      message: "unknown type 'unit'; expected bool, char, float, uint or int; did you mean 'uint'?",
    },
    { source: 'a::uint16', reason: 'unknown_type', column: 4, message: "did you mean 'uint:16'?" },
    { source: 'a::string:4', reason: 'unknown_type', column: 4, message: "did you mean 'char'?" },
    { source: 'a::double', reason: 'unknown_type', column: 4, message: "did you mean 'float:64'?" },
    {
      source: 'a::blob:4',
      reason: 'unknown_type',
      column: 4,
      message: "unknown type 'blob'; expected bool, char, float, uint or int",
    },
    { source: 'a::flaot:32', reason: 'unknown_type', column: 4, message: "did you mean 'float'?" },
    { source: 'a::bool', reason: 'missing_argument', column: 8, message: 'bool needs the bit it reads' },
    {
      source: 'a::bool:8',
      reason: 'invalid_bit',
      column: 9,
      message: "the bool bit '8' must be one digit, 0 to 7",
    },
    { source: 'a::bool:07', reason: 'invalid_bit', column: 9, message: "the bool bit '07'" },
    { source: 'a::bool:', reason: 'invalid_bit', column: 9, message: "the bool bit ''" },
    {
      source: 'a::bool:7:little-endian',
      reason: 'unexpected_argument',
      column: 10,
      message: "bool takes only a bit number; remove ':little-endian'",
    },
    {
      source: 'a::char',
      reason: 'missing_argument',
      column: 8,
      message: 'char needs the number of bytes to read',
    },
    {
      source: 'a::char:0',
      reason: 'invalid_count',
      column: 9,
      message: "the char count '0' must be a number of bytes, 1 or more",
    },
    { source: 'a::char:x', reason: 'invalid_count', column: 9, message: "the char count 'x'" },
    {
      source: 'a::char:2:big-endian',
      reason: 'unexpected_argument',
      column: 10,
      message: "char takes only a count; remove ':big-endian'",
    },
    {
      source: 'a::uint',
      reason: 'missing_argument',
      column: 8,
      message: 'uint needs a size in bits, 1 to 64',
    },
    { source: 'a::int', reason: 'missing_argument', column: 7, message: 'int needs a size in bits, 1 to 64' },
    {
      source: 'a::float',
      reason: 'missing_argument',
      column: 9,
      message: 'float needs a size in bits, 32 or 64',
    },
    {
      source: 'a::uint:0',
      reason: 'invalid_size',
      column: 9,
      message: "the uint size '0' must be a number of bits, 1 to 64",
    },
    {
      source: 'a::int:65',
      reason: 'invalid_size',
      column: 8,
      message: "the int size '65' must be a number of bits, 1 to 64",
    },
    { source: 'a::uint:', reason: 'invalid_size', column: 9, message: "the uint size ''" },
    {
      source: 'a::float:16',
      reason: 'invalid_size',
      column: 10,
      message: "the float size '16' must be 32 or 64",
    },
    {
      source: 'a::float:032',
      reason: 'invalid_size',
      column: 10,
      message: "the float size '032' must be 32 or 64",
    },
    {
      source: 'a::uint:16:le',
      reason: 'invalid_endianness',
      column: 12,
      message: "unknown endianness 'le'; expected big-endian or little-endian; did you mean 'little-endian'?",
    },
    {
      source: 'a::uint:16:bigendian',
      reason: 'invalid_endianness',
      column: 12,
      message: "did you mean 'big-endian'?",
    },
    {
      source: 'a::uint:4:3',
      reason: 'invalid_endianness',
      column: 11,
      message: "a bit offset goes after the endianness, which may be left empty: '::3'",
    },
    {
      source: 'a::uint:16::',
      reason: 'invalid_bit_offset',
      column: 12,
      message: "the bit offset after the last ':' is empty; write 0 to 7, or remove the ':'",
    },
    {
      source: 'a::uint:4::8',
      reason: 'invalid_bit_offset',
      column: 12,
      message: "the bit offset '8' must be one digit, 0 to 7",
    },
    { source: 'a::uint:4::07', reason: 'invalid_bit_offset', column: 12, message: "the bit offset '07'" },
    {
      source: 'a::uint:4::3:x',
      reason: 'unexpected_argument',
      column: 13,
      message: "nothing may follow the bit offset; remove ':x'",
    },
    {
      source: 'a::uint:12:little-endian',
      reason: 'unaligned_little_endian',
      column: 12,
      message:
        'little-endian needs a byte-aligned field (a multiple of 8 bits at bit offset 7), but 12 bits is not a whole number of bytes',
    },
    {
      source: 'a::uint:16:little-endian:3',
      reason: 'unaligned_little_endian',
      column: 12,
      message: 'but bit offset 3 does not start on a byte boundary (7)',
    },
    {
      source: 'a::int:1:LITTLE-ENDIAN',
      reason: 'unaligned_little_endian',
      column: 10,
      message: 'but 1 bit is not a whole number of bytes',
    },
    {
      source: 'a::float:32:little-endian:0',
      reason: 'unaligned_little_endian',
      column: 13,
      message: 'bit offset 0',
    },
    {
      source: 'a::uint:8 b::bool:1 a::bool:2',
      reason: 'duplicate_name',
      column: 21,
      message: "the name 'a' is already used by field 1 at column 1; names must be unique",
    },
  ];

  it.each(cases)('refuses $source with $reason at column $column', ({ source, reason, column, message }) => {
    const found = onlyIssue(source);
    expect(found.reason).toBe(reason);
    expect(found.column).toBe(column);
    expect(found.message).toContain(message);
  });

  it('is an AppError with code validation_failed, status 400 and every issue in data.issues', () => {
    const error = refusal('a::unit:8');
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('validation_failed');
    expect(error.status).toBe(400);
    expect(error.name).toBe('SigfoxFormatError');
    expect(error.data).toEqual({ issues: error.issues });
    expect(error.message).toBe(
      "invalid Sigfox payload format: field 1 'a::unit:8', column 4: unknown type 'unit'; expected bool, char, float, uint or int; did you mean 'uint'?",
    );
  });

  it('reports every problem of every field, in column order, numbering fields as written', () => {
    const error = refusal('ok::uint:8 te.mp:x:unit:8 fine::bool:1 ok::char:2 last::uint:99');
    expect(error.issues.map((found) => [found.reason, found.field, found.text, found.column])).toEqual([
      ['invalid_name', 2, 'te.mp:x:unit:8', 14],
      ['invalid_byte_index', 2, 'te.mp:x:unit:8', 18],
      ['unknown_type', 2, 'te.mp:x:unit:8', 20],
      ['duplicate_name', 4, 'ok::char:2', 40],
      ['invalid_size', 5, 'last::uint:99', 62],
    ]);
    expect(error.message).toMatch(
      /^invalid Sigfox payload format, 5 problems: \(1\) field 2 'te\.mp:x:unit:8', column 14: /,
    );
    expect(error.message).toContain("(5) field 5 'last::uint:99', column 62: the uint size '99'");
  });

  it('lists the first five problems in the message and counts the rest', () => {
    const source = Array.from({ length: 8 }, (_, i) => `f${i}::uint:0`).join(' ');
    const error = refusal(source);
    expect(error.issues).toHaveLength(8);
    expect(error.message).toContain('(5) field 5');
    expect(error.message).not.toContain('(6)');
    expect(error.message).toMatch(/; and 3 more$/);
  });

  it('counts columns in the source as given, leading whitespace included', () => {
    const found = onlyIssue('   a::uint:8  b::unit:8');
    expect(found).toEqual({
      reason: 'unknown_type',
      field: 2,
      text: 'b::unit:8',
      column: 18,
      message: "unknown type 'unit'; expected bool, char, float, uint or int; did you mean 'uint'?",
    });
  });

  it('shortens a very long field in the message but points at the exact column', () => {
    const name = 'n'.repeat(100);
    const found = onlyIssue(`${name}::uint:0`);
    expect(found.text).toHaveLength(60);
    expect(found.text.endsWith('…')).toBe(true);
    expect(found.column).toBe(108);
  });

  it('refuses what is not a string with not_a_string instead of throwing a TypeError', () => {
    for (const value of [undefined, null, 42, {}, ['a::uint:8']]) {
      expect(refusal(value).issues[0]?.reason).toBe('not_a_string');
    }
  });

  it('either compiles or refuses with a SigfoxFormatError, for any string', () => {
    const random = seeded(0x5f0c);
    const alphabet = [
      'a',
      'Z',
      '_',
      '#',
      '-',
      ':',
      '::',
      ' ',
      '\t',
      '\n',
      '0',
      '7',
      '8',
      '9',
      '16',
      '64',
      '65',
      'é',
      '.',
    ];
    const words = ['bool', 'char', 'float', 'uint', 'int', 'big-endian', 'little-endian', 'UINT', '32'];
    for (let run = 0; run < 3000; run++) {
      let source = '';
      const length = Math.floor(random() * 40);
      for (let i = 0; i < length; i++) {
        const pool = random() < 0.3 ? words : alphabet;
        source += pool[Math.floor(random() * pool.length)] ?? '';
      }
      try {
        const format = compileSigfoxFormat(source);
        expect(format.fields.length).toBeGreaterThan(0);
      } catch (error) {
        expect(error).toBeInstanceOf(SigfoxFormatError);
        if (!(error instanceof SigfoxFormatError)) throw error;
        expect(error.issues.length).toBeGreaterThan(0);
        for (const found of error.issues) {
          expect(found.column).toBeGreaterThanOrEqual(1);
          expect(found.column).toBeLessThanOrEqual(source.length + 1);
        }
      }
    }
  });
});

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
