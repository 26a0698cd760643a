import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { AppError } from '../../kernel/errors.js';
import type { Store } from '../../store/store.js';
import type { ChangeEntry } from '../changes/index.js';
import {
  checkDocument,
  jsonEqual,
  type PropertyMeta,
  type TwinDocument,
  type TwinMetadata,
} from './twin-document.js';
import { currentParameters, type ParameterRow } from './twin-store.js';

/** One device's desired document as a reconciler sees it: the values and who set each. */
export interface DesiredView {
  readonly deviceId: string;
  readonly desired: TwinDocument;
  /** Who set each desired property (its current parameter's `set_by`). */
  readonly owners: ReadonlyMap<string, string>;
}

/**
 * What to change in one device's desired: whole top-level properties set, each with who
 * sets it, and properties removed. A property set to the value it has already changes
 * only its `set_by`.
 */
export interface DesiredEdit {
  readonly set: ReadonlyMap<string, { readonly value: unknown; readonly setBy: string }>;
  readonly remove: readonly string[];
}

export interface DesiredBatchOutcome {
  /** The `twin.desired.changed` entries appended (announce them once committed). */
  readonly entries: ChangeEntry[];
  /** The last change position taken, 0 when nothing changed. */
  readonly position: number;
  /** Devices whose edit was refused (over the twin limits), with why; their twins are untouched. */
  readonly refused: ReadonlyMap<string, AppError>;
}

const UNFINISHED: ReadonlySet<string> = new Set(['pending', 'sent', 'failed']);
/** Rows per statement: at most 15 bound values a row keeps every statement far under both dialects' limits. */
const ROWS_PER_STATEMENT = 1000;

function chunks<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/**
 * The smallest and greatest of a batch's device ids. Each statement over a batch also
 * says `device_id BETWEEN` them: PostgreSQL, with statistics that lag a table growing under
 * a rollout, otherwise hashes the tenant's whole twins table (or scans its devices) for
 * every chunk, a cost that grows with every chunk written (bench/README.md, twins).
 */
function rangeOf(ids: readonly string[]): readonly [string, string] {
  let low = ids[0] ?? '';
  let high = low;
  for (const id of ids) {
    if (id < low) low = id;
    if (id > high) high = id;
  }
  return [low, high];
}

/**
 * `column BETWEEN` the ids' smallest and greatest. On PostgreSQL the bounds are taken by
 * the database (an init plan over the ids), in the column's own collation: bounds picked
 * in code-point order could leave ids outside in a database collated otherwise (en_US
 * orders `a-2` after `a1`), and `COLLATE "C"` on the column makes the range a filter
 * instead of the index's condition. SQLite compares ids as bytes, as JavaScript does here.
 */
function idBetween(dialect: Store['dialect'], column: string, ids: readonly string[]): RawBuilder<SqlBool> {
  if (dialect === 'postgres') {
    const list = sql`unnest(CAST(${[...ids]} AS text[]))`;
    return sql<SqlBool>`${sql.ref(column)} BETWEEN (SELECT min(x) FROM ${list} AS u(x)) AND (SELECT max(x) FROM ${list} AS u(x))`;
  }
  const [low, high] = rangeOf(ids);
  return sql<SqlBool>`${sql.ref(column)} BETWEEN ${low} AND ${high}`;
}

/** `WITH v(columns) AS (VALUES …)`: a batch's rows as a table both dialects can join. */
function valuesTable(columns: readonly string[], rows: readonly (readonly unknown[])[]): RawBuilder<unknown> {
  const body = sql.join(rows.map((row) => sql`(${sql.join(row)})`));
  return sql`WITH v(${sql.join(columns.map((c) => sql.id(c)))}) AS (VALUES ${body})`;
}

/** Empty twins for devices that have none; one a concurrent write created meanwhile is kept. */
async function insertEmptyTwins(tx: Store, tenantId: string, deviceIds: readonly string[], now: number) {
  await tx.db
    .insertInto('twins')
    .values(
      deviceIds.map((deviceId) => ({
        tenant_id: tenantId,
        device_id: deviceId,
        desired: '{}',
        desired_meta: '{}',
        desired_version: 0,
        reported: '{}',
        reported_meta: '{}',
        reported_version: 0,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((conflict) => conflict.columns(['tenant_id', 'device_id']).doNothing())
    .execute();
}

/**
 * Edits the desired documents of many devices of one tenant in the caller's transaction,
 * with set-based statements: a few statements per batch, not per device. `decide` sees
 * each live device's desired document and the owner of each property, under the twin's
 * lock, and answers what to change. Each changed property gets a parameter row with its
 * `set_by` (pending, or applied when reported has the value), superseding the unfinished
 * previous one, as a single PATCH does; each changed twin gets a `twin.desired.changed`
 * change (with `source: 'configuration'`). Deleted and retired devices are passed over.
 */
export async function reconcileDesiredBatch(
  tx: Store,
  tenantId: string,
  deviceIds: readonly string[],
  decide: (view: DesiredView) => DesiredEdit | undefined,
  now: number,
): Promise<Omit<DesiredBatchOutcome, 'position'>> {
  const refused = new Map<string, AppError>();
  const entries: ChangeEntry[] = [];
  const ids = [...new Set(deviceIds)].sort();
  if (ids.length === 0) return { entries, refused };
  const live: string[] = [];
  for (const part of chunks(ids)) {
    const rows = await tx.db
      .selectFrom('devices')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where(idBetween(tx.dialect, 'id', part))
      .where('id', 'in', part)
      .where('deleted_at', 'is', null)
      // A retired device's desired is left as it was (docs/TWINS.md).
      .where('lifecycle', '<>', 'retired')
      .execute();
    for (const row of rows) live.push(row.id);
  }
  if (live.length === 0) return { entries, refused };
  live.sort();

  const twinUpdates: unknown[][] = [];
  const supersede: unknown[][] = [];
  const prune: unknown[][] = [];
  const transfers: unknown[][] = [];
  const inserts: ParameterRow[] = [];
  const lockTwins = (ids: readonly string[]) =>
    tx.db
      .selectFrom('twins')
      .select(['device_id', 'desired', 'desired_meta', 'desired_version', 'reported'])
      .where('tenant_id', '=', tenantId)
      .where(idBetween(tx.dialect, 'device_id', ids))
      .where('device_id', 'in', ids)
      .orderBy('device_id')
      // Rows locked in device order: two batches never wait on each other in a cycle.
      .$if(tx.dialect === 'postgres', (query) => query.forUpdate())
      .execute();
  for (const part of chunks(live)) {
    const twins = await lockTwins(part);
    // Twins are created only for the devices that have none (a second rollout creates none),
    // in device order, then locked like the others.
    const have = new Set(twins.map((twin) => twin.device_id));
    const missing = part.filter((deviceId) => !have.has(deviceId));
    if (missing.length > 0) {
      for (const rows of chunks(missing, 500)) await insertEmptyTwins(tx, tenantId, rows, now);
      twins.push(...(await lockTwins(missing)));
      twins.sort((a, b) => (a.device_id < b.device_id ? -1 : 1));
    }
    const parameterRows = await tx.db
      .selectFrom('twin_parameters')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where(idBetween(tx.dialect, 'device_id', part))
      .where('device_id', 'in', part)
      .execute();
    const byDevice = new Map<string, ParameterRow[]>();
    for (const row of parameterRows) {
      const list = byDevice.get(row.device_id) ?? [];
      byDevice.set(row.device_id, list);
      list.push(row);
    }
    for (const twin of twins) {
      const deviceId = twin.device_id;
      const desired = JSON.parse(twin.desired) as TwinDocument;
      const rows = byDevice.get(deviceId) ?? [];
      const current = currentParameters(rows);
      const owners = new Map<string, string>();
      for (const name of Object.keys(desired)) {
        const row = current.get(name);
        if (row !== undefined) owners.set(name, row.set_by);
      }
      const edit = decide({ deviceId, desired, owners });
      if (edit === undefined) continue;
      const version = Number(twin.desired_version) + 1;
      const next: Record<string, unknown> = { ...desired };
      const meta: Record<string, PropertyMeta> = { ...(JSON.parse(twin.desired_meta) as TwinMetadata) };
      const patch: Record<string, unknown> = {};
      const setBy: Record<string, string> = {};
      const changed: string[] = [];
      const moved: unknown[][] = [];
      for (const [name, { value, setBy: who }] of edit.set) {
        if (Object.hasOwn(desired, name) && jsonEqual(desired[name], value)) {
          const row = current.get(name);
          if (row !== undefined && row.set_by !== who) moved.push([deviceId, name, Number(row.version), who]);
          continue;
        }
        next[name] = value;
        meta[name] = { updatedAt: now, version };
        patch[name] = value;
        setBy[name] = who;
        changed.push(name);
      }
      for (const name of edit.remove) {
        if (!Object.hasOwn(next, name) || edit.set.has(name)) continue;
        delete next[name];
        delete meta[name];
        patch[name] = null;
        changed.push(name);
      }
      if (changed.length > 0) {
        let text: string;
        try {
          text = checkDocument('desired', next);
        } catch (error) {
          if (error instanceof AppError) {
            refused.set(deviceId, error);
            continue;
          }
          throw error;
        }
        twinUpdates.push([deviceId, text, JSON.stringify(meta), version]);
        const reported = JSON.parse(twin.reported) as TwinDocument;
        for (const name of changed) {
          const previous = current.get(name);
          if (previous !== undefined) {
            if (UNFINISHED.has(previous.status)) supersede.push([deviceId, name, Number(previous.version)]);
            // A parameter keeps its previous value's row, as a single PATCH leaves it.
            for (const row of rows)
              if (row.name === name && Number(row.version) < Number(previous.version))
                prune.push([deviceId, name, Number(row.version)]);
          }
          if (!Object.hasOwn(next, name)) continue;
          const value = next[name];
          const applied = Object.hasOwn(reported, name) && jsonEqual(value, reported[name]);
          inserts.push({
            tenant_id: tenantId,
            device_id: deviceId,
            name,
            version,
            value: JSON.stringify(value),
            status: applied ? 'applied' : 'pending',
            attempts: 0,
            set_by: setBy[name] ?? 'api',
            pending_at: now,
            sent_at: null,
            applied_at: applied ? now : null,
            failed_at: null,
            superseded_at: null,
            error: null,
            command_id: null,
            error_code: null,
            updated_at: now,
          });
        }
        entries.push({
          kind: 'twin.desired.changed',
          entityId: deviceId,
          data: { deviceId, version, patch, desired: next, source: 'configuration', setBy },
        });
      }
      transfers.push(...moved);
    }
  }

  const between = (column: string, rows: readonly (readonly unknown[])[]) =>
    idBetween(
      tx.dialect,
      column,
      rows.map((row) => String(row[0])),
    );
  for (const rows of chunks(twinUpdates)) {
    await sql`${valuesTable(['device_id', 'desired', 'desired_meta', 'desired_version'], rows)}
      UPDATE twins SET desired = v.desired, desired_meta = v.desired_meta,
        desired_version = CAST(v.desired_version AS bigint), updated_at = ${now}
      FROM v WHERE twins.tenant_id = ${tenantId} AND ${between('twins.device_id', rows)}
        AND twins.device_id = v.device_id`.execute(tx.db);
  }
  for (const rows of chunks(supersede)) {
    await sql`${valuesTable(['device_id', 'name', 'version'], rows)}
      UPDATE twin_parameters SET status = 'superseded', superseded_at = ${now}, updated_at = ${now}
      FROM v WHERE twin_parameters.tenant_id = ${tenantId} AND ${between('twin_parameters.device_id', rows)}
        AND twin_parameters.device_id = v.device_id
        AND twin_parameters.name = v.name AND twin_parameters.version = CAST(v.version AS bigint)`.execute(
      tx.db,
    );
  }
  for (const rows of chunks(prune)) {
    await sql`${valuesTable(['device_id', 'name', 'version'], rows)}
      DELETE FROM twin_parameters WHERE tenant_id = ${tenantId} AND ${between('device_id', rows)}
        AND EXISTS (SELECT 1 FROM v
        WHERE v.device_id = twin_parameters.device_id AND v.name = twin_parameters.name
          AND CAST(v.version AS bigint) = twin_parameters.version)`.execute(tx.db);
  }
  for (const rows of chunks(transfers)) {
    await sql`${valuesTable(['device_id', 'name', 'version', 'set_by'], rows)}
      UPDATE twin_parameters SET set_by = v.set_by, updated_at = ${now}
      FROM v WHERE twin_parameters.tenant_id = ${tenantId} AND ${between('twin_parameters.device_id', rows)}
        AND twin_parameters.device_id = v.device_id
        AND twin_parameters.name = v.name AND twin_parameters.version = CAST(v.version AS bigint)`.execute(
      tx.db,
    );
  }
  for (const rows of chunks(inserts, 500)) await tx.db.insertInto('twin_parameters').values(rows).execute();
  return { entries, refused };
}
