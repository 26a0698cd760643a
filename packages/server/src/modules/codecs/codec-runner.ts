import type { CodecKind, DecodeResult, DownlinkDecodeInput, EncodeResult, UplinkInput } from './codec.js';
import { type CodecPool, type JavaScriptEncodeInput, sandboxError } from './javascript/index.js';
import { compileSigfoxFormat, decodeSigfoxPayload, type SigfoxFormat } from './sigfox-grammar/index.js';

/** A codec ready to run: `id` and `version` key the compiled form, so a new source needs a new version. */
export interface RunnableCodec {
  readonly id: string;
  readonly version: number;
  readonly kind: CodecKind;
  readonly source: string;
}

/** Compiled Sigfox formats kept; the least recently used is dropped first. */
const MAX_SIGFOX_FORMATS = 1000;

/**
 * Runs a codec of either kind: JavaScript in the worker pool (off the event loop), Sigfox
 * formats on the calling thread (they decode in well under a microsecond, so a hop to a
 * worker would cost more than the work). Never throws; failures are results with errors.
 */
export class CodecRunner {
  readonly #pool: CodecPool;
  readonly #formats = new Map<string, SigfoxFormat | Error>();

  constructor(pool: CodecPool) {
    this.#pool = pool;
  }

  /** Decodes an uplink as capture stores it. */
  async decodeUplink(codec: RunnableCodec, input: UplinkInput): Promise<DecodeResult> {
    if (codec.kind === 'javascript') return this.#pool.decodeUplink(codec, input);
    const format = this.#format(codec);
    if (format instanceof Error) {
      return { data: null, warnings: [], errors: [sandboxError('codec_syntax_error', format.message)] };
    }
    return decodeSigfoxPayload(format, input.bytes);
  }

  /** Encodes a downlink; Sigfox formats only describe uplinks. */
  async encodeDownlink(codec: RunnableCodec, input: JavaScriptEncodeInput): Promise<EncodeResult> {
    if (codec.kind === 'javascript') return this.#pool.encodeDownlink(codec, input);
    return {
      bytes: null,
      warnings: [],
      errors: [sandboxError('codec_missing_function', 'a Sigfox payload format decodes uplinks only')],
    };
  }

  /** Decodes a downlink's bytes (TS013 `decodeDownlink`); Sigfox formats only describe uplinks. */
  async decodeDownlink(codec: RunnableCodec, input: DownlinkDecodeInput): Promise<DecodeResult> {
    if (codec.kind === 'javascript') return this.#pool.decodeDownlink(codec, input);
    return {
      data: null,
      warnings: [],
      errors: [sandboxError('codec_missing_function', 'a Sigfox payload format decodes uplinks only')],
    };
  }

  #format(codec: RunnableCodec): SigfoxFormat | Error {
    const key = `${codec.id}@${codec.version}`;
    const hit = this.#formats.get(key);
    if (hit !== undefined) {
      this.#formats.delete(key);
      this.#formats.set(key, hit);
      return hit;
    }
    let compiled: SigfoxFormat | Error;
    try {
      compiled = compileSigfoxFormat(codec.source);
    } catch (error) {
      compiled = error instanceof Error ? error : new Error(String(error));
    }
    if (this.#formats.size >= MAX_SIGFOX_FORMATS) {
      const oldest = this.#formats.keys().next();
      if (!oldest.done) this.#formats.delete(oldest.value);
    }
    this.#formats.set(key, compiled);
    return compiled;
  }
}
