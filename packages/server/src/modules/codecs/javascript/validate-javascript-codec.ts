import type { CodecFunctionName } from './javascript-codec.js';
import { JavaScriptSandbox } from './javascript-sandbox.js';

/** What `validateJavaScriptCodec` found. */
export interface JavaScriptCodecValidation {
  /** True when the source compiles, its top level runs, and it defines at least one codec function. */
  readonly ok: boolean;
  /** The codec functions its top level defines, in TS013 order then the legacy ones. */
  readonly functions: readonly CodecFunctionName[];
  /** Why it cannot be saved, each `"code: message"` (e.g. `codec_syntax_error: … (line 3, column 5)`). */
  readonly errors: readonly string[];
}

let shared: Promise<JavaScriptSandbox> | undefined;

/**
 * Checks a JavaScript codec before it is saved: it must compile as a script, its top level
 * must run within the limits, and it must define `decodeUplink`, `encodeDownlink`,
 * `decodeDownlink` or a legacy `Decoder`, `Encoder`, `Decode` or `Encode`.
 * Uses the given sandbox, or one shared sandbox with the default limits.
 */
export async function validateJavaScriptCodec(
  source: string,
  sandbox?: JavaScriptSandbox,
): Promise<JavaScriptCodecValidation> {
  shared ??= sandbox === undefined ? JavaScriptSandbox.create() : undefined;
  const engine = sandbox ?? (await (shared ?? JavaScriptSandbox.create()));
  await engine.ready();
  const codec = engine.compile(source);
  try {
    const inspected = codec.inspect();
    if (!inspected.ok) return { ok: false, functions: [], errors: [inspected.error] };
    if (inspected.functions.length === 0) {
      return {
        ok: false,
        functions: [],
        errors: [
          'codec_missing_function: the script defines none of decodeUplink, encodeDownlink, decodeDownlink, Decoder, Encoder, Decode, Encode',
        ],
      };
    }
    return { ok: true, functions: inspected.functions, errors: [] };
  } finally {
    codec.dispose();
  }
}
