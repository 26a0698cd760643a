import { beforeAll, describe, expect, it } from 'vitest';
import type { JavaScriptSandbox } from './javascript-sandbox.js';
import { JavaScriptSandbox as Sandbox } from './javascript-sandbox.js';
import { sandboxErrorCode } from './sandbox-limits.js';
import { validateJavaScriptCodec } from './validate-javascript-codec.js';

let sandbox: JavaScriptSandbox;
beforeAll(async () => {
  sandbox = await Sandbox.create();
});

const uplink = (bytes: number[], fPort = 1) => ({
  bytes: Uint8Array.from(bytes),
  fPort,
  recvTime: 1_700_000_000_000,
});
const codes = (errors: readonly string[]) => errors.map((entry) => sandboxErrorCode(entry));

describe('TS013 and legacy forms', () => {
  it('decodes with decodeUplink, seeing bytes as a plain array, recvTime as a Date and variables', () => {
    const codec = sandbox.compile(`
      function decodeUplink(input) {
        return {
          data: {
            isArray: Array.isArray(input.bytes),
            proto: Object.getPrototypeOf(input.bytes) === Array.prototype,
            sum: input.bytes.reduce(function (a, b) { return a + b; }, 0),
            fPort: input.fPort,
            recv: input.recvTime instanceof Date ? input.recvTime.toISOString() : 'not a date',
            unit: input.variables.unit,
          },
          warnings: ['low battery'],
        };
      }`);
    const result = codec.decodeUplink({ ...uplink([1, 2, 250], 7), variables: { unit: 'C' } });
    expect(result).toEqual({
      data: {
        isArray: true,
        proto: true,
        sum: 253,
        fPort: 7,
        recv: '2023-11-14T22:13:20.000Z',
        unit: 'C',
      },
      warnings: ['low battery'],
      errors: [],
    });
  });

  it('returns no data when the codec reports errors, as TTN and ChirpStack do', () => {
    const codec = sandbox.compile(
      `function decodeUplink() { return { data: { partial: 1 }, errors: ['unknown frame type'], warnings: [] }; }`,
    );
    expect(codec.decodeUplink(uplink([1]))).toEqual({
      data: null,
      warnings: [],
      errors: ['unknown frame type'],
    });
  });

  it('runs the legacy Decoder(bytes, port) and takes its return value as the data', () => {
    const codec = sandbox.compile(
      `function Decoder(bytes, port) { return { first: bytes[0], port: port }; }`,
    );
    expect(codec.decodeUplink(uplink([9], 3))).toEqual({
      data: { first: 9, port: 3 },
      warnings: [],
      errors: [],
    });
  });

  it('runs ChirpStack v3 Decode(fPort, bytes, variables) and Encode(fPort, obj, variables)', () => {
    const codec = sandbox.compile(`
      function Decode(fPort, bytes, variables) { return { port: fPort, b: bytes[1], v: variables.k }; }
      function Encode(fPort, obj, variables) { return [fPort, obj.level]; }`);
    expect(codec.decodeUplink({ ...uplink([1, 2], 5), variables: { k: 'x' } }).data).toEqual({
      port: 5,
      b: 2,
      v: 'x',
    });
    const encoded = codec.encodeDownlink({ data: { level: 200 }, fPort: 4 });
    expect(encoded.errors).toEqual([]);
    expect(Array.from(encoded.bytes ?? [])).toEqual([4, 200]);
    expect(encoded.fPort).toBe(4);
  });

  it('encodes with encodeDownlink and decodes downlinks with decodeDownlink', () => {
    const codec = sandbox.compile(`
      function encodeDownlink(input) { return { bytes: [input.data.on ? 1 : 0, input.variables.id | 0], fPort: 10 }; }
      function decodeDownlink(input) { return { data: { on: input.bytes[0] === 1, port: input.fPort } }; }`);
    const encoded = codec.encodeDownlink({ data: { on: true }, variables: { id: '7' } });
    expect(encoded).toEqual({ bytes: Uint8Array.of(1, 7), fPort: 10, warnings: [], errors: [] });
    expect(codec.decodeDownlink({ bytes: Uint8Array.of(1), fPort: 10 })).toEqual({
      data: { on: true, port: 10 },
      warnings: [],
      errors: [],
    });
  });

  it('passes extra input keys to every codec function; the defined keys win over extras of the same name', () => {
    const codec = sandbox.compile(`
      function decodeUplink(input) { return { data: { site: input.site, port: input.fPort, year: input.recvTime.getUTCFullYear(), inherited: input.polluted === undefined } }; }
      function encodeDownlink(input) { return { bytes: [input.data.v, input.priority === 'high' ? 1 : 0] }; }
      function decodeDownlink(input) { return { data: { first: input.bytes[0], source: input.source } }; }`);
    const decoded = codec.decodeUplink({
      ...uplink([1], 5),
      // As a JSON body gives it: "__proto__" is a plain key there, and must stay one.
      extra: JSON.parse('{"site":{"hall":3},"fPort":99,"recvTime":"garbage","__proto__":{"polluted":1}}'),
    });
    expect(decoded).toEqual({
      data: { site: { hall: 3 }, port: 5, year: 2023, inherited: true },
      warnings: [],
      errors: [],
    });
    expect(
      codec.encodeDownlink({ data: { v: 9 }, extra: { priority: 'high', data: 'ignored' } }).bytes,
    ).toEqual(Uint8Array.of(9, 1));
    expect(codec.decodeDownlink({ bytes: Uint8Array.of(4), extra: { source: 'console' } }).data).toEqual({
      first: 4,
      source: 'console',
    });
  });

  it('runs a strict codec that adds helpers to Object.prototype, Array.prototype and Number.prototype', () => {
    // The style of some vendor codecs: small helpers hung on the built-ins, in strict mode.
    const codec = sandbox.compile(`"use strict";
      Array.prototype.readInt16BE = function (offset) {
        var value = (this[offset] << 8) | this[offset + 1];
        return value & 0x8000 ? value - 0x10000 : value;
      };
      Object.prototype.isOneOf = function (list) { return list.indexOf(this.valueOf()) !== -1; };
      Number.prototype.toPrecise = function (digits) { return Number(this.toFixed(digits)); };
      function decodeUplink(input) {
        if (!input.fPort.isOneOf([1, 2])) return { errors: ['unknown fPort ' + input.fPort] };
        return { data: { temperature: (input.bytes.readInt16BE(0) / 100).toPrecise(1), battery: input.bytes[2] / 10 } };
      }`);
    expect(codec.decodeUplink(uplink([0xf8, 0x30, 36]))).toEqual({
      data: { temperature: -20, battery: 3.6 },
      warnings: [],
      errors: [],
    });
    expect(codec.decodeUplink(uplink([0x08, 0x66, 33], 9)).errors).toEqual(['unknown fPort 9']);
  });

  it('calls codec functions as a script does: this is the global object, where top-level declarations live', () => {
    // TTN-style codec calling its helpers and tables through this.
    const sloppy = sandbox.compile(`
      var UNITS = { 1: 'celsius', 2: 'fahrenheit' };
      function readUint16(bytes, offset) { return (bytes[offset] << 8) | bytes[offset + 1]; }
      function decodeUplink(input) {
        this.calls = (this.calls || 0) + 1;
        return { data: { value: this.readUint16(input.bytes, 1) / 10, unit: this.UNITS[input.bytes[0]],
          same: this === globalThis, calls: calls, declared: Object.keys(globalThis).indexOf('readUint16') !== -1 } };
      }`);
    const expected = { value: 21.5, unit: 'celsius', same: true, calls: 1, declared: true };
    expect(sloppy.decodeUplink(uplink([1, 0x00, 0xd7]))).toEqual({
      data: expected,
      warnings: [],
      errors: [],
    });
    // Each call starts afresh: the counter written through this does not survive.
    expect(sloppy.decodeUplink(uplink([1, 0x00, 0xd7])).data).toEqual(expected);
    const legacy = sandbox.compile(`
      function scale(x) { return x * 2; }
      function Decoder(bytes, port) { return { doubled: this.scale(bytes[0]), port: port }; }`);
    expect(legacy.decodeUplink(uplink([4], 3)).data).toEqual({ doubled: 8, port: 3 });
    const strict = sandbox.compile(`'use strict';
      function decodeUplink(input) { return { data: { thisIs: typeof this } }; }`);
    expect(strict.decodeUplink(uplink([1])).data).toEqual({ thisIs: 'undefined' });
    // A write through the global object is a write to the binding, and the other way round.
    const writes = sandbox.compile(`var total = 0;
      function decodeUplink(input) { this.total = 7; var seen = total; total = 9; return { data: [seen, this.total] }; }`);
    expect(writes.decodeUplink(uplink([1])).data).toEqual([7, 9]);
    // A function declared in a block is a var of the script in sloppy code only (Annex B).
    const block = `if (true) { function inner() { return 1; } }
      function decodeUplink() { return { data: typeof globalThis.inner }; }`;
    expect(sandbox.compile(block).decodeUplink(uplink([1])).data).toBe('function');
    expect(sandbox.compile(`'use strict'; ${block}`).decodeUplink(uplink([1]))).toEqual({
      data: 'undefined',
      warnings: [],
      errors: [],
    });
  });

  it('runs the legacy Encoder(object, port)', () => {
    const codec = sandbox.compile(`function Encoder(object, port) { return [object.a, port]; }`);
    expect(codec.encodeDownlink({ data: { a: 3 }, fPort: 2 })).toEqual({
      bytes: Uint8Array.of(3, 2),
      fPort: 2,
      warnings: [],
      errors: [],
    });
  });

  it('answers codec_missing_function for a function the script does not define', () => {
    const codec = sandbox.compile(`function decodeUplink() { return { data: {} }; }`);
    expect(codes(codec.decodeDownlink({ bytes: Uint8Array.of(1) }).errors)).toEqual([
      'codec_missing_function',
    ]);
    expect(codes(codec.encodeDownlink({ data: {} }).errors)).toEqual(['codec_missing_function']);
  });

  it('keeps strict-mode codecs strict and lets sloppy ones assign undeclared variables', () => {
    const strict = sandbox.compile(
      `'use strict'; function decodeUplink() { leaked = 1; return { data: {} }; }`,
    );
    expect(strict.decodeUplink(uplink([1])).errors).toEqual([
      "codec_threw: ReferenceError: 'leaked' is not defined",
    ]);
    const sloppy = sandbox.compile(
      `function decodeUplink(input) { total = input.bytes[0] * 2; return { data: { total: total } }; }`,
    );
    expect(sloppy.decodeUplink(uplink([21])).data).toEqual({ total: 42 });
  });

  it('supports modern syntax and the standard built-ins, and a no-op console', () => {
    const codec = sandbox.compile(`
      const decodeUplink = ({ bytes, fPort = 1 }) => {
        console.log('decoding', bytes);
        const view = new DataView(new Uint8Array(bytes).buffer);
        const [a, ...rest] = bytes;
        class Reading { #v; constructor(v) { this.#v = v; } get value() { return this.#v; } }
        return { data: { t: view.getInt16(0) / 10, a, rest: rest.length, r: new Reading(2n ** 3n === 8n).value,
          hex: bytes.map((b) => b.toString(16).padStart(2, '0')).join(''), opt: bytes?.[9] ?? 'none' } };
      };`);
    expect(codec.decodeUplink(uplink([0xff, 0x38, 0x0a])).data).toEqual({
      t: -20,
      a: 255,
      rest: 2,
      r: true,
      hex: 'ff380a',
      opt: 'none',
    });
  });

  it('lets custom errors set their own name and objects their own toString despite frozen prototypes', () => {
    const codec = sandbox.compile(`
      function MyError(message) { this.message = message; }
      MyError.prototype = Object.create(Error.prototype);
      MyError.prototype.name = 'MyError';
      var o = {}; o.toString = function () { return 'custom'; };
      function decodeUplink() { if (String(o) !== 'custom') return { data: 'no override' }; throw new MyError('bad frame'); }`);
    expect(codec.decodeUplink(uplink([1])).errors).toEqual(['codec_threw: MyError: bad frame']);
  });
});

describe('output normalised as JSON', () => {
  const decodeTo = (expression: string) =>
    sandbox.compile(`function decodeUplink() { return { data: ${expression} }; }`).decodeUplink(uplink([1]));

  it('turns undefined, functions and symbols into null and keeps Dates as ISO strings', () => {
    expect(
      decodeTo(`{ a: undefined, b: [1, undefined], c: function () {}, d: Symbol('x'), e: new Date(0) }`).data,
    ).toEqual({ a: null, b: [1, null], c: null, d: null, e: '1970-01-01T00:00:00.000Z' });
    expect(decodeTo('undefined')).toEqual({ data: null, warnings: [], errors: [] });
  });

  it('rejects NaN, Infinity and BigInt with codec_output_invalid naming the field', () => {
    expect(decodeTo('{ temperature: 0 / 0 }').errors).toEqual([
      'codec_output_invalid: data at "temperature" is NaN; JSON has no NaN or Infinity',
    ]);
    expect(codes(decodeTo('{ x: [1, -1 / 0] }').errors)).toEqual(['codec_output_invalid']);
    expect(codes(decodeTo('{ big: 10n }').errors)).toEqual(['codec_output_invalid']);
  });

  it('rejects a cyclic result and one larger than the output limit', () => {
    const cyclic = decodeTo('(function () { var o = {}; o.self = o; return o; })()');
    expect(cyclic.errors).toEqual([
      'codec_output_invalid: data contains a reference cycle; JSON cannot hold it',
    ]);
    expect(codes(decodeTo("'x'.repeat(2 * 1024 * 1024)").errors)).toEqual(['codec_output_too_large']);
  });

  it('rejects a result that is not an object, and non-string warnings are described', () => {
    for (const garbage of ['42', 'null', '"text"', '[1, 2]']) {
      const result = sandbox
        .compile(`function decodeUplink() { return ${garbage}; }`)
        .decodeUplink(uplink([1]));
      expect(codes(result.errors), garbage).toEqual(['codec_output_invalid']);
      expect(result.data).toBeNull();
    }
    const warned = sandbox
      .compile(`function decodeUplink() { return { data: 1, warnings: [3, { w: 1 }, 'ok'] }; }`)
      .decodeUplink(uplink([1]));
    expect(warned.warnings).toEqual(['3', '{"w":1}', 'ok']);
  });

  it('validates encoder bytes (integers 0..255) and fPort', () => {
    const encodeTo = (bytes: string, port = '1') =>
      sandbox
        .compile(`function encodeDownlink() { return { bytes: ${bytes}, fPort: ${port} }; }`)
        .encodeDownlink({ data: {} });
    expect(encodeTo('[0, 255]').bytes).toEqual(Uint8Array.of(0, 255));
    expect(encodeTo('new Uint8Array([7])').bytes).toEqual(Uint8Array.of(7));
    expect(encodeTo('[1, 256]').errors).toEqual([
      'codec_output_invalid: encodeDownlink returned bytes[1] = 256; each byte must be an integer from 0 to 255',
    ]);
    for (const bad of ['[1.5]', '[-1]', "['1']", '"0102"', 'undefined']) {
      const result = encodeTo(bad);
      expect(codes(result.errors), bad).toEqual(['codec_output_invalid']);
      expect(result.bytes).toBeNull();
    }
    expect(codes(encodeTo('[1]', '0').errors)).toEqual(['codec_output_invalid']);
    expect(codes(encodeTo('[1]', '256').errors)).toEqual(['codec_output_invalid']);
  });
});

describe('validateJavaScriptCodec', () => {
  it('reports a syntax error with its line and column', async () => {
    const result = await validateJavaScriptCodec(
      'function decodeUplink(input) {\n  return { data: 1 ;\n}',
      sandbox,
    );
    expect(result.ok).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^codec_syntax_error: SyntaxError: .* \(line 2, column \d+\)$/);
  });

  it('lists the functions a codec defines, however it defines them', async () => {
    const result = await validateJavaScriptCodec(
      `var encodeDownlink = function () {}; this.decodeDownlink = function () {}; function Decoder() {}`,
    );
    expect(result).toEqual({
      ok: true,
      functions: ['encodeDownlink', 'decodeDownlink', 'Decoder'],
      errors: [],
    });
  });

  it('refuses a script without codec functions, one whose top level throws, and top-level return', async () => {
    expect((await validateJavaScriptCodec('var x = 1;', sandbox)).errors.map(sandboxErrorCode)).toEqual([
      'codec_missing_function',
    ]);
    expect(
      (await validateJavaScriptCodec("throw new Error('no'); function decodeUplink() {}", sandbox)).errors,
    ).toEqual(['codec_threw: Error: no']);
    expect(
      (await validateJavaScriptCodec('return 1; function decodeUplink() {}', sandbox)).errors.map(
        sandboxErrorCode,
      ),
    ).toEqual(['codec_syntax_error']);
  });

  it('refuses a source that would close the wrapper it is compiled in', async () => {
    const result = await validateJavaScriptCodec('}); let state = 0; (function () {', sandbox);
    expect(result.errors.map(sandboxErrorCode)).toEqual(['codec_syntax_error']);
  });
});
