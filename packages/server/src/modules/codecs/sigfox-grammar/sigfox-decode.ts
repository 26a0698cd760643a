/**
 * Decoding a payload with a compiled Sigfox format. Runs on every captured message, so it
 * allocates nothing beyond the result: positions were resolved at compile time, bits are
 * read with plain arithmetic, and BigInt appears only for the rare integer that must
 * become a decimal string anyway.
 */
import type { DecodeResult } from '../codec.js';
import { type SigfoxField, SigfoxFormat } from './sigfox-format.js';

const NONE: readonly string[] = Object.freeze([]);

const TWO_POW_21 = 2 ** 21;
const TWO_POW_32 = 2 ** 32;

/** Reused to reinterpret bits as IEEE 754; decoding never re-enters, so one is enough. */
const scratch = new DataView(new ArrayBuffer(8));

/**
 * Decodes `bytes` with a compiled format. Never throws: a field that runs past the end of
 * the payload, or a float JSON cannot carry, is left out with a warning; inputs that are
 * not a compiled format and bytes give `data: null` and an error.
 */
export function decodeSigfoxPayload(format: SigfoxFormat, bytes: Uint8Array): DecodeResult {
  if (!SigfoxFormat.isCompiled(format)) {
    return {
      data: null,
      warnings: NONE,
      errors: ['the Sigfox format was not compiled by compileSigfoxFormat'],
    };
  }
  if (!(bytes instanceof Uint8Array)) {
    return { data: null, warnings: NONE, errors: ['the payload must be a Uint8Array'] };
  }
  const data: Record<string, unknown> = {};
  let warnings: string[] | undefined;
  const fields = format.fields;
  const length = bytes.length;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    if (field === undefined) continue;
    // "A field that runs past the end of the payload is left out and reported as a warning."
    if (field.lastByte >= length) {
      warnings = appended(warnings, pastTheEnd(field, length));
      continue;
    }
    let value: boolean | number | string;
    switch (field.type) {
      case 'bool':
        value = (((bytes[field.byte] ?? 0) >>> field.bitOffset) & 1) === 1;
        break;
      case 'char':
        value = readChars(bytes, field.byte, field.bits >>> 3);
        break;
      case 'float':
        value = readFloat(bytes, field);
        // JSON has no NaN or Infinity; the spec's only remedy for a field it cannot give is to leave it out.
        if (!Number.isFinite(value)) {
          warnings = appended(
            warnings,
            `field '${field.name}' is ${value}, which JSON cannot carry; the field is left out`,
          );
          continue;
        }
        break;
      default:
        value = readInteger(bytes, field);
    }
    if (field.name === '__proto__') {
      // A legal name (letters, digits, '_'): assigning it would set the prototype instead.
      Object.defineProperty(data, field.name, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      data[field.name] = value;
    }
  }
  return { data, warnings: warnings ?? NONE, errors: NONE };
}

/** Warnings are rare: the list is made only for a payload that has one. */
function appended(warnings: string[] | undefined, warning: string): string[] {
  if (warnings === undefined) return [warning];
  warnings.push(warning);
  return warnings;
}

function pastTheEnd(field: SigfoxField, length: number): string {
  const span =
    field.lastByte === field.byte ? `byte ${field.byte}` : `bytes ${field.byte} to ${field.lastByte}`;
  return `field '${field.name}' needs ${span} but the payload has ${length} byte${length === 1 ? '' : 's'}; the field is left out`;
}

/** The bit position of a field's first bit, counting from the most significant bit of byte 0. */
function firstBit(field: SigfoxField): number {
  return field.byte * 8 + 7 - field.bitOffset;
}

/**
 * Reads `count` (at most 53) bits most-significant first from bit position `position`.
 * Multiplication rather than shifts, because shifts stop at 32 bits.
 */
function readBits(bytes: Uint8Array, position: number, count: number): number {
  let value = 0;
  let at = position;
  let remaining = count;
  while (remaining > 0) {
    const available = 8 - (at & 7);
    const take = Math.min(remaining, available);
    const chunk = ((bytes[at >>> 3] ?? 0) >>> (available - take)) & ((1 << take) - 1);
    value = value * (1 << take) + chunk;
    at += take;
    remaining -= take;
  }
  return value;
}

/** Reads `count` (at most 6) bytes least-significant first. */
function readLittle(bytes: Uint8Array, start: number, count: number): number {
  let value = 0;
  for (let i = start + count - 1; i >= start; i--) value = value * 256 + (bytes[i] ?? 0);
  return value;
}

function readInteger(bytes: Uint8Array, field: SigfoxField): number | string {
  const bits = field.bits;
  const signed = field.type === 'int';
  if (bits <= 53) {
    const unsigned = field.littleEndian
      ? readLittle(bytes, field.byte, bits >>> 3)
      : readBits(bytes, firstBit(field), bits);
    // Two's complement: the top bit weighs -2^(bits-1).
    return signed && unsigned >= 2 ** (bits - 1) ? unsigned - 2 ** bits : unsigned;
  }
  // 54 to 64 bits: a high part of bits-32 bits and a low part of 32, both exact doubles.
  let high: number;
  let low: number;
  if (field.littleEndian) {
    low = readLittle(bytes, field.byte, 4);
    high = readLittle(bytes, field.byte + 4, (bits >>> 3) - 4);
  } else {
    const position = firstBit(field);
    high = readBits(bytes, position, bits - 32);
    low = readBits(bytes, position + bits - 32, 32);
  }
  const highBits = bits - 32;
  if (signed && high >= 2 ** (highBits - 1)) high -= 2 ** highBits;
  // "Integers above 2^53 cannot be JSON numbers: emit a decimal string." |value| <= 2^53
  // exactly when high > -2^21 - 1 and (high < 2^21, or the value is 2^53 itself).
  if (high >= -TWO_POW_21 && (high < TWO_POW_21 || (high === TWO_POW_21 && low === 0))) {
    return high * TWO_POW_32 + low;
  }
  return (BigInt(high) * 4294967296n + BigInt(low)).toString();
}

function readFloat(bytes: Uint8Array, field: SigfoxField): number {
  if (field.bits === 32) {
    const word = field.littleEndian ? readLittle(bytes, field.byte, 4) : readBits(bytes, firstBit(field), 32);
    scratch.setUint32(0, word);
    // A binary32 widened to the double it denotes exactly (no rounding to a short decimal).
    return scratch.getFloat32(0);
  }
  if (field.littleEndian) {
    scratch.setUint32(4, readLittle(bytes, field.byte, 4));
    scratch.setUint32(0, readLittle(bytes, field.byte + 4, 4));
  } else {
    const position = firstBit(field);
    scratch.setUint32(0, readBits(bytes, position, 32));
    scratch.setUint32(4, readBits(bytes, position + 32, 32));
  }
  return scratch.getFloat64(0);
}

/** One character per byte, the byte's value as its code point (ASCII, and Latin-1 above it). */
function readChars(bytes: Uint8Array, start: number, count: number): string {
  let text = '';
  for (let i = start; i < start + count; i++) text += String.fromCharCode(bytes[i] ?? 0);
  return text;
}
