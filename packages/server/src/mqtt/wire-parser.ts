import { parser as createParser, type IPublishPacket, type Packet, type Parser, type QoS } from 'mqtt-packet';

/**
 * What the connection parses with: the protocol version (and 3.1 bridge mode) of its
 * CONNECT, which mqtt-packet needs to read every later packet (v5 has properties).
 */
export interface WireSettings {
  readonly protocolVersion?: number;
  readonly bridgeMode?: boolean;
}

/** Receives what one `parse` call found. */
export interface PacketSink {
  onParsedPacket(packet: Packet): void;
  onParseError(error: Error): void;
}

/**
 * The parts of mqtt-packet 9's `Parser` that pooling relies on (not in its typings):
 * `settings` is what it parses with (it sets it to the CONNECT packet it reads),
 * `_list` the bytes of an incomplete packet, `_stateCounter` 0 between packets, `packet`
 * the packet being read, `error` set after a parse error (the next `parse` resets).
 */
interface ParserInternals {
  settings: WireSettings;
  packet: { length: number };
  _list: { length: number };
  _stateCounter: number;
  error: unknown;
}

/** Before the CONNECT: mqtt-packet's own default. */
export const INITIAL_SETTINGS: WireSettings = Object.freeze({});
const SETTINGS = new Map<string, WireSettings>();

/** The shared settings object for a CONNECT's protocol version and bridge flag. */
export function wireSettings(
  protocolVersion: number | undefined,
  bridgeMode: boolean | undefined,
): WireSettings {
  const key = `${protocolVersion ?? ''}/${bridgeMode === true ? 1 : 0}`;
  let settings = SETTINGS.get(key);
  if (settings === undefined) {
    settings = Object.freeze({ protocolVersion, bridgeMode: bridgeMode === true });
    SETTINGS.set(key, settings);
  }
  return settings;
}

/** Idle parsers kept for reuse; more are created on demand and dropped when the pool is full. */
const POOL_LIMIT = 32;
const pool: Parser[] = [];
/** Who the parser currently running reports to (parsing is synchronous and never nested). */
let currentSink: PacketSink | undefined;

function internals(parser: Parser): ParserInternals {
  return parser as unknown as ParserInternals;
}

function newParser(): Parser {
  const parser = createParser();
  parser.on('packet', (packet: Packet) => currentSink?.onParsedPacket(packet));
  parser.on('error', (error: unknown) =>
    currentSink?.onParseError(error instanceof Error ? error : new Error('malformed packet')),
  );
  return parser;
}

/**
 * Parses `bytes` for one connection. A parser holds state only while a packet is
 * incomplete, so connections share a small pool of them: an idle connection holds
 * none (an mqtt-packet parser with its buffer list weighs about 1.5 KB). Returns the
 * parser the connection must pass back next time (an incomplete packet is buffered in
 * it), or undefined when it went back to the pool.
 */
export function parseWire(
  held: Parser | undefined,
  settings: WireSettings,
  bytes: Buffer,
  sink: PacketSink,
): Parser | undefined {
  const parser = held ?? pool.pop() ?? newParser();
  const state = internals(parser);
  if (held === undefined) state.settings = settings;
  const previous = currentSink;
  currentSink = sink;
  try {
    parser.parse(bytes);
  } finally {
    currentSink = previous;
  }
  if (state.error !== null && state.error !== undefined) return undefined; // dropped: the connection ends
  if (state._stateCounter !== 0 || state._list.length > 0) return parser;
  // Between packets: nothing of this connection is left but the settings (which may be its CONNECT).
  state.settings = INITIAL_SETTINGS;
  if (pool.length < POOL_LIMIT) pool.push(parser);
  return undefined;
}

/** The remaining length announced by the incomplete packet a held parser is reading, or -1. */
export function announcedLength(held: Parser | undefined): number {
  return held === undefined ? -1 : internals(held).packet.length;
}

/** What `readPublish` found at a position. */
export const READ_INCOMPLETE = -1;
export const READ_OTHER = -2;

/** The PUBLISH that `readPublish` read last (parsing is synchronous and never nested). */
let lastPublish: IPublishPacket | undefined;

/** Takes the PUBLISH that the last successful `readPublish` read. */
export function takePublish(): IPublishPacket | undefined {
  const packet = lastPublish;
  lastPublish = undefined;
  return packet;
}

/**
 * Reads one complete, well-formed PUBLISH at `pos` without mqtt-packet (its buffer list,
 * state machine and debug calls cost more than routing a small QoS 0 message). Returns
 * where the packet ends (take it with `takePublish`), READ_INCOMPLETE when the bytes end
 * inside a packet of at most `keepLimit` bytes (the caller keeps them for the next read),
 * or READ_OTHER for anything else: another packet type, MQTT 5 properties, a larger
 * incomplete packet, or an encoding mqtt-packet must judge (so errors stay its errors).
 * The packet has the fields and values mqtt-packet gives it.
 */
export function readPublish(bytes: Buffer, pos: number, settings: WireSettings, keepLimit: number): number {
  const available = bytes.length - pos;
  if (available === 0) return READ_OTHER;
  const first = bytes[pos] ?? 0;
  // Type 3; QoS 3 is malformed [MQTT-3.3.1-4] and left to mqtt-packet.
  if (first >> 4 !== 3 || (first & 0x06) === 0x06) return READ_OTHER;
  let length = 0;
  let multiplier = 1;
  let at = pos + 1;
  for (let i = 0; ; i++) {
    if (i === 4) return READ_OTHER;
    if (at >= bytes.length) return available <= 5 ? READ_INCOMPLETE : READ_OTHER;
    const byte = bytes[at++] ?? 0;
    length += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) break;
    multiplier *= 128;
  }
  const end = at + length;
  if (end > bytes.length) return end - pos <= keepLimit ? READ_INCOMPLETE : READ_OTHER;
  if (length < 2) return READ_OTHER;
  const topicLength = bytes.readUInt16BE(at);
  let payloadAt = at + 2 + topicLength;
  const qos = (first >> 1) & 0x03;
  if (qos > 0) payloadAt += 2;
  // MQTT 5: only an empty property list is read here.
  if (settings.protocolVersion === 5) {
    if (payloadAt >= end || bytes[payloadAt] !== 0) return READ_OTHER;
    payloadAt++;
  }
  if (payloadAt > end) return READ_OTHER;
  const packet: IPublishPacket = {
    cmd: 'publish',
    retain: (first & 0x01) !== 0,
    qos: qos as QoS,
    dup: (first & 0x08) !== 0,
    length,
    topic: bytes.toString('utf8', at + 2, at + 2 + topicLength),
    payload: bytes.subarray(payloadAt, end),
  };
  if (qos > 0) packet.messageId = bytes.readUInt16BE(at + 2 + topicLength);
  lastPublish = packet;
  return end;
}
