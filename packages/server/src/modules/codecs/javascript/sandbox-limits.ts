/** Limits every JavaScript codec call runs under. */
export interface SandboxLimits {
  /** Wall-clock time one call may take (decode or encode, the codec's top level included), ms. */
  readonly timeLimitMs: number;
  /**
   * Heap of one codec's QuickJS runtime, bytes. It includes what the built-ins and the
   * compiled codec take (about 0.3 MiB for a small codec), so it must leave room above that.
   */
  readonly memoryLimitBytes: number;
  /** QuickJS stack, bytes: bounds recursion (JavaScript's, and that of JSON, RegExp and the parser). */
  readonly maxStackBytes: number;
  /** Largest output: characters of `data` as JSON, or bytes returned by an encoder. */
  readonly maxOutputBytes: number;
  /** Largest codec source accepted, characters. */
  readonly maxSourceBytes: number;
}

/** The defaults: 100 ms, 16 MiB, 256 KiB of stack, 1 MiB of output, 1 MiB of source. */
export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = Object.freeze({
  timeLimitMs: 100,
  memoryLimitBytes: 16 * 2 ** 20,
  maxStackBytes: 256 * 2 ** 10,
  maxOutputBytes: 2 ** 20,
  maxSourceBytes: 2 ** 20,
});

/**
 * Stable codes of the errors the sandbox itself reports. They lead the message in
 * `errors` (`"codec_timeout: …"`); errors a codec returns itself are passed through as
 * they are. Codes are API: add, never rename.
 */
export type SandboxErrorCode =
  /** The source does not compile as a script. */
  | 'codec_syntax_error'
  /** The source is longer than `maxSourceBytes`. */
  | 'codec_too_large'
  /** The script defines no function for what was asked (e.g. no decodeDownlink). */
  | 'codec_missing_function'
  /** The codec (or its top level) threw; the message follows the code. */
  | 'codec_threw'
  /** The call took longer than `timeLimitMs`. */
  | 'codec_timeout'
  /** The codec's runtime reached `memoryLimitBytes`. */
  | 'codec_memory_limit'
  /** The codec recursed deeper than `maxStackBytes` allows. */
  | 'codec_stack_overflow'
  /** The result is not what TS013 defines, or not JSON (NaN, Infinity, BigInt, a cycle, a bad byte). */
  | 'codec_output_invalid'
  /** The result is larger than `maxOutputBytes`. */
  | 'codec_output_too_large'
  /** The engine itself failed during the call; it was replaced and later calls run normally. */
  | 'codec_crashed'
  /** The engine is being replaced after a crash; try again. */
  | 'codec_unavailable'
  /** The pool's worker thread died or was stopped during the call; it was replaced. */
  | 'codec_worker_crashed'
  /** The pool was closed before the call was answered. */
  | 'codec_pool_closed';

/** `"code: message"`, the form sandbox errors take in a result's `errors`. */
export function sandboxError(code: SandboxErrorCode, message: string): string {
  return `${code}: ${message}`;
}

const CODE_PATTERN = /^(codec_[a-z_]+): /;

/** The sandbox error code an `errors` entry starts with, if it is one of ours. */
export function sandboxErrorCode(entry: string): SandboxErrorCode | undefined {
  const match = CODE_PATTERN.exec(entry);
  return match ? (match[1] as SandboxErrorCode) : undefined;
}

/** Limits with defaults filled in, each checked to be a positive finite number. */
export function resolveLimits(given: Partial<SandboxLimits> = {}): SandboxLimits {
  const limits = { ...DEFAULT_SANDBOX_LIMITS };
  for (const key of Object.keys(DEFAULT_SANDBOX_LIMITS) as (keyof SandboxLimits)[]) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`sandbox limit ${key} must be a positive number, got ${String(value)}`);
    }
    limits[key] = value;
  }
  return Object.freeze(limits);
}
