import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSWASMModule,
  RELEASE_SYNC,
} from 'quickjs-emscripten';
import { JavaScriptCodec } from './javascript-codec.js';
import { resolveLimits, type SandboxLimits } from './sandbox-limits.js';

/** The WebAssembly engine a codec runtime lives on, and which incarnation of it that is. */
export interface SandboxEngine {
  readonly module: QuickJSWASMModule;
  readonly generation: number;
  /** The engine's WebAssembly memory: every QuickJS heap of this engine lives in it. */
  readonly memory: EngineMemory;
}

/** The part of `WebAssembly.Memory` used here (the project's TypeScript libs do not declare WebAssembly). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WasmMemoryConstructor = (
  globalThis as unknown as {
    WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory };
  }
).WebAssembly.Memory;

/** 64 KiB, the WebAssembly page. */
const PAGE_BYTES = 65_536;
/** What the build's memory import requires at least (emscripten's INITIAL_MEMORY, 16 MiB). */
const INITIAL_PAGES = 256;
/** emscripten's own ceiling for this build (2 GiB). */
const MAXIMUM_PAGES = 32_768;
/** Ballast chunk: fine enough that at most this much of the initial memory stays free. */
const BALLAST_CHUNK_BYTES = 256 * 1024;

/**
 * The memory of one engine, with a growth budget for the call running on it.
 *
 * Why: this QuickJS build cannot measure allocation sizes (`malloc_usable_size` is 0 under
 * emscripten), so a runtime's own memory limit only refuses single allocations larger than
 * the limit; many smaller ones (typed arrays, strings, arrays) pass it. Every allocation
 * that does not fit in the free heap makes emscripten's `sbrk` call `grow()` on this
 * memory, synchronously, from inside the allocation. Refusing that growth makes the
 * allocation fail, which QuickJS turns into its ordinary "out of memory" exception at
 * once: no polling, and the codec cannot allocate past it.
 *
 * The bound: a call gets its limit of growth plus whatever heap is free when it starts.
 * That free heap is kept small: the initial 16 MiB are filled with ballast when the engine
 * loads; growth comes in emscripten's steps (5 to 20% above what was asked); and the sandbox
 * retires an engine once calls have grown it by more than one limit in all (or one was
 * refused), so memory freed by earlier calls never adds up to more than about one limit.
 */
export class EngineMemory {
  readonly memory: WasmMemory;
  /** Byte size the current call may grow the memory to; undefined outside calls. */
  #ceiling: number | undefined;
  #refused = false;
  /** Growth that happened during calls (not while building runtimes), bytes. */
  #callGrowth = 0;
  #countedBefore = 0;

  constructor() {
    this.memory = new WasmMemoryConstructor({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES });
    const grow = WasmMemoryConstructor.prototype.grow;
    const memory = this.memory;
    // Emscripten's heap resize calls `grow` on the memory it was given: an own property wins.
    Object.defineProperty(memory, 'grow', {
      value: (pages: number): number => {
        const wanted = memory.buffer.byteLength + pages * PAGE_BYTES;
        if (this.#ceiling !== undefined && wanted > this.#ceiling) {
          this.#refused = true;
          // emscripten's resize catches this and reports the allocation as failed.
          throw new RangeError('codec memory budget exhausted');
        }
        const before = memory.buffer.byteLength;
        const result = grow.call(memory, pages);
        if (this.#ceiling !== undefined) this.#callGrowth += memory.buffer.byteLength - before;
        return result;
      },
    });
  }

  /** Current size, bytes. WebAssembly memory never shrinks; only retiring the engine gives it back. */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Growth during calls since the engine loaded, bytes. */
  get callGrowth(): number {
    return this.#callGrowth;
  }

  /** Opens a call's budget: it may grow the memory by at most `budgetBytes`. */
  beginCall(budgetBytes: number): void {
    this.#ceiling = this.bytes + budgetBytes;
    this.#refused = false;
    this.#countedBefore = this.#callGrowth;
  }

  /** Closes the call's budget; true when the call was refused memory. `counted: false` leaves its growth out of `callGrowth`. */
  endCall(counted = true): boolean {
    if (!counted) this.#callGrowth = this.#countedBefore;
    this.#ceiling = undefined;
    const refused = this.#refused;
    this.#refused = false;
    return refused;
  }
}

/**
 * One QuickJS WebAssembly engine and the limits its codecs run under. Compile any number of
 * codecs on it; each gets its own QuickJS runtime (heap, memory limit, interrupt handler).
 *
 * The engine is replaceable: a failure inside WebAssembly itself (a host stack overflow
 * from pathological nesting, a trap) leaves its memory in an unknown state, and a codec that
 * hit the memory limit leaves the memory grown (WebAssembly memory never shrinks). Then the
 * codec reports `crashed()` / `retire()`, the engine is swapped for a spare loaded in the
 * background, every codec drops its runtime on the old one (so its memory can be collected)
 * and rebuilds on the new one at its next call.
 *
 * @example
 * const sandbox = await JavaScriptSandbox.create({ timeLimitMs: 100 });
 * const codec = sandbox.compile('function decodeUplink(input) { return { data: { t: input.bytes[0] } }; }');
 * codec.decodeUplink({ bytes: Uint8Array.of(21), fPort: 1 }); // { data: { t: 21 }, warnings: [], errors: [] }
 */
export class JavaScriptSandbox {
  readonly limits: SandboxLimits;
  #engine: SandboxEngine | undefined;
  #spare: LoadedEngine | undefined;
  #loading: Promise<void> | undefined;
  #generation = 0;
  #retired = 0;
  /** An engine to retire as soon as the spare is loaded. */
  #retireWhenSpare: number | undefined;
  /** Codecs with a runtime on the current engine, told to drop it when the engine is retired. */
  readonly #codecs = new Set<WeakRef<JavaScriptCodec>>();

  private constructor(limits: SandboxLimits, loaded: LoadedEngine) {
    this.limits = limits;
    this.#engine = { ...loaded, generation: this.#generation };
    this.#loadSpare();
  }

  /** Loads a QuickJS engine (a few ms) and returns a sandbox with these limits (defaults for the rest). */
  static async create(limits: Partial<SandboxLimits> = {}): Promise<JavaScriptSandbox> {
    const resolved = resolveLimits(limits);
    return new JavaScriptSandbox(resolved, await loadEngine());
  }

  /** Compiles a codec's source; never throws (a source that does not compile answers every call with its error). */
  compile(source: string): JavaScriptCodec {
    const codec = new JavaScriptCodec(this, source);
    this.#codecs.add(new WeakRef(codec));
    return codec;
  }

  /** Bytes of WebAssembly memory the current engine holds (0 while a replacement loads). */
  memoryBytes(): number {
    return this.#engine?.memory.bytes ?? 0;
  }

  /** Engines retired since the sandbox was created (crashes and memory limits). */
  get retiredEngines(): number {
    return this.#retired;
  }

  /** The engine to build runtimes on, or undefined while a replacement is still loading. */
  engine(): SandboxEngine | undefined {
    if (this.#engine === undefined && this.#spare !== undefined) {
      this.#generation += 1;
      this.#engine = { ...this.#spare, generation: this.#generation };
      this.#spare = undefined;
      this.#loadSpare();
    }
    return this.#engine;
  }

  /** Retires the engine of that generation after a failure inside WebAssembly (later calls use a fresh one). */
  crashed(generation: number): void {
    this.retire(generation, true);
  }

  /**
   * Retires the engine of that generation: its codecs drop their runtimes without touching
   * them, and later calls build on a fresh engine. After a crash (`now`) that is at once, even
   * if calls must then wait for the spare (`codec_unavailable`). Otherwise (memory grown by
   * calls) a sound engine goes on serving until the spare has loaded, so a synchronous caller
   * is never left without one.
   */
  retire(generation: number, now = false): void {
    if (this.#engine?.generation !== generation) return;
    if (!now && this.#spare === undefined) {
      this.#retireWhenSpare = generation;
      return;
    }
    this.#engine = undefined;
    this.#retireWhenSpare = undefined;
    this.#retired += 1;
    for (const reference of this.#codecs) {
      const codec = reference.deref();
      if (codec === undefined) this.#codecs.delete(reference);
      else codec.forgetEngine(generation);
    }
    this.engine();
    this.#loadSpare();
  }

  /** Resolves once an engine is available and no retirement is pending. */
  async ready(): Promise<void> {
    for (let attempt = 0; this.engine() === undefined || this.#retireWhenSpare !== undefined; attempt += 1) {
      if (attempt >= 3) {
        if (this.#engine !== undefined) return;
        throw new Error('the QuickJS engine cannot be loaded');
      }
      await (this.#loading ?? this.#loadSpare());
    }
  }

  /** @internal A codec was disposed: stop tracking it. */
  forget(codec: JavaScriptCodec): void {
    for (const reference of this.#codecs) {
      const held = reference.deref();
      if (held === undefined || held === codec) this.#codecs.delete(reference);
    }
  }

  #loadSpare(): Promise<void> {
    if (this.#spare !== undefined) return Promise.resolve();
    this.#loading ??= loadEngine().then(
      (loaded) => {
        this.#spare = loaded;
        this.#loading = undefined;
        if (this.#retireWhenSpare !== undefined) this.retire(this.#retireWhenSpare);
      },
      () => {
        // Loading the same WebAssembly file again will not fail differently; the next crash retries.
        this.#loading = undefined;
      },
    );
    return this.#loading;
  }
}

interface LoadedEngine {
  readonly module: QuickJSWASMModule;
  readonly memory: EngineMemory;
  /** Fills free heap; kept alive with the engine. */
  readonly ballast: Ballast;
}

async function loadEngine(): Promise<LoadedEngine> {
  // A module of our own, not the shared singleton: retiring it after a crash must not affect other users.
  const memory = new EngineMemory();
  const module = await newQuickJSWASMModuleFromVariant(
    newVariant(RELEASE_SYNC, { wasmMemory: memory.memory }),
  );
  const ballast = new Ballast(module, memory);
  ballast.absorb();
  return { module, memory, ballast };
}

/**
 * ArrayBuffers held by a runtime of its own that take up the engine's free heap: the rest
 * of the initial 16 MiB when it loads, and what emscripten's growth step (5 to 20% of the
 * memory beyond what was asked for) leaves free after runtimes are built. With no free heap
 * left, what a call allocates beyond its runtime's own pages is growth its budget sees. The
 * pages stay untouched (zero-filled, never written), so the host does not commit them.
 */
class Ballast {
  readonly #memory: EngineMemory;
  readonly #context: QuickJSContext;
  readonly #fill: QuickJSHandle;
  #absorbedAt = 0;

  constructor(module: QuickJSWASMModule, memory: EngineMemory) {
    this.#memory = memory;
    this.#context = module.newRuntime().newContext();
    // Allocates chunks, halving their size when one is refused, until even a small one is.
    const fill = this.#context.evalCode(`(function () {
      var held = globalThis.held || (globalThis.held = []);
      for (var chunk = ${BALLAST_CHUNK_BYTES}; chunk >= 4096; chunk /= 2) {
        for (;;) { try { held.push(new ArrayBuffer(chunk)); } catch (e) { break; } }
      }
    })`);
    this.#fill = this.#context.unwrapResult(fill);
  }

  /** Fills the free heap, if the memory grew since the last time; growth is refused meanwhile. */
  absorb(): void {
    if (this.#memory.bytes === this.#absorbedAt) return;
    this.#memory.beginCall(0);
    try {
      const result = this.#context.callFunction(this.#fill, this.#context.undefined);
      if (result.error) result.error.dispose();
      else result.value.dispose();
    } finally {
      this.#memory.endCall(false);
    }
    this.#absorbedAt = this.#memory.bytes;
  }
}
