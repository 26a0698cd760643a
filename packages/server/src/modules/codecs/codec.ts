/**
 * The shapes every codec kind shares. A codec turns a device's bytes into fields (uplinks)
 * and fields into bytes (downlinks); its result is stored with the message exactly as
 * returned here, so these shapes are API: add fields, never rename.
 */

/** Codec kinds. `javascript`: LoRa Alliance TS013 (TTN / ChirpStack) scripts; `sigfox`: the custom-payload grammar. */
export type CodecKind = 'javascript' | 'sigfox';

export interface CodecSource {
  readonly kind: CodecKind;
  readonly source: string;
}

/**
 * Input keys beyond those TS013 defines, given by the caller (the test endpoint): passed to
 * the codec as they are, because some codecs read keys of their own from `input`. The
 * defined keys win over extras of the same name.
 */
export type ExtraInput = Readonly<Record<string, unknown>>;

/** Input of `decodeUplink`, as TS013 defines it. */
export interface UplinkInput {
  readonly bytes: Uint8Array;
  readonly fPort?: number | undefined;
  /** When the frame was received, Unix ms (codecs see a Date). */
  readonly recvTime?: number | undefined;
  readonly variables?: Readonly<Record<string, string>> | undefined;
  readonly extra?: ExtraInput | undefined;
}

/** Input of `encodeDownlink`. */
export interface DownlinkEncodeInput {
  readonly data: unknown;
  readonly variables?: Readonly<Record<string, string>> | undefined;
  readonly extra?: ExtraInput | undefined;
}

/** Input of `decodeDownlink`. */
export interface DownlinkDecodeInput {
  readonly bytes: Uint8Array;
  readonly fPort?: number | undefined;
  readonly variables?: Readonly<Record<string, string>> | undefined;
  readonly extra?: ExtraInput | undefined;
}

/** What decoding produced. `data` is JSON (null when decoding failed); errors never throw. */
export interface DecodeResult {
  readonly data: unknown;
  readonly warnings: readonly string[];
  readonly errors: readonly string[];
}

/** What encoding produced. `bytes` is null when encoding failed. */
export interface EncodeResult {
  readonly bytes: Uint8Array | null;
  readonly fPort?: number | undefined;
  readonly warnings: readonly string[];
  readonly errors: readonly string[];
}
