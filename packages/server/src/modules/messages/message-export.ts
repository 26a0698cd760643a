import { Readable } from 'node:stream';
import { AppError } from '../../kernel/errors.js';
import { guarded, type Store } from '../../store/store.js';
import { type DeviceDeps, type DeviceFilter, getDevice, selectDeviceIdsPage } from '../devices/index.js';
import type { HistoryKey } from './message-store.js';

export type MessageExportFormat = 'csv' | 'ndjson';

/** What to export: the devices (one, a type, a condition), a receive-time range, where to resume. */
export interface MessageExportQuery {
  readonly format: MessageExportFormat;
  readonly deviceId?: string | undefined;
  readonly typeId?: string | undefined;
  readonly where?: string | undefined;
  /** RFC 3339; inclusive lower bound on the receive time. */
  readonly from?: string | undefined;
  /** RFC 3339; exclusive upper bound. */
  readonly to?: string | undefined;
  /** The id of the last message already exported: the export goes on after it. */
  readonly after?: string | undefined;
  /** Add each message's decode (default true). */
  readonly decoded?: boolean | undefined;
  /** Decoded fields (dotted paths) given a CSV column each: `decoded.<path>`. */
  readonly fields?: readonly string[] | undefined;
  readonly deleted?: 'exclude' | 'include' | undefined;
}

/** Rows read per query; a device's messages are read in pages of this many. */
const PAGE = 2000;
/** Device ids read per page of the fleet. */
const DEVICE_PAGE = 500;
const FIELD_PATH = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*){0,7}$/;
const MAX_FIELDS = 64;

const CSV_COLUMNS = [
  'id',
  'deviceId',
  'typeId',
  'transport',
  'receivedAt',
  'deviceTime',
  'seq',
  'messageId',
  'timeliness',
  'outOfOrder',
  'payloadHex',
  'json',
] as const;

interface ExportRow {
  readonly id: string;
  readonly device_id: string;
  readonly type_id: string;
  readonly transport: string;
  readonly received_at: number | string;
  readonly device_time: number | string | null;
  readonly seq: number | string | null;
  readonly message_id: string | null;
  readonly payload: Uint8Array;
  readonly payload_json: string | null;
  readonly timeliness: string;
  readonly out_of_order: number;
  readonly stored_at: number | string;
  readonly decoded_data?: string | null;
  readonly decoded_errors?: string | null;
  readonly decoded_warnings?: string | null;
  readonly codec_version?: number | null;
  readonly decoded_at?: number | string | null;
}

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

/** Same guard as the device export: cells a spreadsheet would run as a formula get a leading `'`. */
const FORMULA_START = /^[=+\-@\t\r']/;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const raw = typeof value === 'string' ? value : JSON.stringify(value);
  const text = FORMULA_START.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

function pick(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function parseInstant(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw new AppError('validation_failed', `${field} is not an RFC 3339 date-time`, { field });
  return ms;
}

/**
 * One page of a device's messages for export, on the `messages_history` index, with the
 * decode joined by its key when asked. Only the columns the export writes are read.
 */
function readPage(
  store: Store,
  tenantId: string,
  deviceId: string,
  range: { from?: number | undefined; to?: number | undefined; after?: HistoryKey | undefined },
  decoded: boolean,
): Promise<ExportRow[]> {
  return guarded(store, () => {
    let query = store.db
      .selectFrom('messages as m')
      .select([
        'm.id',
        'm.device_id',
        'm.type_id',
        'm.transport',
        'm.received_at',
        'm.device_time',
        'm.seq',
        'm.message_id',
        'm.payload',
        'm.payload_json',
        'm.timeliness',
        'm.out_of_order',
        'm.stored_at',
      ])
      .where('m.tenant_id', '=', tenantId)
      .where('m.device_id', '=', deviceId);
    if (range.from !== undefined) query = query.where('m.received_at', '>=', range.from);
    if (range.to !== undefined) query = query.where('m.received_at', '<', range.to);
    const after = range.after;
    if (after !== undefined) {
      // As in the history's pages: a plain range on the index, then the tie on id.
      query = query
        .where('m.received_at', '>=', after.receivedAt)
        .where((eb) => eb.or([eb('m.received_at', '>', after.receivedAt), eb('m.id', '>', after.id)]));
    }
    const ordered = query.orderBy('m.received_at').orderBy('m.id').limit(PAGE);
    if (!decoded) return ordered.execute() as Promise<ExportRow[]>;
    return ordered
      .leftJoin('message_decodes as md', 'md.message_id', 'm.id')
      .select([
        'md.data as decoded_data',
        'md.errors as decoded_errors',
        'md.warnings as decoded_warnings',
        'md.codec_version',
        'md.decoded_at',
      ])
      .execute() as Promise<ExportRow[]>;
  });
}

/**
 * Streams a tenant's stored messages as NDJSON or CSV: the selected devices in id order,
 * each device's messages in receive order (`receivedAt`, then `id`), read a page at a time
 * on the history index and produced only as fast as the client reads (a `Readable` over an
 * async generator: nothing is read ahead of the socket), so memory stays flat whatever the
 * size. Every row carries its `id`: pass the last one received as `after` to go on where a
 * broken export stopped. Bad input is refused before the first byte.
 */
export async function exportMessages(
  deps: DeviceDeps,
  tenantId: string,
  query: MessageExportQuery,
): Promise<Readable> {
  const { store } = deps;
  const from = parseInstant(query.from, 'from');
  const to = parseInstant(query.to, 'to');
  if (from !== undefined && to !== undefined && from > to)
    throw new AppError('validation_failed', 'from must not be after to', { field: 'from' });
  const fields = query.fields ?? [];
  if (fields.length > MAX_FIELDS)
    throw new AppError('validation_failed', `at most ${MAX_FIELDS} fields`, { field: 'fields' });
  for (const path of fields) {
    if (!FIELD_PATH.test(path))
      throw new AppError(
        'validation_failed',
        `'${path}' is not a field path like 'temperature' or 'power.battery'`,
        {
          field: 'fields',
        },
      );
  }
  if (fields.length > 0 && query.format !== 'csv')
    throw new AppError('validation_failed', 'fields name CSV columns: NDJSON rows hold the whole decode', {
      field: 'fields',
    });
  const decoded = query.decoded !== false;
  if (fields.length > 0 && !decoded)
    throw new AppError('validation_failed', 'fields are decoded fields: leave decoded on', {
      field: 'fields',
    });
  const filter: DeviceFilter = { typeId: query.typeId, deleted: query.deleted ?? 'exclude' };

  // Where to resume: the device and history key of the last message exported.
  let resume: { deviceId: string; key: HistoryKey } | undefined;
  if (query.after !== undefined) {
    const row = await guarded(store, () =>
      store.db
        .selectFrom('messages')
        .select(['device_id', 'received_at'])
        .where('tenant_id', '=', tenantId)
        .where('id', '=', query.after?.toLowerCase() ?? '')
        .executeTakeFirst(),
    );
    if (row === undefined)
      throw new AppError('validation_failed', 'after names no stored message of this tenant', {
        field: 'after',
      });
    resume = {
      deviceId: row.device_id,
      key: { receivedAt: Number(row.received_at), id: query.after.toLowerCase() },
    };
  }

  // The first page of devices is read now, so that a bad condition or device is a problem document.
  let devicePage: { deviceIds: string[]; next: string | undefined };
  if (query.deviceId !== undefined) {
    await getDevice(deps, tenantId, query.deviceId, filter.deleted !== 'exclude');
    devicePage = { deviceIds: [query.deviceId], next: undefined };
  } else {
    const first = await selectDeviceIdsPage(deps, tenantId, filter, query.where, {
      after: resume?.deviceId,
      limit: DEVICE_PAGE,
    });
    // The device of the resume point goes on first, from its key (it was selected when the export began).
    devicePage =
      resume === undefined ? first : { deviceIds: [resume.deviceId, ...first.deviceIds], next: first.next };
  }
  if (resume !== undefined && query.deviceId !== undefined && resume.deviceId !== query.deviceId)
    throw new AppError('validation_failed', 'after names a message of another device', { field: 'after' });

  const present = query.format === 'csv' ? csvPresenter(fields, decoded) : ndjsonPresenter(decoded);

  async function* lines(): AsyncGenerator<string> {
    if (query.format === 'csv') yield present.header;
    let page = devicePage;
    for (;;) {
      for (const deviceId of page.deviceIds) {
        let after = resume !== undefined && deviceId === resume.deviceId ? resume.key : undefined;
        for (;;) {
          const rows = await readPage(store, tenantId, deviceId, { from, to, after }, decoded);
          if (rows.length === 0) break;
          let chunk = '';
          for (const row of rows) chunk += present.line(row);
          yield chunk;
          if (rows.length < PAGE) break;
          const last = rows[rows.length - 1] as ExportRow;
          after = { receivedAt: Number(last.received_at), id: last.id };
        }
      }
      if (page.next === undefined) return;
      page = await selectDeviceIdsPage(deps, tenantId, filter, query.where, {
        after: page.next,
        limit: DEVICE_PAGE,
      });
    }
  }
  return Readable.from(lines(), { objectMode: false, highWaterMark: 64 * 1024 });
}

interface Presenter {
  readonly header: string;
  line(row: ExportRow): string;
}

function decodeOf(row: ExportRow): unknown {
  if (row.decoded_at === null || row.decoded_at === undefined) return null;
  return {
    data: row.decoded_data == null ? null : (JSON.parse(row.decoded_data) as unknown),
    warnings: JSON.parse(row.decoded_warnings ?? '[]') as string[],
    errors: JSON.parse(row.decoded_errors ?? '[]') as string[],
    codecVersion: row.codec_version ?? null,
    decodedAt: iso(row.decoded_at),
  };
}

/** NDJSON: each message as the history API shows it (without receptions), with its decode. */
function ndjsonPresenter(decoded: boolean): Presenter {
  return {
    header: '',
    line(row) {
      const payload = Buffer.from(row.payload);
      return `${JSON.stringify({
        id: row.id,
        deviceId: row.device_id,
        typeId: row.type_id,
        transport: row.transport,
        receivedAt: iso(row.received_at),
        deviceTime: row.device_time === null ? null : iso(row.device_time),
        seq: row.seq === null ? null : Number(row.seq),
        messageId: row.message_id,
        payload: { hex: payload.toString('hex'), size: payload.length },
        json: row.payload_json === null ? null : (JSON.parse(row.payload_json) as unknown),
        timeliness: row.timeliness,
        outOfOrder: Number(row.out_of_order) === 1,
        storedAt: iso(row.stored_at),
        ...(decoded ? { decoded: decodeOf(row) } : {}),
      })}\n`;
    },
  };
}

/** CSV: one column per message field, the decode's data and errors as JSON, then the asked fields. */
function csvPresenter(fields: readonly string[], decoded: boolean): Presenter {
  const paths = fields.map((field) => field.split('.'));
  const columns = [
    ...CSV_COLUMNS,
    ...(decoded ? ['decoded', 'decodeErrors'] : []),
    ...fields.map((field) => `decoded.${field}`),
  ];
  return {
    header: `${columns.join(',')}\n`,
    line(row) {
      const cells = [
        row.id,
        row.device_id,
        row.type_id,
        row.transport,
        iso(row.received_at),
        row.device_time === null ? '' : iso(row.device_time),
        row.seq === null ? '' : String(row.seq),
        csvCell(row.message_id),
        row.timeliness,
        Number(row.out_of_order) === 1 ? 'true' : 'false',
        Buffer.from(row.payload).toString('hex'),
        // Compact: a pretty-printed payload would put newlines inside the row.
        csvCell(row.payload_json === null ? null : JSON.stringify(JSON.parse(row.payload_json))),
      ];
      if (decoded) {
        cells.push(
          csvCell(row.decoded_data),
          csvCell(row.decoded_errors === '[]' ? null : row.decoded_errors),
        );
        if (paths.length > 0) {
          const data = row.decoded_data == null ? undefined : (JSON.parse(row.decoded_data) as unknown);
          for (const path of paths) cells.push(csvCell(pick(data, path)));
        }
      }
      return `${cells.join(',')}\n`;
    },
  };
}
