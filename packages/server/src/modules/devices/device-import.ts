import { createInterface } from 'node:readline';
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import type { EventBus } from '../../bus/event-bus.js';
import { jsonProblem } from '../../http/index.js';
import { AppError, type Clock, type Logger, uuidv7 } from '../../kernel/index.js';
import { refreshStatistics, type Store } from '../../store/store.js';
import { writeWithChanges } from '../changes/index.js';
import {
  DEVICE_ID_PATTERN,
  type ImportReport,
  MAX_JSON_BYTES,
  MAX_TAG_VALUE,
  MAX_TAGS,
  tagKeyRegex,
} from './device-schemas.js';
import { presentDevice } from './device-service.js';
import {
  type NewDeviceRow as DeviceRow,
  existingDeviceIds,
  findDeviceType,
  insertDevicesIn,
} from './device-store.js';

export interface ImportDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bus: EventBus;
}

export type ImportFormat = 'csv' | 'ndjson';

export interface ImportOptions {
  readonly format: ImportFormat;
  /** All-or-nothing: any bad row and nothing is written. */
  readonly atomic: boolean;
  /** The type for rows that name none. */
  readonly defaultTypeId?: string | undefined;
  /** The body is cut off with `body_too_large` past this many bytes. */
  readonly maxBytes: number;
}

/** Rows are checked and written this many at a time. */
const CHUNK = 1000;
const MAX_REPORTED_ERRORS = 1000;
/** Imports at least this large refresh the planner's statistics when they finish. */
const ANALYZE_AFTER = 10_000;
const MAX_LINE_BYTES = 64 * 1024;
const deviceIdRegex = new RegExp(DEVICE_ID_PATTERN);
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
const controlChars = /[\u0000-\u001f\u007f]/;
/**
 * Fields of an exported device that an import accepts and ignores, so exports round-trip.
 * Codec `variables` are among them for now: imports do not carry them (set them with PATCH).
 * Nor the lifecycle: an imported device starts manufactured, since a state is only entered
 * through an audited transition (docs/LIFECYCLE.md).
 */
const READ_ONLY_FIELDS = new Set([
  'version',
  'createdAt',
  'updatedAt',
  'deletedAt',
  'variables',
  'lifecycle',
  'lifecycleChangedAt',
  'activatedAt',
]);
const NDJSON_FIELDS = new Set(['id', 'typeId', 'name', 'tags', 'attributes']);

interface RawRow {
  readonly line: number;
  readonly fields: Readonly<Record<string, unknown>>;
}

interface RowError {
  readonly line: number;
  readonly id?: string;
  readonly code: string;
  readonly message: string;
}

class RowProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const notUtf8 = () => new AppError('invalid_text', 'the import body is not valid UTF-8', { in: 'the body' });

/**
 * Counts bytes through the stream and fails it past the limit, or at the first bytes that
 * are not UTF-8: the parsers downstream would turn them into U+FFFD and store that.
 */
function byteLimit(maxBytes: number): Transform {
  let seen = 0;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        callback(new AppError('body_too_large', `the import body is larger than ${maxBytes} bytes`));
        return;
      }
      try {
        utf8.decode(chunk, { stream: true });
      } catch {
        callback(notUtf8());
        return;
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      try {
        utf8.decode();
        callback();
      } catch {
        callback(notUtf8());
      }
    },
  });
}

async function* ndjsonRows(input: Readable): AsyncGenerator<RawRow> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    if (text.length > MAX_LINE_BYTES) {
      yield { line, fields: { __problem: `line is longer than ${MAX_LINE_BYTES} bytes` } };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { line, fields: { __problem: 'line is not valid JSON' } };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, fields: { __problem: 'line is not a JSON object' } };
      continue;
    }
    yield { line, fields: value as Record<string, unknown> };
  }
}

async function* csvRows(input: Readable): AsyncGenerator<RawRow> {
  const parser = parseCsv({
    bom: true,
    columns: (header: string[]) => header.map((h) => h.trim()),
    skip_empty_lines: true,
    trim: true,
    info: true,
    max_record_size: MAX_LINE_BYTES,
  });
  // pipeline, not pipe: an input error (the byte limit) must reach the parser, or the
  // error is uncaught (it kills the process) and the parser waits for input forever.
  pipeline(input, parser, () => {});
  try {
    for await (const record of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      // Without a prototype, a `__proto__` column or JSON key stays an own key, which
      // toDeviceRow refuses, instead of replacing the object's prototype.
      const fields: Record<string, unknown> = Object.create(null);
      const tags: Record<string, string> = Object.create(null);
      const attributes: Record<string, unknown> = Object.create(null);
      let problem: string | undefined;
      for (const [column, cell] of Object.entries(record.record)) {
        if (cell === '') continue;
        // Exports quote formula-like cells with a leading ' (see device-export.ts).
        const value = cell.startsWith("'") ? cell.slice(1) : cell;
        if (column.startsWith('tag.')) tags[column.slice(4)] = value;
        else if (column.startsWith('attr.')) attributes[column.slice(5)] = value;
        else if (column === 'tags' || column === 'attributes') {
          try {
            const parsed: unknown = JSON.parse(value);
            if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
              throw new Error('not an object');
            Object.assign(column === 'tags' ? tags : attributes, parsed);
          } catch {
            problem = `column '${column}' must hold a JSON object`;
          }
        } else if (column === 'type') fields.typeId = value;
        else fields[column] = value;
      }
      if (Object.keys(tags).length > 0) fields.tags = tags;
      if (Object.keys(attributes).length > 0) fields.attributes = attributes;
      if (problem) fields.__problem = problem;
      yield { line: record.info.lines, fields };
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('malformed_body', `the CSV could not be parsed: ${(error as Error).message}`);
  }
}

/** Validates one row into a device row, or throws RowProblem. */
function toDeviceRow(
  tenantId: string,
  row: RawRow,
  defaultTypeId: string | undefined,
  now: number,
  format: ImportFormat,
): DeviceRow {
  const f = row.fields;
  if (typeof f.__problem === 'string') throw new RowProblem('malformed_row', f.__problem);
  const refused = jsonProblem(f, 'the row');
  if (refused) throw new RowProblem(refused.code, refused.message);
  for (const key of Object.keys(f)) {
    if (!NDJSON_FIELDS.has(key) && !READ_ONLY_FIELDS.has(key)) {
      throw new RowProblem('unknown_field', `unknown ${format === 'csv' ? 'column' : 'field'} '${key}'`);
    }
  }
  if (typeof f.id !== 'string' || !deviceIdRegex.test(f.id)) {
    throw new RowProblem('invalid_id', `id must match ${DEVICE_ID_PATTERN}`);
  }
  const typeId = f.typeId ?? defaultTypeId;
  if (typeof typeId !== 'string' || !deviceIdRegex.test(typeId)) {
    throw new RowProblem('invalid_type', 'typeId is missing or invalid (or pass ?typeId= for every row)');
  }
  const name = f.name ?? '';
  if (typeof name !== 'string' || name.length > 200 || controlChars.test(name)) {
    throw new RowProblem(
      'invalid_name',
      'name must be text of at most 200 characters without control characters',
    );
  }
  const tags = f.tags ?? {};
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags))
    throw new RowProblem('invalid_tags', 'tags must be an object');
  const tagEntries = Object.entries(tags);
  if (tagEntries.length > MAX_TAGS) throw new RowProblem('invalid_tags', `at most ${MAX_TAGS} tags`);
  for (const [key, value] of tagEntries) {
    if (!tagKeyRegex.test(key))
      throw new RowProblem('invalid_tags', `tag key '${key.slice(0, 64)}' is not allowed`);
    if (typeof value !== 'string' || value.length > MAX_TAG_VALUE) {
      throw new RowProblem(
        'invalid_tags',
        `tag '${key}' must be a string of at most ${MAX_TAG_VALUE} characters`,
      );
    }
  }
  const attributes = f.attributes ?? {};
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw new RowProblem('invalid_attributes', 'attributes must be an object');
  }
  const attributesText = JSON.stringify(attributes);
  if (Buffer.byteLength(attributesText) > MAX_JSON_BYTES) {
    throw new RowProblem('invalid_attributes', `attributes are larger than ${MAX_JSON_BYTES} bytes`);
  }
  return {
    tenant_id: tenantId,
    id: f.id,
    type_id: typeId,
    name,
    tags: JSON.stringify(tags),
    attributes: attributesText,
    version: 1,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
}

/**
 * Streams a CSV or NDJSON body into the registry, a chunk at a time, and reports per row.
 * Best effort: good rows are written as their chunk is read. Atomic: rows are staged in
 * `import_staging` and move into `devices` in one transaction only if every row was good;
 * a crash before that leaves only staging rows, which start-up deletes.
 */
export async function importDevices(
  deps: ImportDeps,
  tenantId: string,
  body: Readable,
  options: ImportOptions,
): Promise<ImportReport> {
  const importId = uuidv7();
  const errors: RowError[] = [];
  let failed = 0;
  let received = 0;
  let created = 0;
  let staged = 0;
  const seenIds = new Set<string>();
  const knownTypes = new Map<string, boolean>();
  const now = deps.clock.now();
  const log = deps.logger.child({ importId, tenantId, format: options.format, atomic: options.atomic });

  const fail = (error: RowError) => {
    failed += 1;
    if (errors.length < MAX_REPORTED_ERRORS) errors.push(error);
  };

  const typeExists = async (typeId: string): Promise<boolean> => {
    let known = knownTypes.get(typeId);
    if (known === undefined) {
      known = (await findDeviceType(deps.store, tenantId, typeId)) !== undefined;
      knownTypes.set(typeId, known);
    }
    return known;
  };

  const flush = async (pending: { line: number; row: DeviceRow }[]) => {
    if (pending.length === 0) return;
    const existing = await existingDeviceIds(
      deps.store,
      tenantId,
      pending.map((p) => p.row.id),
    );
    const fresh = pending.filter((p) => {
      if (!existing.has(p.row.id)) return true;
      fail({
        line: p.line,
        id: p.row.id,
        code: 'already_exists',
        message: `device '${p.row.id}' already exists`,
      });
      return false;
    });
    if (options.atomic) {
      if (failed > 0 || fresh.length === 0) return;
      const firstSeq = staged + 1;
      staged += fresh.length;
      await deps.store.db
        .insertInto('import_staging')
        .values(
          fresh.map((p, index) => ({
            import_id: importId,
            seq: firstSeq + index,
            line: p.line,
            tenant_id: tenantId,
            device_id: p.row.id,
            type_id: p.row.type_id,
            name: p.row.name,
            tags: p.row.tags,
            attributes: p.row.attributes,
            created_at: now,
          })),
        )
        .execute()
        .catch((error: unknown) => {
          throw deps.store.translateError(error);
        });
      return;
    }
    try {
      await insertWithChanges(
        deps,
        tenantId,
        fresh.map((p) => p.row),
      );
      created += fresh.length;
    } catch (error) {
      const translated = deps.store.translateError(error);
      if (!(translated instanceof AppError && translated.code === 'already_exists')) throw translated;
      // A concurrent writer created one of these ids: fall back to one row at a time.
      for (const p of fresh) {
        try {
          await insertWithChanges(deps, tenantId, [p.row]);
          created += 1;
        } catch (rowError) {
          const t = deps.store.translateError(rowError);
          if (!(t instanceof AppError && t.code === 'already_exists')) throw t;
          fail({
            line: p.line,
            id: p.row.id,
            code: 'already_exists',
            message: `device '${p.row.id}' already exists`,
          });
        }
      }
    }
  };

  const limited = body.pipe(byteLimit(options.maxBytes));
  body.on('error', (error) => limited.destroy(error));
  const rows = options.format === 'csv' ? csvRows(limited) : ndjsonRows(limited);

  try {
    let pending: { line: number; row: DeviceRow }[] = [];
    for await (const raw of rows) {
      received += 1;
      try {
        const row = toDeviceRow(tenantId, raw, options.defaultTypeId, now, options.format);
        if (seenIds.has(row.id))
          throw new RowProblem('duplicate_in_file', `id '${row.id}' appears twice in this import`);
        if (!(await typeExists(row.type_id)))
          throw new RowProblem('unknown_type', `device type '${row.type_id}' does not exist`);
        seenIds.add(row.id);
        pending.push({ line: raw.line, row });
      } catch (error) {
        if (!(error instanceof RowProblem)) throw error;
        const id = typeof raw.fields.id === 'string' ? raw.fields.id.slice(0, 128) : undefined;
        fail({ line: raw.line, ...(id ? { id } : {}), code: error.code, message: error.message });
      }
      if (pending.length >= CHUNK) {
        await flush(pending);
        pending = [];
      }
      if (received % 50_000 === 0) log.info({ received, created, failed }, 'import progress');
    }
    await flush(pending);

    if (options.atomic) {
      if (failed === 0 && staged > 0) created = await commitStaged(deps, tenantId, importId);
    }
  } finally {
    if (options.atomic) await discardStaged(deps.store, importId).catch(() => {});
  }
  const committed = !options.atomic || failed === 0;
  if (committed && created >= ANALYZE_AFTER) {
    await refreshStatistics(deps.store, ['devices', 'device_tags', 'changes']).catch((error: unknown) =>
      log.warn({ err: error }, 'could not refresh planner statistics after the import'),
    );
  }
  log.info({ received, created, failed, committed }, 'import finished');
  return {
    mode: options.atomic ? 'atomic' : 'best-effort',
    committed,
    received,
    created: committed ? created : 0,
    failed,
    errors,
    errorsTruncated: failed > errors.length,
  };
}

/** Inserts devices and their `device.created` changes in one transaction. */
function insertWithChanges(deps: ImportDeps, tenantId: string, rows: readonly DeviceRow[]): Promise<void> {
  return writeWithChanges(deps, tenantId, async (tx, record) => {
    await insertDevicesIn(tx.db, rows);
    for (const row of rows) record({ kind: 'device.created', entityId: row.id, data: presentDevice(row) });
  });
}

/** Moves one import's staged rows into `devices` in a single transaction. */
async function commitStaged(deps: ImportDeps, tenantId: string, importId: string): Promise<number> {
  const { store } = deps;
  try {
    return await writeWithChanges(deps, tenantId, async ({ db: trx }, record) => {
      let after = 0;
      let moved = 0;
      for (;;) {
        const staged = await trx
          .selectFrom('import_staging')
          .selectAll()
          .where('import_id', '=', importId)
          .where('seq', '>', after)
          .orderBy('seq')
          .limit(CHUNK)
          .execute();
        if (staged.length === 0) break;
        const rows: DeviceRow[] = staged.map((s) => ({
          tenant_id: s.tenant_id,
          id: s.device_id,
          type_id: s.type_id,
          name: s.name,
          tags: s.tags,
          attributes: s.attributes,
          version: 1,
          created_at: s.created_at,
          updated_at: s.created_at,
          deleted_at: null,
        }));
        await insertDevicesIn(trx, rows);
        for (const row of rows)
          record({ kind: 'device.created', entityId: row.id, data: presentDevice(row) });
        moved += staged.length;
        after = staged.at(-1)?.seq ?? after;
      }
      await trx.deleteFrom('import_staging').where('import_id', '=', importId).execute();
      return moved;
    });
  } catch (error) {
    const translated = store.translateError(error);
    if (translated instanceof AppError && translated.code === 'already_exists') {
      throw new AppError(
        'conflict',
        'a device of this import was created by another request meanwhile; nothing was imported',
      );
    }
    throw translated;
  }
}

async function discardStaged(store: Store, importId: string): Promise<void> {
  await store.db.deleteFrom('import_staging').where('import_id', '=', importId).execute();
}

/** Deletes staging rows left by imports that a crash interrupted. Run at start-up. */
export async function discardAbandonedImports(store: Store): Promise<number> {
  const result = await store.db.deleteFrom('import_staging').executeTakeFirst();
  return Number(result.numDeletedRows);
}
