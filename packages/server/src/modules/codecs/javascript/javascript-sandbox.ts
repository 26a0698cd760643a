import { newQuickJSWASMModule, type QuickJSWASMModule, RELEASE_SYNC } from 'quickjs-emscripten';
import { JavaScriptCodec } from './javascript-codec.js';
import { resolveLimits, type SandboxLimits } from './sandbox-limits.js';

/** The WebAssembly engine a codec runtime lives on, and which incarnation of it that is. */
export interface SandboxEngine {
  readonly module: QuickJSWASMModule;
  readonly generation: number;
}

/**
 * One QuickJS WebAssembly engine and the limits its codecs run under. Compile any number of
 * codecs on it; each gets its own QuickJS runtime (heap, memory limit, interrupt handler).
 *
 * The engine is replaceable: a failure inside WebAssembly itself (a host stack overflow
 * from pathological nesting, a trap) leaves its memory in an unknown state, so the codec
 * that saw it reports `crashed()`, the engine is swapped for a spare loaded in the
 * background, and every codec rebuilds its runtime on the new one at its next call.
 *
 * @example
 * const sandbox = await JavaScriptSandbox.create({ timeLimitMs: 100 });
 * const codec = sandbox.compile('function decodeUplink(input) { return { data: { t: input.bytes[0] } }; }');
 * codec.decodeUplink({ bytes: Uint8Array.of(21), fPort: 1 }); // { data: { t: 21 }, warnings: [], errors: [] }
 */
export class JavaScriptSandbox {
  readonly limits: SandboxLimits;
  #engine: SandboxEngine | undefined;
  #spare: QuickJSWASMModule | undefined;
  #loading: Promise<void> | undefined;
  #generation = 0;

  private constructor(limits: SandboxLimits, module: QuickJSWASMModule) {
    this.limits = limits;
    this.#engine = { module, generation: this.#generation };
    this.#loadSpare();
  }

  /** Loads a QuickJS engine (a few ms) and returns a sandbox with these limits (defaults for the rest). */
  static async create(limits: Partial<SandboxLimits> = {}): Promise<JavaScriptSandbox> {
    const resolved = resolveLimits(limits);
    return new JavaScriptSandbox(resolved, await loadEngine());
  }

  /** Compiles a codec's source; never throws (a source that does not compile answers every call with its error). */
  compile(source: string): JavaScriptCodec {
    return new JavaScriptCodec(this, source);
  }

  /** The engine to build runtimes on, or undefined while a replacement is still loading. */
  engine(): SandboxEngine | undefined {
    if (this.#engine === undefined && this.#spare !== undefined) {
      this.#generation += 1;
      this.#engine = { module: this.#spare, generation: this.#generation };
      this.#spare = undefined;
      this.#loadSpare();
    }
    return this.#engine;
  }

  /** Retires the engine of that generation after a failure inside WebAssembly (later calls use a fresh one). */
  crashed(generation: number): void {
    if (this.#engine?.generation !== generation) return;
    this.#engine = undefined;
    this.engine();
    this.#loadSpare();
  }

  /** Resolves once an engine is available (immediately, unless one is being replaced). */
  async ready(): Promise<void> {
    while (this.engine() === undefined) await (this.#loading ?? this.#loadSpare());
  }

  #loadSpare(): Promise<void> {
    if (this.#spare !== undefined) return Promise.resolve();
    this.#loading ??= loadEngine().then(
      (module) => {
        this.#spare = module;
        this.#loading = undefined;
      },
      () => {
        // Loading the same WebAssembly file again will not fail differently; the next crash retries.
        this.#loading = undefined;
      },
    );
    return this.#loading;
  }
}

function loadEngine(): Promise<QuickJSWASMModule> {
  // A module of our own, not the shared singleton: retiring it after a crash must not affect other users.
  return newQuickJSWASMModule(RELEASE_SYNC);
}
