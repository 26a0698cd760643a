import { beforeAll, describe, expect, it } from 'vitest';
import { JavaScriptSandbox } from './javascript-sandbox.js';

/**
 * Codecs that try to carry state from one call to the next. Each script does its attack on
 * fPort 1 and reports what it can observe on fPort 2. The proof: what a probe sees after
 * any number of attacks equals what it sees on a runtime that never ran an attack.
 */
let sandbox: JavaScriptSandbox;
beforeAll(async () => {
  sandbox = await JavaScriptSandbox.create();
});

const call = (codec: ReturnType<JavaScriptSandbox['compile']>, fPort: number) =>
  codec.decodeUplink({ bytes: Uint8Array.of(1, 2, 3), fPort, recvTime: 0 });

const attacks: Record<string, string> = {
  'an undeclared global assigned in one call': `
    function decodeUplink(input) {
      if (input.fPort === 1) { counter = (typeof counter === 'number' ? counter : 0) + 1; return { data: counter }; }
      return { data: typeof counter };
    }`,
  'a top-level let counter and a top-level cache object': `
    let calls = 0; var cache = {};
    function decodeUplink(input) {
      calls += 1;
      if (input.fPort === 1) cache.last = input.bytes;
      return { data: { calls: calls, last: cache.last === undefined ? 'none' : cache.last } };
    }`,
  'a closure stashing state': `
    var next = (function () { var n = 0; return function () { n += 1; return n; }; })();
    function decodeUplink(input) { return { data: next() }; }`,
  'state stashed on the codec function and on arguments.callee': `
    var factory = arguments.callee;
    function decodeUplink(input) {
      if (input.fPort === 1) { decodeUplink.seen = true; try { factory.seen = true; } catch (e) {} }
      return { data: [decodeUplink.seen === true, factory.seen === true] };
    }`,
  'prototype pollution of Array, Object and String': `
    function decodeUplink(input) {
      if (input.fPort === 1) {
        Array.prototype.polluted = 1; Object.prototype.polluted = 1; String.prototype.trim = function () { return 'hacked'; };
        Array.prototype.push = function () { return -1; }; Object.prototype.toJSON = function () { return 'hijacked'; };
      }
      return { data: [[].polluted, ({}).polluted, ' x '.trim(), [].push(1), typeof ({}).toJSON] };
    }`,
  'mutating built-ins (Math, JSON, Date.now, Number.parseInt)': `
    function decodeUplink(input) {
      if (input.fPort === 1) {
        Math.max = function () { return 42; }; JSON.parse = null; Date.now = function () { return 0; };
        Number.parseInt = function () { return -1; }; delete Math.min; Math.extra = 1;
      }
      return { data: [Math.max(1, 2), typeof JSON.parse, Date.now() > 0, Number.parseInt('7'), typeof Math.min, Math.extra === undefined] };
    }`,
  'replacing global bindings (Array, JSON, undefined) and deleting them': `
    function decodeUplink(input) {
      if (input.fPort === 1) { Array = function () {}; JSON = null; undefined = 1; NaN = 0; delete globalThis.Object; }
      return { data: [typeof Array.isArray, JSON === null, typeof undefined, NaN !== NaN, typeof Object] };
    }`,
  'this tricks at the top level, in functions and via Function("return this")': `
    this.topLevel = (this.topLevel || 0) + 1;
    function decodeUplink(input) {
      var g = Function('return this')();
      if (input.fPort === 1) { this.viaThis = 1; g.viaFunction = 1; (0, eval)('this').viaEval = 1; }
      return { data: [this.topLevel, this.viaThis === undefined, g.viaFunction === undefined, g.viaEval === undefined] };
    }`,
  'Object.defineProperty on globalThis (configurable, and non-configurable)': `
    function decodeUplink(input) {
      if (input.fPort === 1) {
        Object.defineProperty(globalThis, 'soft', { value: 1, configurable: true });
        Object.defineProperty(globalThis, 'hard', { value: 1, configurable: false, writable: false });
        Object.defineProperty(globalThis, 'trap', { get: function () { return 'trapped'; }, configurable: false });
      }
      return { data: [typeof soft, typeof hard, typeof trap] };
    }`,
  'freezing or making globalThis non-extensible': `
    function decodeUplink(input) {
      if (input.fPort === 1) { Object.freeze(globalThis); }
      var ok = true; try { probe = 1; ok = globalThis.probe === 1; } catch (e) { ok = false; }
      return { data: [Object.isExtensible(globalThis), ok] };
    }`,
  "changing the global object's prototype": `
    function decodeUplink(input) {
      if (input.fPort === 1) Object.setPrototypeOf(globalThis, { inherited: 'yes' });
      return { data: [typeof inherited, Object.getPrototypeOf(globalThis) === Object.prototype] };
    }`,
  'symbol-keyed and index-keyed globals': `
    function decodeUplink(input) {
      var key = Symbol.for('stash');
      if (input.fPort === 1) { globalThis[key] = 'kept'; globalThis[0] = 'zero'; }
      return { data: [globalThis[key] === undefined, globalThis[0] === undefined] };
    }`,
  'var and function declarations made through eval': `
    function decodeUplink(input) {
      if (input.fPort === 1) { (0, eval)('var viaEval = 1; function viaEvalFn() {}; let viaEvalLet = 1'); eval('var local = 1'); }
      return { data: [typeof viaEval, typeof viaEvalFn, (0, eval)('typeof viaEvalLet')] };
    }`,
  'a promise job that writes a global after the result was taken': `
    function decodeUplink(input) {
      if (input.fPort === 1) Promise.resolve().then(function () { late = 'written'; Array.prototype.late = 1; });
      return { data: [typeof late, [].late === undefined] };
    }`,
  'top-level declarations reassigned or redefined through the global object': `
    var mode = 'normal';
    function scale(x) { return x * 2; }
    function decodeUplink(input) {
      if (input.fPort === 1) {
        this.mode = 'attacked'; this.scale = function () { return -1; };
        Object.defineProperty(globalThis, 'stuckMode', { value: mode, configurable: false });
        try { Object.defineProperty(globalThis, 'mode', { value: 'frozen', writable: false, configurable: false }); } catch (e) {}
      }
      var d = Object.getOwnPropertyDescriptor(globalThis, 'mode');
      return { data: [mode, this.mode, this.scale(2), typeof stuckMode, typeof d.get, d.configurable] };
    }`,
  'state hung on the accessors of top-level declarations, or left for a promise job': `
    var counter = 0;
    function decodeUplink(input) {
      var d = Object.getOwnPropertyDescriptor(globalThis, 'counter');
      if (input.fPort === 1) {
        try { d.get.stash = 1; } catch (e) {}
        try { Object.defineProperty(globalThis, 'counter', { value: 9 }); } catch (e) {}
        this.counter = 5;
        Promise.resolve().then(function () { globalThis.lateRead = String(globalThis.counter); });
      }
      return { data: [counter, this.counter, d.get.stash === undefined, Object.isFrozen(d.get), typeof lateRead] };
    }`,
  'Function constructor body injection': `
    function decodeUplink(input) {
      if (input.fPort === 1) { try { Function('}); globalThis.injected = 1; (function(){')(); } catch (e) {} }
      return { data: typeof injected };
    }`,
  'an accessor on Object.prototype reached by property writes': `
    function decodeUplink(input) {
      if (input.fPort === 1) {
        try { Object.defineProperty(Object.prototype, 'spy', { set: function (v) { globalThis.spied = v; } }); } catch (e) {}
      }
      var o = {}; o.spy = 'x';
      return { data: [typeof spied, o.spy] };
    }`,
};

describe('no state carries from one call to the next', () => {
  for (const [name, source] of Object.entries(attacks)) {
    it(`isolates ${name}`, () => {
      const pristine = call(sandbox.compile(source), 2);
      expect(pristine.errors).toEqual([]);
      const codec = sandbox.compile(source);
      const before = call(codec, 2);
      for (let round = 0; round < 3; round += 1) {
        call(codec, 1);
        expect(call(codec, 2), `after attack ${round + 1}`).toEqual(before);
      }
      expect(before).toEqual(pristine);
    });
  }

  it('gives the same answers as a fresh context, call after call', () => {
    const codec = sandbox.compile(attacks['a top-level let counter and a top-level cache object'] ?? '');
    expect(call(codec, 1).data).toEqual({ calls: 1, last: [1, 2, 3] });
    expect(call(codec, 2).data).toEqual({ calls: 1, last: 'none' });
    expect(call(codec, 1).data).toEqual({ calls: 1, last: [1, 2, 3] });
  });

  it('lets a codec use globals and polluted prototypes within its own call', () => {
    const codec = sandbox.compile(`
      function helper() { return shared * 2; }
      function decodeUplink(input) { shared = input.bytes[0]; var o = {}; o.valueOf = function () { return 5; }; return { data: [helper(), o + 1] }; }`);
    expect(codec.decodeUplink({ bytes: Uint8Array.of(4) }).data).toEqual([8, 6]);
  });

  it('reports a strict-mode write to a frozen built-in as a clear TypeError', () => {
    // Replacing a built-in method, or extending an object outside the extensible prototypes.
    for (const write of ['Array.prototype.push = function () {}', 'Math.clamp = function () {}']) {
      const codec = sandbox.compile(
        `'use strict'; var AP = Array.prototype; function decodeUplink() { ${write}; return { data: 1 }; }`,
      );
      const result = codec.decodeUplink({ bytes: Uint8Array.of(1) });
      expect(result.data, write).toBeNull();
      expect(result.errors, write).toHaveLength(1);
      expect(result.errors[0], write).toMatch(/^codec_threw: TypeError: /);
    }
  });

  it('keeps codecs on the same sandbox apart', () => {
    const writer = sandbox.compile(
      `function decodeUplink() { sharedAcross = 1; Object.prototype.z = 1; return { data: 1 }; }`,
    );
    const reader = sandbox.compile(
      `function decodeUplink() { return { data: [typeof sharedAcross, ({}).z === undefined] }; }`,
    );
    writer.decodeUplink({ bytes: Uint8Array.of(1) });
    expect(reader.decodeUplink({ bytes: Uint8Array.of(1) }).data).toEqual(['undefined', true]);
  });
});
