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
} from './change-store.js';

export interface ChangeDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
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

function presentChange(row: ChangeRow): Change {
  return {
    cursor: String(row.position),
    kind: row.kind as Change['kind'],
    entityId: row.entity_id,
    at: new Date(row.created_at).toISOString(),
    data: JSON.parse(row.data) as unknown,
  };
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
  const after =
    options.since === 'latest' ? await latestPosition(deps.store, tenantId) : Number(options.since ?? 0);
  const page = (rows: ChangeRow[]): ChangePage => ({
    items: rows.map(presentChange),
    nextCursor: String(rows.at(-1)?.position ?? after),
  });
  if (options.waitMs <= 0) return page(await readChanges(deps.store, tenantId, after, options.limit));

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
    const first = await readChanges(deps.store, tenantId, after, options.limit);
    if (first.length > 0 || options.signal?.aborted) return page(first);
    await woken;
    return page(await readChanges(deps.store, tenantId, after, options.limit));
  } finally {
    clearTimeout(timer);
    unsubscribe();
    options.signal?.removeEventListener('abort', wake);
  }
}
