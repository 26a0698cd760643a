/**
 * Sigfox callbacks: the bodies users configure in the Sigfox backend, turned into frames.
 *
 * Sigfox fills a body template with its variables (`{device}`, `{time}`, `{data}` …), so the
 * same field arrives as a string or a number depending on whether the user quoted it
 * (`"seqNumber":"{seqNumber}"` or `"seqNumber":{seqNumber}`), and form bodies carry only
 * strings. This module accepts both, and refuses only what would make the frame wrong:
 * the identity (`device`, `time`, `seqNumber`) and the payload (`data`). Radio metadata
 * that is not a number is kept as sent in the reception's `extra` rather than losing the
 * message over it; unknown fields (users add custom variables) are kept there too.
 *
 * Kinds (see docs/SIGFOX.md for the body templates):
 *   - `data`: DATA UPLINK — device, time, data, seqNumber, station, rssi, snr, avgSnr, lat, lng, duplicate;
 *   - `data_advanced`: DATA ADVANCED — adds lqi, linkQuality, duplicates[], computedLocation;
 *   - `bidir`: DATA BIDIR — adds ack, longPolling;
 *   - `service`: SERVICE STATUS / ACKNOWLEDGE / GEOLOC … — no `data`; batt, temp, infoCode …;
 *   - `error`: ERROR — no `data`; info, severity.
 */
import { AppError } from '../../../kernel/errors.js';
import type { Frame, Reception } from '../frame.js';
import { checkFrameFields, type FrameWording } from '../frame-checks.js';

export type SigfoxUplinkKind = 'data' | 'data_advanced' | 'bidir';
export type SigfoxNoticeKind = 'service' | 'error';
export type SigfoxCallbackKind = SigfoxUplinkKind | SigfoxNoticeKind;

/** A callback that carries a device's frame. */
export interface SigfoxUplink {
  readonly kind: SigfoxUplinkKind;
  /** The Sigfox device id, upper-case hex. */
  readonly device: string;
  /** The frame's time (Sigfox `time`), Unix ms. */
  readonly time: number;
  /** The 12-bit Sigfox sequence number. */
  readonly seqNumber: number;
  readonly payload: Buffer;
  /** Sigfox `duplicate=true`: another base station's copy of a frame already called back. */
  readonly duplicate: boolean;
  /** BIDIR `ack`: the device waits for a downlink. */
  readonly ack: boolean | undefined;
  readonly receptions: readonly Reception[];
}

/** A SERVICE or ERROR callback: news about a device, not a message. */
export interface SigfoxNotice {
  readonly kind: SigfoxNoticeKind;
  readonly device: string;
  readonly time: number | undefined;
  /** Every other field, as sent. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export type SigfoxCallback = SigfoxUplink | SigfoxNotice;

/** Whether the callback carries a frame (DATA, DATA_ADVANCED, BIDIR). */
export function isSigfoxUplink(callback: SigfoxCallback): callback is SigfoxUplink {
  return callback.kind !== 'service' && callback.kind !== 'error';
}

/** A Sigfox frame carries at most 12 bytes. */
export const SIGFOX_MAX_PAYLOAD_BYTES = 12;
/** Sigfox sequence numbers are 12-bit and wrap at 4096. */
export const SIGFOX_SEQ_BITS = 12;
/** Most entries of a DATA_ADVANCED `duplicates` array; real frames have a handful. */
const MAX_DUPLICATES = 100;
const MAX_STATION_LENGTH = 128;
/** The capture checks, in the words of a Sigfox body (its field names, its time in seconds). */
const SIGFOX_WORDING: FrameWording = {
  seq: () => ({
    field: 'seqNumber',
    message: `seqNumber must be from 0 to ${2 ** SIGFOX_SEQ_BITS - 1} (12 bits)`,
  }),
  // The network's clock is the frame's clock: a day ahead of ours is a broken body, not drift.
  time: () => ({
    field: 'time',
    message:
      'time is not a plausible frame time (epoch seconds, after 2000, at most a day ahead of the server)',
  }),
  payload: ({ maxBytes }) => ({
    field: 'data',
    message: `data must be at most ${maxBytes} bytes (a Sigfox frame)`,
  }),
};
const SIGFOX_LIMITS = { seqBits: SIGFOX_SEQ_BITS, maxPayloadBytes: SIGFOX_MAX_PAYLOAD_BYTES } as const;
/** When a body reports radio data but names no base station. */
export const UNKNOWN_STATION = 'unknown';

/** Fields that make up the frame or its reception columns; everything else goes to `extra`. */
const FRAME_FIELDS = new Set([
  'device',
  'time',
  'data',
  'seqNumber',
  'duplicate',
  'station',
  'rssi',
  'snr',
  'lat',
  'lng',
  'duplicates',
]);
const ADVANCED_FIELDS = ['duplicates', 'lqi', 'linkQuality', 'computedLocation'];
/** Fields of SERVICE callbacks (STATUS, ACKNOWLEDGE, GEOLOC, REPEATER) that no DATA body has. */
const SERVICE_FIELDS = [
  'batt',
  'temp',
  'status',
  'infoCode',
  'infoMessage',
  'downlinkAck',
  'downlinkOverusage',
  'radius',
  'geolocSource',
];
const ERROR_FIELDS = ['severity', 'info'];

const HEX = /^[0-9A-Fa-f]*$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function invalid(field: string, message: string): AppError {
  return new AppError('validation_failed', `${field} ${message}`, { field });
}

const has = (body: Readonly<Record<string, unknown>>, field: string) =>
  Object.hasOwn(body, field) && body[field] !== undefined;

/** Empty strings and nulls are what Sigfox sends for a variable it has no value for. */
function absent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function requiredInteger(value: unknown, field: string): number {
  const text = scalarText(value);
  if (text === undefined || !INTEGER.test(text)) {
    throw invalid(
      field,
      absent(value) ? 'is required' : 'must be an integer (a number or a string of digits)',
    );
  }
  return Number(text);
}

/** A number from a number or a numeric string ("-120.00"); undefined when it is not one. */
function decimal(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value.trim());
  return undefined;
}

function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
  }
  return undefined;
}

function requiredBoolean(value: unknown, field: string): boolean | undefined {
  if (absent(value)) return undefined;
  const parsed = booleanOf(value);
  if (parsed === undefined) throw invalid(field, 'must be true or false');
  return parsed;
}

/** Sigfox puts JSON variables (`{duplicates}`, `{computedLocation}`) into the body as JSON, or as text in forms. */
function jsonValue(value: unknown, field: string): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw invalid(field, 'must be JSON (the Sigfox variable, unquoted in a JSON body)');
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sigfox device and base-station ids are hex; they are compared in upper case. */
function deviceOf(body: Readonly<Record<string, unknown>>): string {
  const text = scalarText(body.device);
  if (text === undefined || text === '') throw invalid('device', 'is required');
  if (!/^[0-9A-Fa-f]{1,16}$/.test(text))
    throw invalid('device', 'must be a Sigfox device id in hex (1–16 digits)');
  return text.toUpperCase();
}

function stationOf(value: unknown, field: string): string {
  const text = scalarText(value);
  if (text === undefined || text === '') throw invalid(field, 'must be a base station id');
  if (text.length > MAX_STATION_LENGTH || !/^[\x21-\x7e]+$/.test(text)) {
    throw invalid(field, `must be at most ${MAX_STATION_LENGTH} printable ASCII characters`);
  }
  return HEX.test(text) ? text.toUpperCase() : text;
}

/** Sigfox gives the frame's time in epoch seconds. */
function timeOf(value: unknown): number {
  return requiredInteger(value, 'time') * 1000;
}

function payloadOf(value: unknown): Buffer {
  if (value === null || value === undefined) return Buffer.alloc(0);
  if (typeof value !== 'string')
    throw invalid('data', 'must be the frame as a hex string ("{data}", quoted)');
  const text = value.trim();
  if (!HEX.test(text) || text.length % 2 !== 0) throw invalid('data', 'must be hex with two digits per byte');
  return Buffer.from(text, 'hex');
}

/**
 * Splits radio fields into reception columns; a value that is not a number stays in `extra`
 * as sent, so that nothing the network reported is lost.
 */
function radio(
  source: Readonly<Record<string, unknown>>,
  fields: readonly ['rssi', 'snr', 'lat', 'lng'],
  extra: [string, unknown][],
): Pick<Reception, 'rssi' | 'snr' | 'lat' | 'lng'> {
  const out: Partial<Record<'rssi' | 'snr' | 'lat' | 'lng', number>> = {};
  for (const field of fields) {
    const value = source[field];
    if (absent(value)) continue;
    const number = decimal(value);
    if (number === undefined) extra.push([field, value]);
    else out[field] = number;
  }
  return out;
}

const RADIO = ['rssi', 'snr', 'lat', 'lng'] as const;

/** Frame-level fields (avgSnr, lqi, computedLocation, custom variables …), normalised where Sigfox defines them. */
function frameExtra(body: Readonly<Record<string, unknown>>): [string, unknown][] {
  const extra: [string, unknown][] = [];
  for (const [key, value] of Object.entries(body)) {
    if (FRAME_FIELDS.has(key) || value === undefined) continue;
    if (key === 'avgSnr') extra.push([key, decimal(value) ?? value]);
    else if (key === 'ack' || key === 'longPolling') extra.push([key, booleanOf(value) ?? value]);
    else if (key === 'computedLocation' && !absent(value)) extra.push([key, jsonValue(value, key)]);
    else extra.push([key, value]);
  }
  return extra;
}

function duplicatesOf(value: unknown, receivedAt: number): Reception[] {
  if (absent(value)) return [];
  const list = jsonValue(value, 'duplicates');
  if (!Array.isArray(list)) throw invalid('duplicates', 'must be an array of receptions');
  if (list.length > MAX_DUPLICATES)
    throw invalid('duplicates', `must hold at most ${MAX_DUPLICATES} receptions`);
  return list.map((entry: unknown, index) => {
    const field = `duplicates[${index}]`;
    if (!isRecord(entry)) throw invalid(field, 'must be an object with bsId, rssi, snr, nbRep');
    const extra: [string, unknown][] = [];
    const columns = radio(entry, RADIO, extra);
    for (const [key, item] of Object.entries(entry)) {
      if (key === 'bsId' || (RADIO as readonly string[]).includes(key) || item === undefined) continue;
      extra.push([key, key === 'nbRep' ? (decimal(item) ?? item) : item]);
    }
    return {
      station: stationOf(entry.bsId, `${field}.bsId`),
      receivedAt,
      ...columns,
      extra: Object.fromEntries(extra),
    };
  });
}

function kindOf(body: Readonly<Record<string, unknown>>): SigfoxCallbackKind {
  if (has(body, 'data')) {
    if (has(body, 'ack')) return 'bidir';
    if (ADVANCED_FIELDS.some((field) => has(body, field))) return 'data_advanced';
    return 'data';
  }
  if (ERROR_FIELDS.some((field) => has(body, field))) return 'error';
  if (SERVICE_FIELDS.some((field) => has(body, field))) return 'service';
  // Without `data` and without any SERVICE or ERROR field this is a DATA template that
  // forgot `{data}`: answering 2xx would drop the device's frames without a trace.
  throw invalid(
    'data',
    'is required in DATA callbacks ("data": "{data}"); SERVICE and ERROR callbacks carry their own fields',
  );
}

/**
 * Reads a Sigfox callback body, refusing it with `validation_failed` and the field at fault
 * when it cannot be a callback Sigfox sent. `receivedAt` is the server's time of the request.
 */
export function parseSigfoxCallback(body: unknown, receivedAt: number): SigfoxCallback {
  if (!isRecord(body))
    throw new AppError('validation_failed', 'the callback body must be a JSON object or a form');
  const device = deviceOf(body);
  const kind = kindOf(body);
  if (kind === 'service' || kind === 'error') {
    const fields = Object.fromEntries(
      Object.entries(body).filter(([key]) => key !== 'device' && key !== 'time'),
    );
    const time = absent(body.time) ? undefined : timeOf(body.time);
    checkFrameFields({ deviceTime: time }, { ...SIGFOX_LIMITS, receivedAt }, { wording: SIGFOX_WORDING });
    return { kind, device, time, fields };
  }
  const time = timeOf(body.time);
  const seqNumber = requiredInteger(body.seqNumber, 'seqNumber');
  const payload = payloadOf(body.data);
  checkFrameFields(
    { deviceTime: time, seq: seqNumber, payloadBytes: payload.length },
    { ...SIGFOX_LIMITS, receivedAt },
    { wording: SIGFOX_WORDING },
  );
  const duplicate = requiredBoolean(body.duplicate, 'duplicate') ?? false;
  const ack = requiredBoolean(body.ack, 'ack');

  const ownExtra: [string, unknown][] = [];
  const columns = radio(body, RADIO, ownExtra);
  const duplicates = duplicatesOf(body.duplicates, receivedAt);
  const receptions: Reception[] = [];
  const hasStation = !absent(body.station);
  // Without a `station`, radio fields at the top level cannot be given to a base station:
  // they stay with the frame's other fields.
  const shared =
    hasStation || duplicates.length === 0
      ? frameExtra(body)
      : [...frameExtra(body), ...ownExtra, ...Object.entries(columns)];
  if (hasStation || duplicates.length === 0) {
    const station = hasStation ? stationOf(body.station, 'station') : UNKNOWN_STATION;
    // The one base station of a DATA callback; without it, a reception only when the body
    // reports something about the radio (otherwise there is nothing to keep).
    const same = duplicates.find((d) => d.station === station);
    const extra = [...(same?.extra ? Object.entries(same.extra) : []), ...shared, ...ownExtra];
    if (hasStation || extra.length > 0 || Object.keys(columns).length > 0) {
      receptions.push({
        station,
        receivedAt,
        ...(same ? { rssi: same.rssi, snr: same.snr, lat: same.lat, lng: same.lng } : {}),
        ...columns,
        extra: Object.fromEntries(extra),
      });
    }
  }
  for (const reception of duplicates) {
    if (receptions.some((r) => r.station === reception.station)) continue;
    // Without a `station`, the frame's own fields (lqi, computedLocation …) travel with
    // every reception, so that each stored reception says what the network said.
    const extra = hasStation ? reception.extra : { ...Object.fromEntries(shared), ...reception.extra };
    receptions.push({ ...reception, extra });
  }
  return { kind, device, time, seqNumber, payload, duplicate, ack, receptions };
}

/** The frame a Sigfox uplink hands to the capture pipeline. */
export function sigfoxFrame(
  uplink: SigfoxUplink,
  { tenantId, typeId }: { readonly tenantId: string; readonly typeId: string },
  receivedAt: number,
): Frame {
  return {
    tenantId,
    deviceId: uplink.device,
    typeId,
    transport: 'sigfox',
    receivedAt,
    deviceTime: uplink.time,
    seq: uplink.seqNumber,
    seqBits: SIGFOX_SEQ_BITS,
    payload: uplink.payload,
    receptions: uplink.receptions,
    // A duplicate only adds its reception; if the original callback never came, the
    // pipeline stores the frame from it, so nothing is lost.
    receptionsOnly: uplink.duplicate,
  };
}

/**
 * Reads an `application/x-www-form-urlencoded` callback body. A field given twice is
 * ambiguous and refused.
 */
export function parseSigfoxForm(text: string): Record<string, string> {
  const entries: [string, string][] = [];
  const seen = new Set<string>();
  for (const [key, value] of new URLSearchParams(text)) {
    // The JSON parser refuses this key too: it would reach an object's prototype.
    if (key === '__proto__')
      throw new AppError('malformed_body', 'the form contains a forbidden key (__proto__)');
    if (seen.has(key)) throw new AppError('malformed_body', `the form gives '${key}' more than once`);
    seen.add(key);
    entries.push([key, value]);
  }
  return Object.fromEntries(entries);
}
