import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import { guarded, type Store, transact } from '../../store/store.js';
import type { Change, ChangePage } from './change-schemas.js';
import {
  appendChanges,
  type ChangeEntry,
  type ChangeRow,
  latestPosition,
  readChanges,
  STORED_WITHOUT_DATA,
} from './change-store.js';

/**
 * Reads the data of changes stored without it (`ChangeEntry.data` left out): the entities
 * of `entityIds` of one kind, as the feed shows them, by entity id. A missing entity reads
 * as null.
 */
export type ChangeExpander = (
  store: Store,
  tenantId: string,
  kind: Change['kind'],
  entityIds: readonly string[],
) => Promise<ReadonlyMap<string, unknown>>;

export interface ChangeDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  /** Fills in changes stored without data; the composition root gives the messages module's. */
  readonly expandChanges?: ChangeExpander;
  /**
   * The newest position known to be durable; the feed shows nothing past it (SQLite, see
   * `DurableHorizon`). Absent: every committed change is durable (PostgreSQL).
   */
  readonly durable?: { readonly position: number };
}

/** Records one change of the unit of work; it is written in the same transaction. */
export type RecordChange = (entry: ChangeEntry) => void;

/**
 * Runs a write and the changes it records as one transaction, then tells the bus. Every
 * registry write goes through here, so the feed and the data can never disagree.
 */
export async function writeWithChanges<T>(
  deps: ChangeDeps,
  tenantId: string,
  work: (tx: Store, record: RecordChange) => Promise<T>,
): Promise<T> {
  let entries: ChangeEntry[] = [];
  let position = 0;
  const result = await guarded(deps.store, () =>
    transact(deps.store, async (tx) => {
      entries = [];
      const value = await work(tx, (entry) => {
        entries.push(entry);
      });
      if (entries.length > 0) position = await appendChanges(tx, tenantId, entries, deps.clock.now());
      return value;
    }),
  );
  if (entries.length > 0) deps.bus.publish('changes.committed', { tenantId, position });
  return result;
}

function presentChange(row: ChangeRow, expanded: ReadonlyMap<string, unknown> | undefined): Change {
  return {
    cursor: String(row.position),
    kind: row.kind as Change['kind'],
    entityId: row.entity_id,
    at: new Date(row.created_at).toISOString(),
    data:
      row.data === STORED_WITHOUT_DATA
        ? (expanded?.get(`${row.kind}\u0000${row.entity_id}`) ?? null)
        : (JSON.parse(row.data) as unknown),
  };
}

/** The data of the rows stored without it, read from their entities in one call per kind. */
async function expandRows(
  deps: ChangeDeps,
  tenantId: string,
  rows: readonly ChangeRow[],
): Promise<ReadonlyMap<string, unknown> | undefined> {
  const wanted = new Map<string, string[]>();
  for (const row of rows) {
    if (row.data !== STORED_WITHOUT_DATA) continue;
    const ids = wanted.get(row.kind) ?? [];
    wanted.set(row.kind, ids);
    ids.push(row.entity_id);
  }
  if (wanted.size === 0 || deps.expandChanges === undefined) return undefined;
  const expanded = new Map<string, unknown>();
  for (const [kind, ids] of wanted) {
    const found = await deps.expandChanges(deps.store, tenantId, kind as Change['kind'], ids);
    for (const [id, data] of found) expanded.set(`${kind}\u0000${id}`, data);
  }
  return expanded;
}

export interface ReadFeedOptions {
  readonly since: string | undefined;
  readonly limit: number;
  /** How long to wait for a first change when there is none, in milliseconds. */
  readonly waitMs: number;
  /** Ends the wait early (client gone, server closing). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * One page of a tenant's changes after `since`, in commit order. With `waitMs`, an empty
 * read waits for the next commit of the tenant (long polling).
 */
export async function readFeed(
  deps: ChangeDeps,
  tenantId: string,
  options: ReadFeedOptions,
): Promise<ChangePage> {
  const durable = deps.durable;
  const after =
    options.since === 'latest'
      ? Math.min(await latestPosition(deps.store, tenantId), durable?.position ?? Number.POSITIVE_INFINITY)
      : Number(options.since ?? 0);
  // Read at each read: the horizon moves on as syncs finish.
  const read = () => readChanges(deps.store, tenantId, after, options.limit, durable?.position);
  const page = async (rows: ChangeRow[]): Promise<ChangePage> => {
    const expanded = await expandRows(deps, tenantId, rows);
    return {
      items: rows.map((row) => presentChange(row, expanded)),
      nextCursor: String(rows.at(-1)?.position ?? after),
    };
  };
  if (options.waitMs <= 0) return page(await read());

  // Listen before reading, so that a commit between the read and the wait is not missed.
  let wake: () => void = () => {};
  const woken = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const unsubscribe = deps.bus.subscribe('changes.committed', (event) => {
    if (event.tenantId === tenantId && event.position > after) wake();
  });
  const timer = setTimeout(wake, options.waitMs);
  options.signal?.addEventListener('abort', wake, { once: true });
  try {
    const first = await read();
    if (first.length > 0 || options.signal?.aborted) return await page(first);
    await woken;
    return await page(await read());
  } finally {
    clearTimeout(timer);
    unsubscribe();
    options.signal?.removeEventListener('abort', wake);
  }
}
