import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import type {
  DecodeResult,
  DownlinkDecodeInput,
  DownlinkEncodeInput,
  EncodeResult,
  ExtraInput,
  UplinkInput,
} from '../codec.js';
import type { JavaScriptSandbox, SandboxEngine } from './javascript-sandbox.js';
import { type SandboxErrorCode, sandboxError } from './sandbox-limits.js';
import {
  CODEC_FUNCTION_NAMES,
  type DeclaredGlobals,
  declarationNames,
  factorySource,
  SANDBOX_PRELUDE,
} from './sandbox-prelude.js';
import { sourceTraits } from './source-traits.js';

/** A function a JavaScript codec may define (TS013, and the legacy TTN and ChirpStack v3 forms). */
export type CodecFunctionName = (typeof CODEC_FUNCTION_NAMES)[number];

/** Input of `encodeDownlink`; `fPort` is what legacy `Encoder(object, port)` / `Encode(fPort, …)` receive. */
export interface JavaScriptEncodeInput extends DownlinkEncodeInput {
  readonly fPort?: number | undefined;
}

/** What running the codec's top level found. */
export type InspectResult =
  | { readonly ok: true; readonly functions: readonly CodecFunctionName[] }
  | { readonly ok: false; readonly error: string };

/** The prelude's `run` operations. */
const Op = { DecodeUplink: 0, EncodeDownlink: 1, DecodeDownlink: 2, Inspect: 3 } as const;
type Op = (typeof Op)[keyof typeof Op];

/** The three calls a codec answers. */
export type CallOp = 'decodeUplink' | 'encodeDownlink' | 'decodeDownlink';

const OP_BY_NAME: Readonly<Record<CallOp, Op>> = {
  decodeUplink: Op.DecodeUplink,
  encodeDownlink: Op.EncodeDownlink,
  decodeDownlink: Op.DecodeDownlink,
};

/**
 * The extras' members as JSON text to open an object with (`"k":v,`), leaving out the keys
 * the call defines itself; empty when there are none.
 */
function extraMembers(extra: ExtraInput | undefined, defined: readonly string[]): string {
  if (extra === undefined) return '';
  const kept = Object.entries(extra).filter(([key]) => !defined.includes(key));
  if (kept.length === 0) return '';
  // fromEntries defines each key as an own property, so even "__proto__" stays a plain key.
  const json = JSON.stringify(Object.fromEntries(kept));
  return `${json.slice(1, -1)},`;
}

const UPLINK_KEYS = ['bytes', 'fPort', 'recvTime', 'variables'] as const;
const DOWNLINK_KEYS = ['bytes', 'fPort', 'variables'] as const;
const ENCODE_KEYS = ['data', 'variables', 'fPort'] as const;

/** The sandbox's input JSON for `decodeUplink`; `recvTime` defaults to now. */
export function uplinkInputJson(input: UplinkInput): string {
  const port = input.fPort === undefined ? '' : `"fPort":${JSON.stringify(input.fPort)},`;
  return `{${extraMembers(input.extra, UPLINK_KEYS)}"bytes":[${input.bytes.join(',')}],${port}"recvTime":${JSON.stringify(input.recvTime ?? Date.now())},"variables":${JSON.stringify(input.variables ?? {})}}`;
}

/** The sandbox's input JSON for `decodeDownlink`. */
export function downlinkInputJson(input: DownlinkDecodeInput): string {
  const port = input.fPort === undefined ? '' : `"fPort":${JSON.stringify(input.fPort)},`;
  return `{${extraMembers(input.extra, DOWNLINK_KEYS)}"bytes":[${input.bytes.join(',')}],${port}"variables":${JSON.stringify(input.variables ?? {})}}`;
}

/** The sandbox's input JSON for `encodeDownlink`. */
export function encodeInputJson(input: JavaScriptEncodeInput): string {
  const members = extraMembers(input.extra, ENCODE_KEYS);
  const own = JSON.stringify({ data: input.data, variables: input.variables ?? {}, fPort: input.fPort });
  return members === '' ? own : `{${members}${own.slice(1)}`;
}

/** A result's JSON (from `callJson`) as a `DecodeResult`. */
export function parseDecodeResult(json: string): DecodeResult {
  const parsed: unknown = JSON.parse(json);
  if (!isRecord(parsed)) return { data: null, warnings: [], errors: [] };
  return { data: parsed.data ?? null, warnings: strings(parsed.warnings), errors: strings(parsed.errors) };
}

/** A result's JSON (from `callJson`) as an `EncodeResult`. */
export function parseEncodeResult(json: string): EncodeResult {
  const parsed: unknown = JSON.parse(json);
  if (!isRecord(parsed)) return { bytes: null, warnings: [], errors: [] };
  const bytes = Array.isArray(parsed.bytes) ? Uint8Array.from(parsed.bytes as number[]) : null;
  const fPort = typeof parsed.fPort === 'number' ? parsed.fPort : undefined;
  return { bytes, fPort, warnings: strings(parsed.warnings), errors: strings(parsed.errors) };
}

/** The JSON of a result that failed with one error, in the shape `op` returns. */
export function failureJson(op: CallOp, error: string): string {
  const errors = JSON.stringify([error]);
  return op === 'encodeDownlink'
    ? `{"bytes":null,"warnings":[],"errors":${errors}}`
    : `{"data":null,"warnings":[],"errors":${errors}}`;
}

/** A live QuickJS runtime with the prelude installed and the codec's factory compiled. */
interface Instance {
  readonly generation: number;
  readonly engine: SandboxEngine;
  readonly runtime: QuickJSRuntime;
  readonly context: QuickJSContext;
  readonly run: QuickJSHandle;
  readonly reset: QuickJSHandle;
  readonly factory: QuickJSHandle;
  readonly handles: readonly QuickJSHandle[];
  readonly ops: readonly QuickJSHandle[];
}

type Outcome = { readonly ok: true; readonly json: string } | Failure;
interface Failure {
  readonly ok: false;
  readonly code: SandboxErrorCode;
  readonly message: string;
}

/** Time the prelude and the compilation may take when a runtime is built. */
const SETUP_TIME_MS = 2000;
/** Time our own clean-up may take after a call that ended abnormally. */
const RESET_TIME_MS = 50;

function fail(code: SandboxErrorCode, message: string): Failure {
  return { ok: false, code, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * One codec compiled in a reusable QuickJS runtime. Every call starts from the same state:
 * the codec's top level is run afresh, the global object is restored afterwards and the
 * built-ins are frozen (see `sandbox-prelude.ts`), so a call never sees what an earlier
 * call left behind. Calls are synchronous and never throw: every failure (syntax, throw,
 * time, memory, stack, bad output, engine crash) is an entry in `errors`.
 * Build one with `JavaScriptSandbox.compile`.
 */
export class JavaScriptCodec {
  readonly #sandbox: JavaScriptSandbox;
  readonly #source: string;
  /** A failure every call answers with: the source does not compile. */
  #broken: Failure | undefined;
  #instance: Instance | undefined;
  #deadline = 0;
  #disposed = false;

  /** @internal Use `JavaScriptSandbox.compile`. */
  constructor(sandbox: JavaScriptSandbox, source: string) {
    this.#sandbox = sandbox;
    this.#source = source;
    if (source.length > sandbox.limits.maxSourceBytes) {
      this.#broken = fail(
        'codec_too_large',
        `the source is ${source.length} characters; the limit is ${sandbox.limits.maxSourceBytes}`,
      );
      return;
    }
    this.#live();
  }

  /** The compile error every call reports, if the source does not compile. */
  get compileError(): string | undefined {
    return this.#broken && sandboxError(this.#broken.code, this.#broken.message);
  }

  /** TS013 `decodeUplink({ bytes, fPort, recvTime, variables })`, or legacy `Decoder(bytes, fPort)` / `Decode(fPort, bytes, variables)`. */
  decodeUplink(input: UplinkInput): DecodeResult {
    return parseDecodeResult(this.callJson('decodeUplink', uplinkInputJson(input)));
  }

  /** TS013 `encodeDownlink({ data, variables })`, or legacy `Encoder(data, fPort)` / `Encode(fPort, data, variables)`. */
  encodeDownlink(input: JavaScriptEncodeInput): EncodeResult {
    return parseEncodeResult(this.callJson('encodeDownlink', encodeInputJson(input)));
  }

  /** TS013 `decodeDownlink({ bytes, fPort, variables })`. */
  decodeDownlink(input: DownlinkDecodeInput): DecodeResult {
    return parseDecodeResult(this.callJson('decodeDownlink', downlinkInputJson(input)));
  }

  /**
   * One call with its input already as JSON (see `uplinkInputJson` and its siblings); returns
   * the result as JSON, for `parseDecodeResult` / `parseEncodeResult`. The pool's workers use
   * this, so only strings cross threads.
   */
  callJson(op: CallOp, inputJson: string): string {
    const outcome = this.#call(OP_BY_NAME[op], inputJson);
    if (outcome.ok) return outcome.json;
    return failureJson(op, sandboxError(outcome.code, outcome.message));
  }

  /** Runs the top level once and lists the codec functions it defines. */
  inspect(): InspectResult {
    const outcome = this.#call(Op.Inspect, '{}');
    if (!outcome.ok) return { ok: false, error: sandboxError(outcome.code, outcome.message) };
    const parsed: unknown = JSON.parse(outcome.json);
    const names = isRecord(parsed) ? strings(parsed.functions) : [];
    return { ok: true, functions: CODEC_FUNCTION_NAMES.filter((name) => names.includes(name)) };
  }

  /** Frees the QuickJS runtime. Later calls answer `codec_unavailable`. */
  dispose(): void {
    this.#disposed = true;
    this.#sandbox.forget(this);
    this.#discard();
  }

  /** @internal The sandbox retired that engine: drop the runtime built on it without touching it. */
  forgetEngine(generation: number): void {
    if (this.#instance?.generation === generation) this.#instance = undefined;
  }

  #call(op: Op, inputJson: string): Outcome {
    if (this.#broken) return this.#broken;
    const live = this.#live();
    if (!('runtime' in live)) return live;
    const { context, runtime, engine } = live;
    const limits = this.#sandbox.limits;
    this.#deadline = performance.now() + limits.timeLimitMs;
    let outcome: Outcome;
    let dirty = false;
    let drained = true;
    try {
      const argument = context.newString(inputJson);
      engine.memory.beginCall(limits.memoryLimitBytes);
      let refused: boolean;
      try {
        const result = context.callFunction(
          live.run,
          context.undefined,
          live.factory,
          live.ops[op] ?? context.undefined,
          argument,
        );
        if (result.error) {
          outcome = this.#vmFailure(context, result.error);
          result.error.dispose();
          dirty = true;
        } else {
          const text = context.getString(result.value);
          result.value.dispose();
          // The prelude marks output it could not clean up after with a leading '!'.
          dirty = text.startsWith('!');
          outcome = this.#parseOutcome(dirty ? text.slice(1) : text);
        }
        if (runtime.hasPendingJob()) {
          // Promise jobs the codec queued belong to this call: run them (within what is left of
          // its time) so none can run during a later one, then clean up after them too.
          dirty = true;
          drained = this.#drainJobs(runtime);
        }
      } finally {
        refused = engine.memory.endCall();
        argument.dispose();
      }
      if (refused || (!outcome.ok && outcome.code === 'codec_memory_limit')) {
        // Refused growth: whatever the codec then did with the error, its answer is not one it
        // would give with the memory it needed. One message whichever check caught it.
        outcome = fail(
          'codec_memory_limit',
          `the codec used more than ${limits.memoryLimitBytes} bytes of memory`,
        );
        dirty = true;
      }
      if (refused || engine.memory.callGrowth > limits.memoryLimitBytes) {
        // WebAssembly memory never shrinks: the heap it grew into would be free for later
        // calls beyond their budget. A fresh engine gives the memory back.
        this.#sandbox.retire(engine.generation);
        // Retired at once: this runtime was dropped with it. Otherwise the engine serves until
        // its spare is loaded, and the runtime is cleaned up below like any other.
        if (this.#instance !== live) return outcome;
      }
      if (!drained) {
        this.#discard();
        return outcome;
      }
      if (dirty && !this.#resetAfterFailure(live)) this.#discard();
      return outcome;
    } catch (error) {
      engine.memory.endCall();
      return this.#crash(live, error);
    }
  }

  #parseOutcome(text: string): Outcome {
    if (text.startsWith('{"fail":')) {
      const parsed: unknown = JSON.parse(text);
      if (isRecord(parsed) && typeof parsed.fail === 'string' && typeof parsed.message === 'string') {
        return fail(parsed.fail as SandboxErrorCode, parsed.message);
      }
    }
    return { ok: true, json: text };
  }

  /** Classifies an exception that escaped the prelude's driver: interrupts, out of memory. */
  #vmFailure(context: QuickJSContext, error: QuickJSHandle): Failure {
    let name = '';
    let message = '';
    try {
      const dumped: unknown = context.dump(error);
      if (isRecord(dumped)) {
        name = String(dumped.name ?? '');
        message = String(dumped.message ?? '');
      } else {
        message = String(dumped);
      }
    } catch {
      // Dumping needs memory inside the VM; after running out of it, the code below still knows enough.
    }
    const limits = this.#sandbox.limits;
    if (message === 'interrupted' || performance.now() > this.#deadline) {
      return fail('codec_timeout', `the codec did not finish within ${limits.timeLimitMs} ms`);
    }
    if (message === 'out of memory' || message === '') {
      return fail(
        'codec_memory_limit',
        `the codec used more than ${limits.memoryLimitBytes} bytes of memory`,
      );
    }
    if (message === 'stack overflow') {
      return fail('codec_stack_overflow', 'the codec recursed too deeply (stack overflow)');
    }
    return fail('codec_threw', `${name || 'Error'}: ${message}`);
  }

  #drainJobs(runtime: QuickJSRuntime): boolean {
    while (runtime.hasPendingJob() && performance.now() <= this.#deadline) {
      const result = runtime.executePendingJobs(64);
      if (result.error) result.error.dispose();
    }
    return !runtime.hasPendingJob();
  }

  #resetAfterFailure(instance: Instance): boolean {
    this.#deadline = performance.now() + RESET_TIME_MS;
    const result = instance.context.callFunction(instance.reset, instance.context.undefined);
    if (result.error) {
      result.error.dispose();
      return false;
    }
    const clean =
      instance.context.typeof(result.value) === 'boolean' && instance.context.dump(result.value) === true;
    result.value.dispose();
    return clean;
  }

  #crash(instance: Instance, error: unknown): Failure {
    // The WebAssembly engine failed under us (e.g. V8's own stack overflowed inside it): its memory
    // can no longer be trusted, so neither this runtime nor the engine is used again.
    this.#instance = undefined;
    this.#sandbox.crashed(instance.generation);
    if (error instanceof RangeError) {
      return fail('codec_stack_overflow', 'the codec nested too deeply for the engine (host stack overflow)');
    }
    return fail(
      'codec_crashed',
      `the engine failed (${error instanceof Error ? error.message : String(error)}) and was restarted`,
    );
  }

  /** The live instance, built (or rebuilt after a crash or a dirty call) if needed. */
  #live(): Instance | Failure {
    if (this.#broken) return this.#broken;
    if (this.#disposed) return fail('codec_unavailable', 'the codec was disposed');
    const engine = this.#sandbox.engine();
    if (engine === undefined)
      return fail('codec_unavailable', 'the engine is being restarted after a crash; try again');
    if (this.#instance !== undefined) {
      if (this.#instance.generation === engine.generation) return this.#instance;
      // Built on a retired engine: nothing of it may be touched again.
      this.#instance = undefined;
    }
    try {
      const built = this.#build(engine);
      if ('runtime' in built) this.#instance = built;
      else if (built.code === 'codec_syntax_error') this.#broken = built;
      return built;
    } catch (error) {
      this.#sandbox.crashed(engine.generation);
      return fail(
        'codec_crashed',
        `the engine failed while compiling (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }

  #build(engine: SandboxEngine): Instance | Failure {
    const limits = this.#sandbox.limits;
    const runtime = engine.module.newRuntime();
    runtime.setMemoryLimit(limits.memoryLimitBytes);
    runtime.setMaxStackSize(limits.maxStackBytes);
    runtime.setInterruptHandler(() => performance.now() > this.#deadline);
    const context = runtime.newContext();
    const handles: QuickJSHandle[] = [];
    const release = () => {
      for (const handle of handles.reverse()) if (handle.alive) handle.dispose();
      context.dispose();
      runtime.dispose();
    };
    this.#deadline = performance.now() + SETUP_TIME_MS;

    const syntax = context.evalCode(this.#source, 'codec.js', { type: 'global', compileOnly: true });
    if (syntax.error) {
      const failure = fail('codec_syntax_error', describeSyntaxError(context, syntax.error));
      syntax.error.dispose();
      release();
      return failure;
    }
    syntax.value.dispose();

    try {
      const traits = sourceTraits(this.#source);
      const names = declarationNames(
        traits.reachesGlobalObject ? declaredGlobals(runtime, this.#source) : undefined,
      );
      const install = context.unwrapResult(
        context.evalCode(SANDBOX_PRELUDE, 'prelude.js', { type: 'global' }),
      );
      handles.push(install);
      const limit = context.newNumber(limits.maxOutputBytes);
      handles.push(limit);
      const extensible = context.unwrapResult(
        context.evalCode(JSON.stringify(traits.extendedPrototypes), 'traits.js', { type: 'global' }),
      );
      handles.push(extensible);
      const api = context.unwrapResult(context.callFunction(install, context.undefined, limit, extensible));
      handles.push(api);
      const run = context.getProp(api, 'run');
      const reset = context.getProp(api, 'reset');
      const adopt = context.getProp(api, 'adopt');
      handles.push(run, reset, adopt);
      const factory = context.unwrapResult(
        context.evalCode(factorySource(this.#source, names), 'codec.js', { type: 'global' }),
      );
      handles.push(factory);
      const namesHandle = context.unwrapResult(
        context.evalCode(JSON.stringify(names), 'names.js', { type: 'global' }),
      );
      handles.push(namesHandle);
      context.unwrapResult(context.callFunction(adopt, context.undefined, factory, namesHandle)).dispose();
      const ops = [0, 1, 2, 3].map((op) => context.newNumber(op));
      handles.push(...ops);
      return { generation: engine.generation, engine, runtime, context, run, reset, factory, handles, ops };
    } catch (error) {
      release();
      const message = error instanceof Error ? error.message : String(error);
      if (/out of memory/.test(message)) {
        return fail(
          'codec_memory_limit',
          `the sandbox needs more than ${limits.memoryLimitBytes} bytes to start`,
        );
      }
      return fail('codec_crashed', `the sandbox could not be set up (${message})`);
    }
  }

  #discard(): void {
    const instance = this.#instance;
    this.#instance = undefined;
    if (instance === undefined) return;
    try {
      for (const handle of [...instance.handles].reverse()) if (handle.alive) handle.dispose();
      instance.context.dispose();
      instance.runtime.dispose();
    } catch {
      this.#sandbox.crashed(instance.generation);
    }
  }
}

/**
 * The names a script's top-level var and function declarations would make on the global
 * object. A scratch realm on the codec's runtime instantiates the declarations of the script
 * prefixed with a throw, so none of the codec's code runs; the names it gained are them.
 * Those already holding a function are function declarations; the rest are vars (including
 * functions declared in blocks, which are assigned only when their block runs).
 */
function declaredGlobals(runtime: QuickJSRuntime, source: string): DeclaredGlobals {
  const scratch = runtime.newContext();
  try {
    const diff = scratch.unwrapResult(
      scratch.evalCode(
        `(function () { var before = Object.getOwnPropertyNames(globalThis); return function () {
          var found = { functions: [], vars: [] };
          Object.getOwnPropertyNames(globalThis).forEach(function (k) {
            if (before.indexOf(k) < 0) (typeof globalThis[k] === 'function' ? found.functions : found.vars).push(k);
          });
          return JSON.stringify(found);
        }; })()`,
        'declarations.js',
        { type: 'global' },
      ),
    );
    const run = scratch.evalCode(`throw 0;${source}`, 'codec.js', { type: 'global' });
    if (run.error) run.error.dispose();
    else run.value.dispose();
    const listed = scratch.unwrapResult(scratch.callFunction(diff, scratch.undefined));
    diff.dispose();
    const found: unknown = JSON.parse(scratch.getString(listed));
    listed.dispose();
    return isRecord(found)
      ? { functions: strings(found.functions), vars: strings(found.vars) }
      : { functions: [], vars: [] };
  } finally {
    scratch.dispose();
  }
}

function describeSyntaxError(context: QuickJSContext, error: QuickJSHandle): string {
  const dumped: unknown = context.dump(error);
  if (!isRecord(dumped)) return String(dumped);
  const text = `${String(dumped.name ?? 'SyntaxError')}: ${String(dumped.message ?? '')}`;
  const position = /codec\.js:(\d+):(\d+)/.exec(String(dumped.stack ?? ''));
  return position ? `${text} (line ${position[1]}, column ${position[2]})` : text;
}
