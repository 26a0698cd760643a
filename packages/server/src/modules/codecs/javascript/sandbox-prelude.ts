/**
 * The JavaScript that every codec runtime evaluates once, before the codec's own source.
 * It runs inside QuickJS, so it is kept as text here. Evaluated, it yields
 * `install(maxOutputChars, extensibleNames)`, which hardens the realm and returns
 * `{ run, reset, adopt }`.
 *
 * Why it exists: a runtime is reused for many calls, so
 * nothing one call does may be seen by the next. Three kinds of state could carry over:
 *
 * - Built-ins (prototypes, constructors, `Math`, `JSON` …): every object reachable from
 *   the global object, plus the hidden intrinsics only syntax reaches (generator and async
 *   prototypes, iterator prototypes), is frozen here, before any codec code runs. A sloppy
 *   codec assigning to them fails silently, exactly as on a frozen object anywhere; a strict
 *   one gets a TypeError. The "override mistake" (assigning `toString`, `name`, `message`,
 *   `constructor` on an object whose prototype froze them) is avoided for those names by
 *   turning them into accessors whose setter defines the property on the receiver.
 *   Exception: the prototypes named in `extensibleNames` (those the codec's source extends,
 *   see `source-traits.ts`) stay extensible with their own properties locked, so a codec
 *   can add helpers but not replace or remove built-in methods; `reset()` deletes what a
 *   call added and restores their parent (see 'resetPrototypes' for how it finds additions
 *   cheaply); codecs that extend nothing pay nothing.
 * - The global object: its built-in bindings are made read-only and non-configurable, so
 *   the only change a codec can make is to add properties (undeclared assignments,
 *   `globalThis.x = …`, `defineProperty`) or to change its prototype; `reset()` removes
 *   the additions and restores the prototype after every call, and reports `false` when it
 *   cannot (a non-extensible global, a non-configurable addition), in which case the host
 *   throws the runtime away.
 * - The codec's own top-level state (`let` counters, caches, closures): the codec's script
 *   is compiled once into a factory function and that factory is run again for every call,
 *   so every call starts from freshly created top-level bindings and objects, as a fresh
 *   context would. Scripts are the only code that can add global lexical bindings, and only
 *   the host evaluates scripts. A script's top-level `var` and `function` declarations are
 *   also properties of the global object; for codecs that may look them up there (`this.f()`),
 *   permanent accessors on the global object reach the running call's bindings (see
 *   'bindDeclarations'), and nothing between calls.
 *
 * `WeakRef` and `FinalizationRegistry` are removed: finalizers would run codec code from
 * an earlier call during a later one. `console` exists with no-op methods, because real
 * codecs log and TTN and ChirpStack tolerate it.
 */
export const SANDBOX_PRELUDE = String.raw`(function install(maxOutputChars, extensibleNames) {
  'use strict';
  var G = globalThis;
  var ObjectCtor = Object;
  var freeze = ObjectCtor.freeze;
  var getPrototypeOf = ObjectCtor.getPrototypeOf;
  var setPrototypeOf = ObjectCtor.setPrototypeOf;
  var isExtensible = ObjectCtor.isExtensible;
  var defineProperty = ObjectCtor.defineProperty;
  var getOwnPropertyDescriptor = ObjectCtor.getOwnPropertyDescriptor;
  var ownKeys = Reflect.ownKeys;
  var deleteProperty = Reflect.deleteProperty;
  var apply = Reflect.apply;
  var hasOwnProperty = ObjectCtor.prototype.hasOwnProperty;
  var isArray = Array.isArray;
  var isView = ArrayBuffer.isView;
  var jsonParse = JSON.parse;
  var jsonStringify = JSON.stringify;
  var isInteger = Number.isInteger;
  var isFinite = Number.isFinite;
  var StringCtor = String;
  var DateCtor = Date;
  var ErrorCtor = Error;
  var TypeErrorCtor = TypeError;
  var InternalErrorCtor = G.InternalError;
  var SyntaxErrorCtor = SyntaxError;
  var DataViewCtor = DataView;
  var SetCtor = Set;

  // The prototypes this codec may add properties to (see 'sourceTraits'): each stays
  // extensible, its own properties locked, and 'reset' removes what a call added.
  var extensible = [];
  for (var x = 0; x < extensibleNames.length; x++) {
    var ctor = G[extensibleNames[x]];
    if (typeof ctor === 'function' && ctor.prototype !== null && typeof ctor.prototype === 'object') extensible.push(ctor.prototype);
  }
  var extensibleSet = new SetCtor(extensible);
  var getOwnPropertySymbols = ObjectCtor.getOwnPropertySymbols;
  /** Set when a call defined a property on an extensible prototype: 'reset' then lists their keys. */
  var definedOnPrototype = false;
  if (extensible.length > 0) guardDefinitions();

  /**
   * Wraps the three ways to define a property, for the extensible prototypes only: a new
   * property is made configurable (so 'reset' can delete it; defineProperty's default would
   * make it permanent), and the definition is noted, because a non-enumerable property is
   * one the cheap check in 'resetPrototypes' cannot see.
   */
  function guardDefinitions() {
    var nativeDefine = defineProperty;
    var nativeDefineAll = ObjectCtor.defineProperties;
    var nativeReflectDefine = Reflect.defineProperty;
    var fields = ['value', 'writable', 'get', 'set', 'enumerable'];
    function deletable(target, key, descriptor) {
      if (!extensibleSet.has(target)) return descriptor;
      definedOnPrototype = true;
      if (descriptor === null || typeof descriptor !== 'object' || apply(hasOwnProperty, target, [key])) return descriptor;
      // Defined, not assigned: setters a codec put on Object.prototype must not intercept them.
      var copy = {};
      for (var f = 0; f < fields.length; f++) {
        if (fields[f] in descriptor) nativeDefine(copy, fields[f], { value: descriptor[fields[f]], enumerable: true, configurable: true });
      }
      nativeDefine(copy, 'configurable', { value: true, enumerable: true, configurable: true });
      return copy;
    }
    ObjectCtor.defineProperty = function defineProperty(target, key, descriptor) {
      return nativeDefine(target, key, deletable(target, key, descriptor));
    };
    ObjectCtor.defineProperties = function defineProperties(target, descriptors) {
      if (!extensibleSet.has(target)) return nativeDefineAll(target, descriptors);
      var source = ObjectCtor(descriptors);
      var keys = ownKeys(source);
      for (var d = 0; d < keys.length; d++) {
        var own = getOwnPropertyDescriptor(source, keys[d]);
        if (own !== undefined && own.enumerable) nativeDefine(target, keys[d], deletable(target, keys[d], source[keys[d]]));
      }
      return target;
    };
    Reflect.defineProperty = function defineProperty(target, key, descriptor) {
      return nativeReflectDefine(target, key, deletable(target, key, descriptor));
    };
  }

  delete G.WeakRef;
  delete G.FinalizationRegistry;
  var noop = function () {};
  defineProperty(G, 'console', {
    value: { log: noop, info: noop, warn: noop, error: noop, debug: noop, trace: noop },
    writable: true, enumerable: false, configurable: true,
  });

  // Let objects that inherit a frozen toString/name/… still get their own (the override mistake).
  function allowOverride(holder, key) {
    var desc = getOwnPropertyDescriptor(holder, key);
    if (desc === undefined || !('value' in desc)) return;
    var value = desc.value;
    defineProperty(holder, key, {
      get: function () { return value; },
      set: function (next) {
        if (this === holder) throw new TypeErrorCtor('Cannot assign to read only property ' + StringCtor(key));
        if (this === null || (typeof this !== 'object' && typeof this !== 'function')) return;
        if (apply(hasOwnProperty, this, [key])) { this[key] = next; return; }
        if (!isExtensible(this)) return;
        defineProperty(this, key, { value: next, writable: true, enumerable: true, configurable: true });
      },
      enumerable: desc.enumerable, configurable: false,
    });
  }
  var overrideKeys = ['constructor', 'toString', 'valueOf', 'toLocaleString'];
  for (var i = 0; i < overrideKeys.length; i++) allowOverride(ObjectCtor.prototype, overrideKeys[i]);
  var errorCtors = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError, AggregateError];
  if (typeof InternalErrorCtor === 'function') errorCtors.push(InternalErrorCtor);
  for (var e = 0; e < errorCtors.length; e++) {
    allowOverride(errorCtors[e].prototype, 'name');
    allowOverride(errorCtors[e].prototype, 'message');
    allowOverride(errorCtors[e].prototype, 'constructor');
  }
  allowOverride(ErrorCtor.prototype, 'toString');

  // Everything reachable from the global object and from what only syntax creates.
  var seen = new SetCtor();
  var queue = [];
  function visit(value) {
    if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
      if (!seen.has(value)) { seen.add(value); queue.push(value); }
    }
  }
  visit(G);
  visit(function* () {});
  visit((function* () {})());
  visit(async function () {});
  visit(async function* () {});
  visit((async function* () {})());
  visit([][Symbol.iterator]());
  visit(new Map()[Symbol.iterator]());
  visit(new Set()[Symbol.iterator]());
  visit(''[Symbol.iterator]());
  visit(/a/[Symbol.matchAll]('a'));
  visit((function () { return arguments; })());
  visit((function () { 'use strict'; return arguments; })());
  if (typeof Iterator === 'function') {
    if (typeof Iterator.prototype.map === 'function') visit([].values().map(noop));
    if (typeof Iterator.from === 'function') visit(Iterator.from({ next: noop }));
  }
  while (queue.length > 0) {
    var target = queue.pop();
    visit(getPrototypeOf(target));
    var keys = ownKeys(target);
    for (var k = 0; k < keys.length; k++) {
      var d = getOwnPropertyDescriptor(target, keys[k]);
      if (d === undefined) continue;
      if ('value' in d) visit(d.value);
      else { visit(d.get); visit(d.set); }
    }
  }
  seen.forEach(function (object) {
    if (object === G) return;
    if (extensibleSet.has(object)) lockOwn(object);
    else freeze(object);
  });
  var globalKeys = ownKeys(G);
  for (var g = 0; g < globalKeys.length; g++) {
    var gd = getOwnPropertyDescriptor(G, globalKeys[g]);
    if (gd === undefined) continue;
    if ('value' in gd) defineProperty(G, globalKeys[g], { writable: false, configurable: false });
    else defineProperty(G, globalKeys[g], { configurable: false });
  }
  var baselineKeys = new SetCtor(ownKeys(G));
  var baselineCount = baselineKeys.size;
  var baselineProto = getPrototypeOf(G);
  var extensibleKeys = [];
  var extensibleProtos = [];
  var extensibleSymbols = [];
  /** Per extensible prototype, the keys the last full check deleted: a codec adds the same ones every call. */
  var addedBefore = [];
  for (var b = 0; b < extensible.length; b++) {
    extensibleKeys.push(new SetCtor(ownKeys(extensible[b])));
    extensibleProtos.push(getPrototypeOf(extensible[b]));
    extensibleSymbols.push(getOwnPropertySymbols(extensible[b]).length);
    addedBefore.push([]);
    // The cheap check relies on built-in prototypes having no enumerable properties.
    if (hasEnumerable(extensible[b])) definedOnPrototype = true;
  }
  /**
   * The running call's view of the codec's top-level declarations (see 'bindDeclarations'):
   * a function (index, value, write) over the factory's bindings, null between calls.
   */
  var declarations = null;
  var inDeclarations = false;

  function hasEnumerable(object) {
    for (var key in object) return true;
    return false;
  }

  /** Like freeze, but the object stays extensible: its own properties can no longer change or go. */
  function lockOwn(object) {
    var own = ownKeys(object);
    for (var l = 0; l < own.length; l++) {
      var ld = getOwnPropertyDescriptor(object, own[l]);
      if (ld === undefined) continue;
      if ('value' in ld) defineProperty(object, own[l], { writable: false, configurable: false });
      else defineProperty(object, own[l], { configurable: false });
    }
  }

  /**
   * Undo what a call added to the extensible prototypes; false when it cannot be undone.
   * Their own properties are locked, so only additions need finding. Listing a prototype's
   * keys is slow in QuickJS, so it is done only when a cheaper sign says something was
   * added: after the keys added last time are deleted, any enumerable string key (what
   * assignments add) shows in a for-in, symbol keys in their own (short) listing, and any
   * other definition went through the guarded define functions.
   */
  function resetPrototypes() {
    var full = definedOnPrototype;
    definedOnPrototype = false;
    for (var p = 0; p < extensible.length; p++) {
      var object = extensible[p];
      if (getPrototypeOf(object) !== extensibleProtos[p]) {
        try { setPrototypeOf(object, extensibleProtos[p]); } catch (_) { return false; }
      }
      if (!isExtensible(object)) return false;
      var known = addedBefore[p];
      for (var a = 0; a < known.length; a++) if (!deleteProperty(object, known[a])) return false;
      if (!full && !hasEnumerable(object) && getOwnPropertySymbols(object).length === extensibleSymbols[p]) continue;
      var keys = ownKeys(object);
      var base = extensibleKeys[p];
      if (keys.length === base.size) continue;
      var added = [];
      for (var q = 0; q < keys.length; q++) {
        if (base.has(keys[q])) continue;
        if (!deleteProperty(object, keys[q])) return false;
        added.push(keys[q]);
      }
      addedBefore[p] = added;
    }
    return true;
  }

  /**
   * Mirrors the codec's top-level var and function declarations on the global object, as a
   * script's are, so 'this.helper()' finds them: one permanent accessor per name (part of
   * the baseline, non-configurable as a script's declaration is), reading and writing the
   * running call's binding through 'declarations', so a call costs one closure however many
   * names there are. Between calls they answer undefined. A name the global object already
   * has is left alone; the guard answers undefined for a name the factory does not bind
   * (it would resolve back to the accessor itself).
   */
  function bindDeclarations(names) {
    for (var i = 0; i < names.length; i++) {
      var name = names[i];
      if (typeof name !== 'string' || name in G || !isExtensible(G)) continue;
      var accessors = declarationAccessors(i);
      defineProperty(G, name, { get: accessors.get, set: accessors.set, enumerable: true, configurable: false });
      baselineKeys.add(name);
      baselineCount += 1;
    }
  }

  function declarationAccessors(index) {
    // Frozen, with their prototype objects, so that no call can hang state on them for the next.
    var accessors = {
      get: function () { return useDeclarations(index, undefined, false); },
      set: function (value) { useDeclarations(index, value, true); },
    };
    freeze(accessors.get); freeze(accessors.get.prototype);
    freeze(accessors.set); freeze(accessors.set.prototype);
    return accessors;
  }

  function useDeclarations(index, value, write) {
    if (declarations === null || inDeclarations) return undefined;
    inDeclarations = true;
    try { return declarations(index, value, write); } finally { inDeclarations = false; }
  }

  /** Undo what a call did to the global object; false when it cannot be undone. */
  function reset() {
    if (extensible.length > 0 && !resetPrototypes()) return false;
    declarations = null;
    inDeclarations = false;
    if (getPrototypeOf(G) !== baselineProto) {
      try { setPrototypeOf(G, baselineProto); } catch (_) { return false; }
    }
    if (!isExtensible(G)) return false;
    var now = ownKeys(G);
    if (now.length === baselineCount) return true;
    for (var n = 0; n < now.length; n++) {
      if (!baselineKeys.has(now[n]) && !deleteProperty(G, now[n])) return false;
    }
    return ownKeys(G).length === baselineCount;
  }

  /** Freezes the compiled codec factory, the one codec-made object every call shares. */
  function adopt(factory, declarationNames) {
    bindDeclarations(declarationNames);
    freeze(factory);
    var proto = getOwnPropertyDescriptor(factory, 'prototype');
    if (proto !== undefined && 'value' in proto && proto.value !== null && typeof proto.value === 'object') freeze(proto.value);
  }

  // Defined, not assigned: a setter a codec added to Object.prototype must not swallow them.
  function Failure(code, message) {
    defineProperty(this, 'code', { value: code });
    defineProperty(this, 'message', { value: message });
  }

  function clip(text) { return text.length > 1000 ? text.slice(0, 1000) + '…' : text; }

  function describe(value) {
    try {
      if (value instanceof ErrorCtor) return clip(StringCtor(value.name) + ': ' + StringCtor(value.message));
      if (typeof value === 'string') return clip(value);
      if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return clip(StringCtor(value));
      var json = jsonStringify(value);
      return clip(json === undefined ? StringCtor(value) : json);
    } catch (_) {
      return 'a value that cannot be described';
    }
  }

  function typeName(value) {
    if (value === null) return 'null';
    if (isArray(value)) return 'an array';
    return typeof value === 'object' ? 'an object' : 'a ' + typeof value;
  }

  function messages(value, field, fn) {
    if (value === undefined || value === null) return [];
    if (typeof value === 'string') return [value];
    if (!isArray(value)) throw new Failure('codec_output_invalid', fn + ' returned ' + field + ' as ' + typeName(value) + '; it must be an array of strings');
    var out = [];
    for (var m = 0; m < value.length; m++) {
      var item = value[m];
      out.push(typeof item === 'string' ? item : describe(item));
    }
    return out;
  }

  function replacer(key, value) {
    switch (typeof value) {
      case 'undefined':
      case 'function':
      case 'symbol':
        return null;
      case 'number':
        if (!isFinite(value)) throw new Failure('codec_output_invalid', 'data' + (key === '' ? '' : ' at "' + StringCtor(key) + '"') + ' is ' + StringCtor(value) + '; JSON has no NaN or Infinity');
        return value;
      case 'bigint':
        throw new Failure('codec_output_invalid', 'data' + (key === '' ? '' : ' at "' + StringCtor(key) + '"') + ' is a BigInt; JSON has no BigInt');
      default:
        return value;
    }
  }

  function toJson(value, what) {
    var json;
    try {
      json = jsonStringify(value, replacer);
    } catch (error) {
      if (error instanceof Failure) throw error;
      if (error instanceof TypeErrorCtor && /circular/i.test(StringCtor(error.message))) {
        throw new Failure('codec_output_invalid', what + ' contains a reference cycle; JSON cannot hold it');
      }
      throw error;
    }
    if (json.length > maxOutputChars) throw new Failure('codec_output_too_large', what + ' is ' + json.length + ' characters of JSON; the limit is ' + maxOutputChars);
    return json;
  }

  function decodeResult(fn, result) {
    if (result === null || typeof result !== 'object' || isArray(result)) {
      throw new Failure('codec_output_invalid', fn + ' returned ' + typeName(result) + '; it must return an object with data, warnings and errors');
    }
    var data = result.data;
    var warnings = messages(result.warnings, 'warnings', fn);
    var errors = messages(result.errors, 'errors', fn);
    var dataJson = errors.length > 0 ? 'null' : toJson(data, 'data');
    return '{"data":' + dataJson + ',"warnings":' + toJson(warnings, 'warnings') + ',"errors":' + toJson(errors, 'errors') + '}';
  }

  function legacyData(fn, data) {
    return '{"data":' + toJson(data, 'data') + ',"warnings":[],"errors":[]}';
  }

  function checkBytes(fn, bytes) {
    if (!isArray(bytes) && !(isView(bytes) && !(bytes instanceof DataViewCtor))) {
      throw new Failure('codec_output_invalid', fn + ' returned bytes as ' + typeName(bytes) + '; they must be an array of integers from 0 to 255');
    }
    var length = bytes.length;
    if (length > maxOutputChars) throw new Failure('codec_output_too_large', fn + ' returned ' + length + ' bytes');
    var out = [];
    for (var b = 0; b < length; b++) {
      var byte = bytes[b];
      if (typeof byte !== 'number' || !isInteger(byte) || byte < 0 || byte > 255) {
        throw new Failure('codec_output_invalid', fn + ' returned bytes[' + b + '] = ' + describe(byte) + '; each byte must be an integer from 0 to 255');
      }
      out.push(byte);
    }
    return out;
  }

  function checkPort(fn, port) {
    if (port === undefined || port === null) return null;
    if (typeof port !== 'number' || !isInteger(port) || port < 1 || port > 255) {
      throw new Failure('codec_output_invalid', fn + ' returned fPort ' + describe(port) + '; it must be an integer from 1 to 255');
    }
    return port;
  }

  function encodeResult(bytes, port, warnings, errors) {
    return '{"bytes":' + (bytes === null ? 'null' : '[' + bytes.join(',') + ']') + ',"fPort":' + (port === null ? 'null' : port) +
      ',"warnings":' + toJson(warnings, 'warnings') + ',"errors":' + toJson(errors, 'errors') + '}';
  }

  function missing(what) {
    return new Failure('codec_missing_function', 'the codec defines no ' + what);
  }

  // fns: [decodeUplink, encodeDownlink, decodeDownlink, Decoder, Encoder, Decode, Encode]
  var FUNCTION_NAMES = ['decodeUplink', 'encodeDownlink', 'decodeDownlink', 'Decoder', 'Encoder', 'Decode', 'Encode'];

  // Codec functions are called as plain functions, as a script calling them would: 'this' is
  // the global object in sloppy code, undefined in strict code (never the array they came in).
  // The input object is the parsed input itself, so keys beyond TS013's reach the codec too.
  function decodeUplink(fns, input) {
    var fn = fns[0];
    if (fn !== null) {
      input.recvTime = new DateCtor(input.recvTime);
      return decodeResult('decodeUplink', fn(input));
    }
    fn = fns[3];
    if (fn !== null) return legacyData('Decoder', fn(input.bytes, input.fPort));
    fn = fns[5];
    if (fn !== null) return legacyData('Decode', fn(input.fPort, input.bytes, input.variables));
    throw missing('decodeUplink (nor a legacy Decoder or Decode)');
  }

  function encodeDownlink(fns, input) {
    var data = input.data;
    var variables = input.variables;
    var fPort = input.fPort;
    var port = fPort === undefined ? null : fPort;
    var fn = fns[1];
    if (fn !== null) {
      var result = fn(input);
      if (result === null || typeof result !== 'object' || isArray(result)) {
        throw new Failure('codec_output_invalid', 'encodeDownlink returned ' + typeName(result) + '; it must return an object with bytes, fPort, warnings and errors');
      }
      var warnings = messages(result.warnings, 'warnings', 'encodeDownlink');
      var errors = messages(result.errors, 'errors', 'encodeDownlink');
      if (errors.length > 0) return encodeResult(null, null, warnings, errors);
      var bytes = checkBytes('encodeDownlink', result.bytes);
      return encodeResult(bytes, checkPort('encodeDownlink', result.fPort), warnings, errors);
    }
    fn = fns[4];
    if (fn !== null) return encodeResult(checkBytes('Encoder', fn(data, fPort)), port, [], []);
    fn = fns[6];
    if (fn !== null) return encodeResult(checkBytes('Encode', fn(fPort, data, variables)), port, [], []);
    throw missing('encodeDownlink (nor a legacy Encoder or Encode)');
  }

  function decodeDownlink(fns, input) {
    var fn = fns[2];
    if (fn === null) throw missing('decodeDownlink');
    return decodeResult('decodeDownlink', fn(input));
  }

  function inspect(fns) {
    var names = [];
    for (var f = 0; f < FUNCTION_NAMES.length; f++) if (fns[f] !== null) names.push(FUNCTION_NAMES[f]);
    return jsonStringify({ functions: names });
  }

  function failure(code, message) {
    return jsonStringify({ fail: code, message: message });
  }

  function classify(error) {
    if (error instanceof Failure) return failure(error.code, error.message);
    if (typeof InternalErrorCtor === 'function' && error instanceof InternalErrorCtor) {
      var message = StringCtor(error.message);
      if (message === 'stack overflow') return failure('codec_stack_overflow', 'the codec recursed too deeply (stack overflow)');
      if (message === 'out of memory') return failure('codec_memory_limit', 'the codec ran out of memory');
    }
    // The parser (eval, Function) and JSON.parse report their own recursion limit as a SyntaxError.
    if (error instanceof SyntaxErrorCtor && StringCtor(error.message) === 'stack overflow') {
      return failure('codec_stack_overflow', 'the codec nested too deeply (stack overflow)');
    }
    return failure('codec_threw', describe(error));
  }

  /** One call: op 0 decodeUplink, 1 encodeDownlink, 2 decodeDownlink, 3 inspect. */
  function run(factory, op, inputJson) {
    var out;
    try {
      var input = jsonParse(inputJson);
      var fns = factory();
      if (fns.length > FUNCTION_NAMES.length) declarations = fns[FUNCTION_NAMES.length];
      if (op === 0) out = decodeUplink(fns, input);
      else if (op === 1) out = encodeDownlink(fns, input);
      else if (op === 2) out = decodeDownlink(fns, input);
      else out = inspect(fns);
    } catch (error) {
      out = classify(error);
    }
    return reset() ? out : '!' + out;
  }

  var api = { run: run, reset: reset, adopt: adopt };
  freeze(api);
  freeze(run); freeze(reset); freeze(adopt); freeze(Failure); freeze(Failure.prototype); freeze(replacer);
  freeze(resetPrototypes); freeze(bindDeclarations); freeze(declarationAccessors); freeze(useDeclarations);
  freeze(lockOwn); freeze(hasEnumerable);
  return api;
})`;

/** The names, in order, that the factory's returned array holds (see `run` above). */
export const CODEC_FUNCTION_NAMES = [
  'decodeUplink',
  'encodeDownlink',
  'decodeDownlink',
  'Decoder',
  'Encoder',
  'Decode',
  'Encode',
] as const;

/** A script's top-level declarations that would be properties of the global object. */
export interface DeclaredGlobals {
  readonly functions: readonly string[];
  readonly vars: readonly string[];
}

/** The declaration names `factorySource` binds, in the order of its switch (see `adopt` above). */
export function declarationNames(globals: DeclaredGlobals | undefined): string[] {
  if (globals === undefined) return [];
  return [...globals.functions, ...globals.vars].filter(
    (name) => IDENTIFIER.test(name) && name !== 'arguments' && name !== 'eval',
  );
}

/**
 * Wraps a codec's script (already known to compile as a script) into its factory expression.
 * With declaration names (see `declarationNames`), the factory also returns, after the
 * functions, one closure reading or writing those bindings by index (`bindDeclarations`).
 */
export function factorySource(source: string, names: readonly string[] = []): string {
  // On the same line as the source's first line, so error positions keep their line numbers.
  const picks = CODEC_FUNCTION_NAMES.map((name) => `typeof ${name} === 'function' ? ${name} : null`);
  if (names.length > 0) {
    const cases = names.map((name, index) => `case ${index}: if (w) ${name} = v; return ${name};`);
    picks.push(`function (i, v, w) { switch (i) { ${cases.join(' ')} } }`);
  }
  return `(function () {${source}\n;return [${picks.join(', ')}];\n})`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
