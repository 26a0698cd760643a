import { beforeAll, describe, expect, it } from 'vitest';
import { JavaScriptSandbox } from './javascript-sandbox.js';
import { sandboxErrorCode } from './sandbox-limits.js';

/**
 * Hostile codecs: each fails with a clear error in `errors` (never a throw, never a crash),
 * and afterwards the same codec and an innocent one on the same sandbox still answer.
 */
let sandbox: JavaScriptSandbox;
/** For the memory and stack tests: time enough that a busy machine cannot turn them into timeouts. */
let roomy: JavaScriptSandbox;
beforeAll(async () => {
  sandbox = await JavaScriptSandbox.create({ timeLimitMs: 100, memoryLimitBytes: 8 * 2 ** 20 });
  roomy = await JavaScriptSandbox.create({ timeLimitMs: 5000, memoryLimitBytes: 8 * 2 ** 20 });
});

const GOOD = `function decodeUplink(input) { return { data: { first: input.bytes[0] } }; }`;

/** Runs a hostile decodeUplink body on fPort 1; on fPort 2 the same codec must behave. */
function hostile(body: string, preamble = '') {
  return sandbox.compile(`${preamble}
    function decodeUplink(input) {
      if (input.fPort === 2) return { data: { first: input.bytes[0] } };
      ${body}
    }`);
}

async function expectStillServes(codec: ReturnType<JavaScriptSandbox['compile']>) {
  // After an engine crash (host stack overflow) the next engine may still be loading.
  await sandbox.ready();
  expect(codec.decodeUplink({ bytes: Uint8Array.of(7), fPort: 2 })).toEqual({
    data: { first: 7 },
    warnings: [],
    errors: [],
  });
  expect(sandbox.compile(GOOD).decodeUplink({ bytes: Uint8Array.of(9), fPort: 1 }).data).toEqual({
    first: 9,
  });
}

const codes = (result: { errors: readonly string[] }) => result.errors.map(sandboxErrorCode);

const attack = (codec: ReturnType<JavaScriptSandbox['compile']>) =>
  codec.decodeUplink({ bytes: Uint8Array.of(1), fPort: 1 });

describe('limits', () => {
  it('stops an infinite loop at the time limit with codec_timeout', async () => {
    const codec = hostile('for (;;) {}');
    const started = performance.now();
    const result = attack(codec);
    const elapsed = performance.now() - started;
    expect(result).toEqual({
      data: null,
      warnings: [],
      errors: ['codec_timeout: the codec did not finish within 100 ms'],
    });
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1000);
    await expectStillServes(codec);
  });

  it('cannot swallow the interrupt with catch or finally', async () => {
    const codec = hostile('while (true) { try { for (;;) {} } catch (e) {} finally { for (;;) {} } }');
    expect(attack(codec).errors.map(sandboxErrorCode)).toEqual(['codec_timeout']);
    await expectStillServes(codec);
  });

  it('stops a catastrophic regular expression at the time limit', async () => {
    const codec = hostile("return { data: /^(a+)+$/.test('a'.repeat(40) + 'b') };");
    expect(attack(codec).errors.map(sandboxErrorCode)).toEqual(['codec_timeout']);
    await expectStillServes(codec);
  });

  it('stops a top level that loops forever', async () => {
    const codec = sandbox.compile(`for (;;) {} function decodeUplink() { return { data: 1 }; }`);
    expect(codec.decodeUplink({ bytes: Uint8Array.of(1) }).errors.map(sandboxErrorCode)).toEqual([
      'codec_timeout',
    ]);
    expect(codec.decodeUplink({ bytes: Uint8Array.of(1) }).errors.map(sandboxErrorCode)).toEqual([
      'codec_timeout',
    ]);
  });

  it('stops unbounded allocation at the memory limit with codec_memory_limit', async () => {
    const codec = roomy.compile(
      'function decodeUplink() { var keep = []; for (var i = 0; ; i++) keep.push({ a: i, b: [i] }); }',
    );
    const result = attack(codec);
    expect(result.data).toBeNull();
    expect(codes(result)).toEqual(['codec_memory_limit']);
    expect(codes(roomy.compile(GOOD).decodeUplink({ bytes: Uint8Array.of(3) }))).toEqual([]);
    expect(codes(codec.decodeUplink({ bytes: Uint8Array.of(3) }))).toEqual(['codec_memory_limit']);
  });

  it('stops one huge allocation, even when the codec catches the error itself', async () => {
    const huge = hostile("return { data: 'x'.repeat(100 * 1024 * 1024).length };");
    expect(attack(huge).errors.map(sandboxErrorCode)).toEqual(['codec_memory_limit']);
    const catching = hostile(
      "try { 'x'.repeat(100 * 1024 * 1024); } catch (e) { return { data: String(e) }; }",
    );
    expect(attack(catching).data).toBe('InternalError: out of memory');
    await expectStillServes(huge);
  });

  it('stops deep recursion with codec_stack_overflow', async () => {
    const codec = hostile('function down(n) { return down(n + 1) + 1; } return { data: down(0) };');
    expect(attack(codec)).toEqual({
      data: null,
      warnings: [],
      errors: ['codec_stack_overflow: the codec recursed too deeply (stack overflow)'],
    });
    await expectStillServes(codec);
  });

  it('survives nesting deep enough to overflow the host stack inside the engine, and restarts it', async () => {
    const codec = hostile("return { data: eval('('.repeat(200000) + '1' + ')'.repeat(200000)) };");
    const result = attack(codec);
    expect(result.data).toBeNull();
    expect(result.errors.map(sandboxErrorCode)).toEqual(['codec_stack_overflow']);
    await expectStillServes(codec);
  });

  it('contains JSON.parse nesting deep enough to overflow the host stack on the main thread', async () => {
    const codec = hostile("return { data: JSON.parse('['.repeat(200000) + ']'.repeat(200000)) };");
    const result = attack(codec);
    expect(result.data).toBeNull();
    expect(result.errors.map(sandboxErrorCode)).toEqual(['codec_stack_overflow']);
    await expectStillServes(codec);
  });

  it('contains a host stack overflow when the caller is itself deep in its stack', async () => {
    const codec = hostile("return { data: eval('('.repeat(200000) + '1' + ')'.repeat(200000)) };");
    const from = (depth: number): ReturnType<typeof attack> =>
      depth === 0 ? attack(codec) : from(depth - 1);
    expect(from(3000).errors.map(sandboxErrorCode)).toEqual(['codec_stack_overflow']);
    await expectStillServes(codec);
  });

  it('stops recursion through JSON.stringify of a deeply nested result', async () => {
    // On the main thread V8's own stack may run out first; either way the error is the same.
    const codec = roomy.compile(
      'function decodeUplink() { var o = {}, c = o; for (var i = 0; i < 20000; i++) { c.a = {}; c = c.a; } return { data: o }; }',
    );
    expect(attack(codec).errors.map(sandboxErrorCode)).toEqual(['codec_stack_overflow']);
    await roomy.ready();
    expect(codes(roomy.compile(GOOD).decodeUplink({ bytes: Uint8Array.of(3) }))).toEqual([]);
  });
});

describe('throws and garbage', () => {
  const thrown: [string, string][] = [
    ["throw 'bad port';", 'codec_threw: bad port'],
    ["throw new Error('boom');", 'codec_threw: Error: boom'],
    ["throw new RangeError('out of range');", 'codec_threw: RangeError: out of range'],
    ['throw { code: 7 };', 'codec_threw: {"code":7}'],
    ['throw null;', 'codec_threw: null'],
    ['throw undefined;', 'codec_threw: undefined'],
    [
      "throw Object.defineProperty(new Error('x'), 'message', { get: function () { throw 1; } });",
      'codec_threw: a value that cannot be described',
    ],
    ['null.x;', "codec_threw: TypeError: cannot read property 'x' of null"],
  ];
  for (const [statement, expected] of thrown) {
    it(`reports ${statement}`, async () => {
      const codec = hostile(statement);
      expect(attack(codec)).toEqual({ data: null, warnings: [], errors: [expected] });
      await expectStillServes(codec);
    });
  }

  it('reports garbage results: getters that throw, proxies, toJSON that loops', async () => {
    const getter = hostile("return { get data() { throw new Error('getter'); } };");
    expect(attack(getter).errors).toEqual(['codec_threw: Error: getter']);
    const proxy = hostile("return new Proxy({}, { get: function () { throw 'trap'; } });");
    expect(attack(proxy).errors).toEqual(['codec_threw: trap']);
    const looping = hostile('return { data: { toJSON: function () { for (;;) {} } } };');
    expect(attack(looping).errors.map(sandboxErrorCode)).toEqual(['codec_timeout']);
    await expectStillServes(looping);
  });
});

describe('no way to the host', () => {
  it('has no process, require, module loading or Node globals', async () => {
    const codec = sandbox.compile(`
      function decodeUplink() {
        var g = Function('return this')();
        return { data: [typeof process, typeof require, typeof module, typeof Buffer, typeof setTimeout, typeof fetch,
          typeof g.process, globalThis.constructor.constructor('return typeof process')(), typeof std, typeof os] };
      }`);
    expect(codec.decodeUplink({ bytes: Uint8Array.of(1) }).data).toEqual([
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
    ]);
  });

  it('fails import() without reaching a module loader, and serves the next call', async () => {
    const codec = hostile(`
      var outcome = 'pending';
      import('node:fs').then(function () { outcome = 'loaded'; }, function (e) { outcome = String(e); });
      return { data: outcome };`);
    expect(attack(codec)).toEqual({ data: 'pending', warnings: [], errors: [] });
    const direct = sandbox.compile(
      `import fs from 'node:fs'; function decodeUplink() { return { data: 1 }; }`,
    );
    expect(direct.compileError).toMatch(/^codec_syntax_error: /);
    await expectStillServes(codec);
  });

  it('cannot read the caller chain into the sandbox driver', async () => {
    const codec = hostile(`
      var callers = [];
      try { callers.push(typeof decodeUplink.caller); } catch (e) { callers.push(e.name); }
      try { callers.push(typeof arguments.callee.caller); } catch (e) { callers.push(e.name); }
      return { data: callers };`);
    const result = attack(codec);
    expect(result.errors).toEqual([]);
    expect(result.data).not.toContain('function');
  });
});

/**
 * Codecs that extend built-in prototypes get them extensible (see source-traits.ts), and
 * every call starts without what earlier calls added. Each attack runs on fPort 1; fPort 2
 * reports what the realm looks like, which must equal what a never-attacked codec reports.
 */
describe('extensible prototypes', () => {
  const probe = `
    var seen = [];
    var names = ['leak', 'stuck', 'late', 'evil', 'viaAlias', 'viaProto', 'timed', 'hidden', 'hidden2', 'hidden3', 'flipped',
      'getter', Symbol.for('leak'), Symbol.toPrimitive, Symbol.iterator];
    for (var n = 0; n < names.length; n++) {
      seen.push(names[n] in {}, Object.prototype.hasOwnProperty.call(Array.prototype, names[n]),
        Object.prototype.hasOwnProperty.call(Object.prototype, names[n]));
    }
    return { data: { seen: seen, extensible: [Object.isExtensible(Array.prototype), Object.isExtensible(Object.prototype)],
      arrayParent: Object.getPrototypeOf(Array.prototype) === Object.prototype, sum: [1, 2].sum() } };`;
  /** A strict codec with its own helper on Array.prototype, as real ones have, plus an attack on fPort 1. */
  const withAttack = (attackBody: string) =>
    // Attacks that loop get the short time limit; the others room enough for a busy machine.
    (attackBody.includes('for (;;)') ? sandbox : roomy).compile(`'use strict';
      Array.prototype.sum = function () { var t = 0; for (var i = 0; i < this.length; i++) t += this[i]; return t; };
      var AP = Array.prototype;
      function decodeUplink(input) {
        if (input.fPort === 1) { ${attackBody} }
        ${probe}
      }`);
  const attacks: Record<string, string> = {
    'properties added by assignment and by defineProperty':
      "Object.prototype.leak = 1; Object.defineProperty(Array.prototype, 'leak', { value: 2, enumerable: false, configurable: true }); return { data: 1 };",
    'a non-configurable property, which cannot be deleted':
      "Object.defineProperty(Object.prototype, 'stuck', { value: 1 }); Object.defineProperty(Array.prototype, 'stuck', { value: 1 }); return { data: 1 };",
    'a prototype made non-extensible or frozen':
      'Object.preventExtensions(Array.prototype); Object.freeze(Object.prototype); return { data: 1 };',
    'a prototype given another parent':
      'Object.setPrototypeOf(Array.prototype, { evil: 1 }); return { data: 1 };',
    'additions through an alias and through __proto__':
      'AP.viaAlias = 1; ({}).__proto__.viaProto = 1; return { data: 1 };',
    'an addition made by a promise job after the call returned':
      'Promise.resolve().then(function () { Array.prototype.late = 1; Object.prototype.late = 1; }); return { data: 1 };',
    'an addition before the call runs out of time':
      'Object.prototype.timed = 1; Array.prototype.timed = 1; for (;;) {}',
    'symbol-keyed additions, registered and well-known':
      "Object.prototype[Symbol.for('leak')] = 1; Object.prototype[Symbol.toPrimitive] = function () { return 7; }; Object.prototype[Symbol.iterator] = function* () { yield 1; }; return { data: 1 };",
    'non-enumerable additions through each define function':
      "Object.defineProperty(Array.prototype, 'hidden', { value: 1 }); Reflect.defineProperty(Object.prototype, 'hidden2', { value: 2 }); Object.defineProperties(Array.prototype, { hidden3: { value: 3 } }); return { data: 1 };",
    'an assigned addition made non-enumerable afterwards':
      "Array.prototype.flipped = 1; Object.defineProperty(Array.prototype, 'flipped', { enumerable: false }); return { data: 1 };",
    'a different addition than the one before':
      "if (typeof Array.prototype.sum === 'function') { Array.prototype.leak = 1; } return { data: 1 };",
    'a getter added by __defineGetter__':
      "if (typeof Object.prototype.__defineGetter__ === 'function') Object.prototype.__defineGetter__('getter', function () { return 1; }); return { data: 1 };",
    'a getter on Object.prototype that never returns':
      "Object.defineProperty(Object.prototype, 'warnings', { get: function () { for (;;) {} }, configurable: true }); return { data: 1 };",
  };
  for (const [name, attackBody] of Object.entries(attacks)) {
    it(`undoes ${name} before the next call`, () => {
      const pristine = withAttack(attackBody).decodeUplink({ bytes: Uint8Array.of(1), fPort: 2 });
      expect(pristine.errors).toEqual([]);
      const codec = withAttack(attackBody);
      for (let round = 0; round < 3; round += 1) {
        codec.decodeUplink({ bytes: Uint8Array.of(1), fPort: 1 });
        expect(
          codec.decodeUplink({ bytes: Uint8Array.of(1), fPort: 2 }),
          `after attack ${round + 1}`,
        ).toEqual(pristine);
      }
    });
  }

  it("never shows one device type's additions to another type's codec, nor to a codec that extends nothing", () => {
    const writer = roomy.compile(`'use strict';
      Object.prototype.shared = 'from writer';
      Array.prototype.shared = 'from writer';
      function decodeUplink() { return { data: [({}).shared, [].shared] }; }`);
    const otherExtender = roomy.compile(`'use strict';
      Array.prototype.mine = 1;
      function decodeUplink() { return { data: [({}).shared === undefined, [].shared === undefined, [].mine] }; }`);
    const plain = roomy.compile(
      `function decodeUplink() { return { data: [({}).shared === undefined, [].shared === undefined, Object.isExtensible(Array.prototype)] }; }`,
    );
    expect(writer.decodeUplink({ bytes: Uint8Array.of(1) }).data).toEqual(['from writer', 'from writer']);
    expect(otherExtender.decodeUplink({ bytes: Uint8Array.of(1) }).data).toEqual([true, true, 1]);
    expect(plain.decodeUplink({ bytes: Uint8Array.of(1) }).data).toEqual([true, true, false]);
    expect(writer.decodeUplink({ bytes: Uint8Array.of(1) }).data).toEqual(['from writer', 'from writer']);
  });

  it('lets a codec define its helpers with defineProperty defaults, call after call', () => {
    const codec = roomy.compile(`'use strict';
      Object.defineProperty(Array.prototype, 'last', { value: function () { return this[this.length - 1]; } });
      Object.defineProperties(Number.prototype, { half: { value: function () { return this / 2; } } });
      function decodeUplink(input) { return { data: [input.bytes.last(), input.bytes[0].half()] }; }`);
    for (let round = 0; round < 3; round += 1) {
      expect(codec.decodeUplink({ bytes: Uint8Array.of(8, 9), fPort: 1 }).data).toEqual([9, 4]);
    }
  });

  it('keeps built-in methods locked on an extensible prototype', () => {
    const codec = roomy.compile(`'use strict';
      Array.prototype.sum = function () { return 0; };
      function decodeUplink(input) {
        if (input.fPort === 1) { Array.prototype.map = function () { return 'hijacked'; }; }
        if (input.fPort === 3) { delete Array.prototype.map; }
        return { data: [1].map(function (x) { return x + 1; }) };
      }`);
    expect(codec.decodeUplink({ bytes: Uint8Array.of(1), fPort: 1 }).errors[0]).toMatch(
      /^codec_threw: TypeError: /,
    );
    expect(codec.decodeUplink({ bytes: Uint8Array.of(1), fPort: 3 }).errors[0]).toMatch(
      /^codec_threw: TypeError: /,
    );
    expect(codec.decodeUplink({ bytes: Uint8Array.of(1), fPort: 2 }).data).toEqual([2]);
  });
});
