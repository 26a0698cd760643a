/**
 * The Sigfox custom-payload grammar (docs/CODECS-SIGFOX.md): a format string such as
 * `temperature::int:16:little-endian humidity::uint:8 flag::bool:7` compiled once into a
 * list of fields whose every position is already resolved, so that decoding a payload is a
 * walk over that list and nothing else.
 *
 * The grammar is written in ABNF (RFC 5234), so its quoted keywords (`uint`, `big-endian` …)
 * match in any ASCII case [RFC 5234 §2.3]; names are kept exactly as written.
 */
import { SigfoxFormatError, type SigfoxFormatIssue, type SigfoxFormatReason } from './sigfox-format-error.js';

export type SigfoxFieldType = 'bool' | 'char' | 'float' | 'uint' | 'int';

/** One field of a compiled format, with its position resolved by the cursor rules. */
export interface SigfoxField {
  /** The key of the field in decoded data, exactly as written. */
  readonly name: string;
  readonly type: SigfoxFieldType;
  /** The byte the field starts at (0-based), explicit or taken from the cursor. */
  readonly byte: number;
  /** The first bit read in the start byte, 7 = most significant; for a bool, the bit it reads. */
  readonly bitOffset: number;
  /** Bits read: 1 for bool, 8 per character for char, 32 or 64 for float, the size for uint/int. */
  readonly bits: number;
  /** Bytes reversed (only byte-aligned fields may be little-endian). */
  readonly littleEndian: boolean;
  /** The last byte the field touches: a payload of `lastByte` bytes or fewer leaves it out. */
  readonly lastByte: number;
  /** 1-based column where the field starts in the source. */
  readonly column: number;
}

/** Sigfox uplinks carry at most 12 bytes. */
export const SIGFOX_MAX_UPLINK_BYTES = 12;

/** A compiled format; only `compileSigfoxFormat` makes them, and only they can be decoded. */
export class SigfoxFormat {
  /** The format exactly as given. */
  readonly source: string;
  readonly fields: readonly SigfoxField[];
  /** Bytes a payload needs for every field to be decoded. */
  readonly byteLength: number;
  /**
   * Valid but suspicious: fields that end beyond the 12 bytes of a Sigfox uplink, and so are
   * left out of every real payload. Worth showing when the format is saved; not a refusal.
   */
  readonly warnings: readonly string[];
  readonly #compiled = true;

  constructor(source: string, fields: readonly SigfoxField[], warnings: readonly string[]) {
    this.source = source;
    this.fields = Object.freeze(fields.map((field) => Object.freeze({ ...field })));
    this.byteLength = fields.reduce((length, field) => Math.max(length, field.lastByte + 1), 0);
    this.warnings = Object.freeze([...warnings]);
    Object.freeze(this);
  }

  /** Whether `value` was made by `compileSigfoxFormat` (a look-alike object is not). */
  static isCompiled(value: unknown): value is SigfoxFormat {
    return typeof value === 'object' && value !== null && #compiled in value;
  }
}

/**
 * Parses and validates a Sigfox custom-payload format, resolving each field's position.
 * Throws a `SigfoxFormatError` (`validation_failed`) listing every problem with its field and column.
 *
 * @example
 * const format = compileSigfoxFormat('Speed::uint:8 Direction::uint:4 Status:1:uint:4::3');
 * decodeSigfoxPayload(format, Uint8Array.of(0x3c, 0x5a)).data; // { Speed: 60, Direction: 5, Status: 10 }
 */
export function compileSigfoxFormat(source: string): SigfoxFormat {
  if (typeof source !== 'string') {
    throw new SigfoxFormatError([
      issue('not_a_string', null, '', 0, `the format must be a string, not ${describeValue(source)}`),
    ]);
  }
  const issues: SigfoxFormatIssue[] = [];
  const parsed: ParsedField[] = [];
  const seen = new Map<string, ParsedField>();
  let number = 0;
  for (const token of tokenize(source, issues)) {
    number++;
    const field = parseField(source, token, number, issues);
    if (field === undefined) continue;
    const first = seen.get(field.name);
    if (first !== undefined) {
      issues.push(
        issue(
          'duplicate_name',
          field.number,
          field.text,
          field.start,
          `the name '${field.name}' is already used by field ${first.number} at column ${first.start + 1}; names must be unique`,
        ),
      );
      continue;
    }
    seen.set(field.name, field);
    parsed.push(field);
  }
  if (issues.length === 0 && parsed.length === 0) {
    issues.push(
      issue(
        'empty_format',
        null,
        '',
        0,
        "the format has no fields; write at least one, e.g. 'temperature::int:16'",
      ),
    );
  }
  if (issues.length > 0) throw new SigfoxFormatError(issues.sort((a, b) => a.column - b.column));
  return resolve(source, parsed);
}

/** A field as written, before the cursor rules give it a position. */
interface ParsedField {
  readonly number: number;
  readonly text: string;
  /** Index of the field's first character in the source. */
  readonly start: number;
  readonly name: string;
  readonly type: SigfoxFieldType;
  readonly byte: number | undefined;
  readonly bits: number;
  readonly bitOffset: number | undefined;
  readonly littleEndian: boolean;
}

interface Token {
  readonly start: number;
  readonly end: number;
}

interface Part {
  readonly text: string;
  /** Index of the part's first character in the source. */
  readonly at: number;
}

const TYPES: readonly SigfoxFieldType[] = ['bool', 'char', 'float', 'uint', 'int'];
const TYPE_LIST = 'bool, char, float, uint or int';
const DIGITS = /^[0-9]+$/;
const NAME_CHAR = /^[A-Za-z0-9_#-]$/;
const TEXT_LIMIT = 60;

/**
 * Splits the trimmed source on runs of spaces and tabs (`1*WSP`). Any other whitespace
 * between fields (a line break, a no-break space pasted from a web page) is reported and
 * then treated as a separator, so the fields after it are still checked.
 */
function* tokenize(source: string, issues: SigfoxFormatIssue[]): Generator<Token> {
  // "trim the ends": any whitespace, so a pasted trailing newline is no problem.
  let begin = 0;
  let end = source.length;
  while (begin < end && isWhitespace(source.charCodeAt(begin))) begin++;
  while (end > begin && isWhitespace(source.charCodeAt(end - 1))) end--;
  let start = -1;
  for (let i = begin; i <= end; i++) {
    const code = i < end ? source.charCodeAt(i) : 0x20;
    if (!isWhitespace(code)) {
      if (start < 0) start = i;
      continue;
    }
    if (code !== 0x20 && code !== 0x09) {
      issues.push(
        issue(
          'bad_separator',
          null,
          '',
          i,
          `fields must be separated by spaces or tabs, not ${describeChar(source, i)}`,
        ),
      );
    }
    if (start >= 0) yield { start, end: i };
    start = -1;
  }
}

function isWhitespace(code: number): boolean {
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

function splitParts(source: string, token: Token): Part[] {
  const parts: Part[] = [];
  let at = token.start;
  for (let i = token.start; i <= token.end; i++) {
    if (i === token.end || source.charCodeAt(i) === 0x3a) {
      parts.push({ text: source.slice(at, i), at });
      at = i + 1;
    }
  }
  return parts;
}

/**
 * Reads one `name ":" [byte-index] ":" type`, reporting every independent problem in it.
 * `number` is 1-based and counts every field written, good or bad.
 */
function parseField(
  source: string,
  token: Token,
  number: number,
  issues: SigfoxFormatIssue[],
): ParsedField | undefined {
  const raw = source.slice(token.start, token.end);
  const text = raw.length > TEXT_LIMIT ? `${raw.slice(0, TEXT_LIMIT - 1)}…` : raw;
  const before = issues.length;
  const report = (reason: SigfoxFormatReason, at: number, message: string): void => {
    issues.push(issue(reason, number, text, at, message));
  };
  const parts = splitParts(source, token);
  const [namePart, indexPart, typePart] = parts;
  if (namePart === undefined || indexPart === undefined || typePart === undefined) {
    const example = namePart !== undefined && isName(namePart.text) ? namePart.text : 'temperature';
    const guess =
      indexPart !== undefined && isTypeKeyword(indexPart.text)
        ? `; did you mean '${example}::${raw.slice(indexPart.at - token.start)}'?`
        : `, e.g. '${example}::int:16'`;
    report(
      'incomplete_field',
      token.end,
      `a field is name:byte-index:type with the byte index optional (two colons when it is left out)${guess}`,
    );
    return undefined;
  }

  checkName(namePart, report);

  let byte: number | undefined;
  if (indexPart.text !== '') {
    if (DIGITS.test(indexPart.text)) byte = Number(indexPart.text);
    else if (isTypeKeyword(indexPart.text)) {
      // `temp:uint:8`: the most common slip. Say what was meant instead of also calling '8' a bad type.
      report(
        'invalid_byte_index',
        indexPart.at,
        `the byte index '${indexPart.text}' is not a number; when the byte index is left out the name is followed by two colons: '${namePart.text}::${raw.slice(indexPart.at - token.start)}'`,
      );
      return undefined;
    } else {
      report(
        'invalid_byte_index',
        indexPart.at,
        `the byte index '${indexPart.text}' must be a 0-based byte number, or empty to continue after the previous field`,
      );
    }
  }

  const typed = parseType(parts, typePart, report);
  if (issues.length > before || typed === undefined) return undefined;
  return { number, text, start: token.start, name: namePart.text, byte, ...typed };
}

type Report = (reason: SigfoxFormatReason, at: number, message: string) => void;

function checkName(part: Part, report: Report): void {
  if (part.text === '') {
    report('invalid_name', part.at, "the name is empty; write it before the first ':'");
    return;
  }
  for (let i = 0; i < part.text.length; i++) {
    if (!NAME_CHAR.test(part.text.charAt(i))) {
      report(
        'invalid_name',
        part.at + i,
        `the name '${part.text}' contains ${describeChar(part.text, i)}; names use only letters A-Z and a-z, digits, '_', '-' and '#'`,
      );
      return;
    }
  }
}

function isName(text: string): boolean {
  return text !== '' && [...text].every((char) => NAME_CHAR.test(char));
}

interface TypedPart {
  readonly type: SigfoxFieldType;
  readonly bits: number;
  readonly bitOffset: number | undefined;
  readonly littleEndian: boolean;
}

function parseType(parts: readonly Part[], typePart: Part, report: Report): TypedPart | undefined {
  const keyword = asciiLower(typePart.text);
  const type = TYPES.find((candidate) => candidate === keyword);
  if (typePart.text === '') {
    report('missing_type', typePart.at, `the type is missing; expected ${TYPE_LIST}`);
    return undefined;
  }
  if (type === undefined) {
    report(
      'unknown_type',
      typePart.at,
      `unknown type '${typePart.text}'; expected ${TYPE_LIST}${suggestType(typePart.text)}`,
    );
    return undefined;
  }
  const args = parts.slice(3);
  const end = typePart.at + typePart.text.length;
  switch (type) {
    case 'bool':
      return parseBool(args, end, report);
    case 'char':
      return parseChar(args, end, report);
    default:
      return parseNumeric(type, args, end, report);
  }
}

function parseBool(args: readonly Part[], end: number, report: Report): TypedPart | undefined {
  const [bit, extra] = args;
  if (bit === undefined) {
    report(
      'missing_argument',
      end,
      "bool needs the bit it reads, 0 to 7 with 7 the most significant, e.g. 'flag::bool:7'",
    );
    return undefined;
  }
  // One digit, like bit-offset.
  if (!/^[0-7]$/.test(bit.text)) {
    report(
      'invalid_bit',
      bit.at,
      `the bool bit '${bit.text}' must be one digit, 0 to 7 (7 is the most significant bit)`,
    );
    return undefined;
  }
  if (extra !== undefined) {
    report(
      'unexpected_argument',
      extra.at - 1,
      `bool takes only a bit number; remove ':${joinParts(args.slice(1))}'`,
    );
    return undefined;
  }
  return { type: 'bool', bits: 1, bitOffset: Number(bit.text), littleEndian: false };
}

function parseChar(args: readonly Part[], end: number, report: Report): TypedPart | undefined {
  const [count, extra] = args;
  if (count === undefined) {
    report('missing_argument', end, "char needs the number of bytes to read, e.g. 'label::char:6'");
    return undefined;
  }
  // The spec leaves the count's range open; a field of no bytes has no value and no place.
  if (!DIGITS.test(count.text) || Number(count.text) < 1) {
    report('invalid_count', count.at, `the char count '${count.text}' must be a number of bytes, 1 or more`);
    return undefined;
  }
  if (extra !== undefined) {
    report(
      'unexpected_argument',
      extra.at - 1,
      `char takes only a count; remove ':${joinParts(args.slice(1))}'`,
    );
    return undefined;
  }
  return { type: 'char', bits: Number(count.text) * 8, bitOffset: undefined, littleEndian: false };
}

/** `float:32|64`, `uint:bits`, `int:bits`, each with `[":" [endian] [":" bit-offset]]`. */
function parseNumeric(
  type: 'float' | 'uint' | 'int',
  args: readonly Part[],
  end: number,
  report: Report,
): TypedPart | undefined {
  const [size, endian, offset, extra] = args;
  if (size === undefined) {
    const example = type === 'float' ? "'value::float:32'" : `'value::${type}:16'`;
    const range = type === 'float' ? '32 or 64' : '1 to 64';
    report('missing_argument', end, `${type} needs a size in bits, ${range}, e.g. ${example}`);
    return undefined;
  }
  let bits: number | undefined;
  if (type === 'float') {
    if (size.text === '32' || size.text === '64') bits = Number(size.text);
    else report('invalid_size', size.at, `the float size '${size.text}' must be 32 or 64`);
  } else if (DIGITS.test(size.text) && Number(size.text) >= 1 && Number(size.text) <= 64) {
    bits = Number(size.text);
  } else {
    report('invalid_size', size.at, `the ${type} size '${size.text}' must be a number of bits, 1 to 64`);
  }

  let littleEndian = false;
  let endianOk = true;
  if (endian !== undefined && endian.text !== '') {
    const word = asciiLower(endian.text);
    if (word === 'little-endian') littleEndian = true;
    else if (word !== 'big-endian') {
      endianOk = false;
      report(
        'invalid_endianness',
        endian.at,
        `unknown endianness '${endian.text}'; expected big-endian or little-endian${suggestEndian(endian.text)}`,
      );
    }
  }

  let bitOffset: number | undefined;
  let offsetOk = true;
  if (offset !== undefined) {
    // bit-offset = "0" / … / "7": exactly one digit.
    if (/^[0-7]$/.test(offset.text)) bitOffset = Number(offset.text);
    else {
      offsetOk = false;
      const message =
        offset.text === ''
          ? "the bit offset after the last ':' is empty; write 0 to 7, or remove the ':'"
          : `the bit offset '${offset.text}' must be one digit, 0 to 7 (the first bit read in the start byte, 7 the most significant)`;
      report('invalid_bit_offset', offset.text === '' ? offset.at - 1 : offset.at, message);
    }
  }
  if (extra !== undefined) {
    report(
      'unexpected_argument',
      extra.at - 1,
      `nothing may follow the bit offset; remove ':${joinParts(args.slice(3))}'`,
    );
    return undefined;
  }
  if (bits === undefined || !endianOk || !offsetOk) return undefined;

  // Little-endian reverses whole bytes; the spec leaves anything else undefined, so refuse it.
  if (littleEndian && (bits % 8 !== 0 || (bitOffset !== undefined && bitOffset !== 7))) {
    const why =
      bits % 8 !== 0
        ? `${bits} bit${bits === 1 ? '' : 's'} is not a whole number of bytes`
        : `bit offset ${bitOffset} does not start on a byte boundary (7)`;
    report(
      'unaligned_little_endian',
      endian?.at ?? end,
      `little-endian needs a byte-aligned field (a multiple of 8 bits at bit offset 7), but ${why}`,
    );
    return undefined;
  }
  return { type, bits, bitOffset, littleEndian };
}

/** Applies the cursor rules of the spec ("Where a field starts") to every field. */
function resolve(source: string, parsed: readonly ParsedField[]): SigfoxFormat {
  const fields: SigfoxField[] = [];
  const warnings: string[] = [];
  let cursor = 0;
  for (const field of parsed) {
    // Rule 1: an explicit byte index, otherwise the cursor.
    const byte = field.byte ?? cursor;
    let bitOffset: number;
    let lastByte: number;
    if (field.type === 'bool') {
      // Rule 2: a bool reads one bit and leaves the cursor on its byte.
      bitOffset = field.bitOffset ?? 7;
      lastByte = byte;
      cursor = byte;
    } else {
      bitOffset = field.bitOffset ?? 7;
      // Bits are read from the bit offset down, then on into the following bytes.
      lastByte = byte + Math.floor((7 - bitOffset + field.bits - 1) / 8);
      // Rule 3: no explicit bit offset, the cursor moves past the last byte touched;
      // rule 4: with one, it stays on that byte so that sub-byte fields can be packed.
      cursor = field.bitOffset === undefined ? lastByte + 1 : lastByte;
    }
    fields.push({
      name: field.name,
      type: field.type,
      byte,
      bitOffset,
      bits: field.bits,
      littleEndian: field.littleEndian,
      lastByte,
      column: field.start + 1,
    });
    if (lastByte >= SIGFOX_MAX_UPLINK_BYTES) {
      warnings.push(
        `field ${field.number} '${field.name}' ends at byte ${lastByte}, beyond the ${SIGFOX_MAX_UPLINK_BYTES} bytes of a Sigfox uplink; it will be left out of every Sigfox payload`,
      );
    }
  }
  return new SigfoxFormat(source, fields, warnings);
}

function issue(
  reason: SigfoxFormatReason,
  field: number | null,
  text: string,
  at: number,
  message: string,
): SigfoxFormatIssue {
  return { reason, field, text, column: at + 1, message };
}

function joinParts(parts: readonly Part[]): string {
  return parts.map((part) => part.text).join(':');
}

function isTypeKeyword(text: string): boolean {
  const word = asciiLower(text);
  return TYPES.some((type) => type === word);
}

/** ASCII-only lower case, as RFC 5234 compares quoted strings (`toLowerCase` would map U+212A KELVIN SIGN to 'k'). */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (char) => String.fromCharCode(char.charCodeAt(0) + 32));
}

const TYPE_ALIASES: Readonly<Record<string, string>> = {
  boolean: 'bool',
  bit: 'bool',
  string: 'char',
  str: 'char',
  ascii: 'char',
  text: 'char',
  double: 'float:64',
  single: 'float:32',
  integer: 'int',
  unsigned: 'uint',
};

function suggestType(text: string): string {
  const word = asciiLower(text);
  const sized = /^(u?int|float)(\d+)$/.exec(word);
  if (sized !== null) return `; did you mean '${sized[1]}:${sized[2]}'?`;
  const alias = TYPE_ALIASES[word];
  if (alias !== undefined) return `; did you mean '${alias}'?`;
  const near = TYPES.find((type) => distance(type, word) <= (word.length <= 4 ? 1 : 2));
  return near === undefined ? '' : `; did you mean '${near}'?`;
}

function suggestEndian(text: string): string {
  const word = asciiLower(text);
  if (/^[0-7]$/.test(word)) {
    return `; a bit offset goes after the endianness, which may be left empty: '::${word}'`;
  }
  if (word === 'le' || word === 'little' || distance(word, 'little-endian') <= 3)
    return "; did you mean 'little-endian'?";
  if (word === 'be' || word === 'big' || distance(word, 'big-endian') <= 3)
    return "; did you mean 'big-endian'?";
  return '';
}

/**
 * Edit distance counting a swap of neighbours as one edit (optimal string alignment), for
 * "did you mean" hints: `unit` is one edit from `uint`.
 */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Number.POSITIVE_INFINITY;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [];
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const cost = a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1;
      let best = Math.min(
        (rows[i - 1]?.[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (rows[i - 1]?.[j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a.charAt(i - 1) === b.charAt(j - 2) && a.charAt(i - 2) === b.charAt(j - 1)) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

const CHAR_NAMES: Readonly<Record<number, string>> = {
  9: 'a tab',
  10: 'a line break (U+000A)',
  13: 'a carriage return (U+000D)',
  32: 'a space',
  160: 'a no-break space (U+00A0)',
  65279: 'a byte order mark (U+FEFF)',
};

function describeChar(text: string, index: number): string {
  const code = text.charCodeAt(index);
  const named = CHAR_NAMES[code];
  if (named !== undefined) return named;
  if (code > 0x20 && code < 0x7f) return `'${text.charAt(index)}'`;
  const point = text.codePointAt(index) ?? code;
  const hex = point.toString(16).toUpperCase().padStart(4, '0');
  return point >= 0xa0 ? `'${String.fromCodePoint(point)}' (U+${hex})` : `the control character U+${hex}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
