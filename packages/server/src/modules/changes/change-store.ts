import type { Selectable } from 'kysely';
import type { ChangeTable } from '../../store/schema.js';
import { guarded, lockKeys, type Store } from '../../store/store.js';
import type { ChangeKind } from './change-schemas.js';

export type ChangeRow = Selectable<ChangeTable>;

export interface ChangeEntry {
  readonly kind: ChangeKind;
  readonly entityId: string;
  /**
   * The entity after the change. Left out by writers of immutable entities on hot paths
   * (captured messages): the row then stores none (`STORED_WITHOUT_DATA`), and the feed
   * fills it in from the entity when it is read (see `ChangeExpander`).
   */
  readonly data?: unknown;
}

/** The `data` of a change row whose data is read from its entity (not valid JSON on purpose). */
export const STORED_WITHOUT_DATA = '';

/** The text a change row stores for an entry's data. */
export function storedChangeData(entry: ChangeEntry): string {
  return entry.data === undefined ? STORED_WITHOUT_DATA : JSON.stringify(entry.data);
}

/**
 * Appends changes inside the caller's transaction and returns the last position taken.
 *
 * Why the lock: where several transactions write at once (PostgreSQL), a sequence value
 * is taken at insert time but becomes visible at commit time, so a reader following
 * `position > cursor` could pass over a row whose transaction commits late. Holding a
 * per-tenant transaction-scoped lock from before the position is taken until commit means that no later position of
 * the tenant can be taken, let alone become visible, before this one is committed or
 * rolled back. SQLite has a single writer, which gives the same order by itself.
 */
export async function appendChanges(
  tx: Store,
  tenantId: string,
  entries: readonly ChangeEntry[],
  now: number,
): Promise<number> {
  if (!tx.db.isTransaction) throw new Error('appendChanges must run inside a transaction');
  await lockKeys(tx, [`fleetport.changes:${tenantId}`]);
  let last = 0;
  for (let start = 0; start < entries.length; start += 1000) {
    const rows = await tx.db
      .insertInto('changes')
      .values(
        entries.slice(start, start + 1000).map((entry) => ({
          tenant_id: tenantId,
          kind: entry.kind,
          entity_id: entry.entityId,
          data: storedChangeData(entry),
          created_at: now,
        })),
      )
      .returning('position')
      .execute();
    for (const row of rows) last = Math.max(last, Number(row.position));
  }
  return last;
}

/** The tenant's changes after `after` (and up to `upTo`, when given), in position order. */
export function readChanges(
  store: Store,
  tenantId: string,
  after: number,
  limit: number,
  upTo?: number,
): Promise<ChangeRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('changes')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('position', '>', after)
      .$if(upTo !== undefined, (query) => query.where('position', '<=', upTo ?? 0))
      .orderBy('position')
      .limit(limit)
      .execute(),
  );
}

/** The tenant's newest position (every tenant's without one), 0 when there is none. */
export function latestPosition(store: Store, tenantId?: string): Promise<number> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('changes')
      .select((eb) => eb.fn.max('position').as('last'))
      .$if(tenantId !== undefined, (query) => query.where('tenant_id', '=', tenantId ?? ''))
      .executeTakeFirst();
    return Number(row?.last ?? 0);
  });
}

/**
 * The cursor just before the tenant's first change committed at or after `at` (Unix ms):
 * reading from it gives the changes from that time on. Scans the tenant's changes from the
 * newest back (commit times follow positions within a tenant), for replays by time.
 */
export function positionBefore(store: Store, tenantId: string, at: number): Promise<number> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('changes')
      .select((eb) => eb.fn.min('position').as('first'))
      .where('tenant_id', '=', tenantId)
      .where('created_at', '>=', at)
      .executeTakeFirst();
    if (row?.first == null) return latestPosition(store, tenantId);
    return Number(row.first) - 1;
  });
}
