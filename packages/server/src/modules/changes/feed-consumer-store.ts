import { sql } from 'kysely';
import { AppError } from '../../kernel/errors.js';
import { guarded, type Store } from '../../store/store.js';
import type { ChangeKind } from './change-schemas.js';
import type { ChangeRow } from './change-store.js';

/** A consumer's hold on its name: who, and the fence its cursor writes must match. */
export interface FeedLease {
  readonly name: string;
  readonly holder: string;
  readonly fence: number;
  /** Where tenants without a cursor start. */
  readonly startAfter: number;
}

/**
 * Takes the consumer's lease when nobody holds it or its holder let it run out, creating
 * the consumer first (starting after `startAfter`). Every take increments the fence.
 * Returns undefined while another holder's lease runs.
 */
export function acquireFeedLease(
  store: Store,
  input: { name: string; holder: string; now: number; leaseMs: number; startAfter: number },
): Promise<FeedLease | undefined> {
  return guarded(store, async () => {
    await store.db
      .insertInto('feed_consumers')
      .values({
        name: input.name,
        holder: null,
        lease_until: 0,
        fence: 0,
        start_after: input.startAfter,
        created_at: input.now,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await store.db
      .updateTable('feed_consumers')
      .set((eb) => ({
        holder: input.holder,
        lease_until: input.now + input.leaseMs,
        fence: eb('fence', '+', 1),
      }))
      .where('name', '=', input.name)
      .where((eb) => eb.or([eb('holder', 'is', null), eb('lease_until', '<=', input.now)]))
      .returning(['fence', 'start_after'])
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      name: input.name,
      holder: input.holder,
      fence: Number(row.fence),
      startAfter: Number(row.start_after),
    };
  });
}

/** Extends the lease; false when it was taken over (the fence moved on) meanwhile. */
export function renewFeedLease(store: Store, lease: FeedLease, until: number): Promise<boolean> {
  return guarded(store, async () => {
    const result = await store.db
      .updateTable('feed_consumers')
      .set({ lease_until: until })
      .where('name', '=', lease.name)
      .where('holder', '=', lease.holder)
      .where('fence', '=', lease.fence)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  });
}

/** Gives the lease up, so that another instance takes over at once rather than after expiry. */
export function releaseFeedLease(store: Store, lease: FeedLease): Promise<void> {
  return guarded(store, async () => {
    await store.db
      .updateTable('feed_consumers')
      .set({ holder: null, lease_until: 0 })
      .where('name', '=', lease.name)
      .where('holder', '=', lease.holder)
      .where('fence', '=', lease.fence)
      .execute();
  });
}

/** The consumer's saved cursors, by tenant. */
export function loadFeedCursors(store: Store, name: string): Promise<Map<string, number>> {
  return guarded(store, async () => {
    const rows = await store.db
      .selectFrom('feed_cursors')
      .select(['tenant_id', 'position'])
      .where('consumer', '=', name)
      .execute();
    return new Map(rows.map((row) => [row.tenant_id, Number(row.position)]));
  });
}

/**
 * Saves cursors inside the caller's transaction, fenced: it fails with `conflict` when the
 * lease was taken over, and the transaction (with the handler's writes) rolls back. The
 * fence check is an UPDATE of the consumer's row, so on PostgreSQL a takeover waits for
 * this transaction, and this one sees a takeover that committed first.
 */
export async function saveFeedCursors(
  tx: Store,
  lease: FeedLease,
  cursors: ReadonlyMap<string, number>,
  now: number,
): Promise<void> {
  if (cursors.size === 0) return;
  const fenced = await tx.db
    .updateTable('feed_consumers')
    .set((eb) => ({ fence: eb.ref('fence') }))
    .where('name', '=', lease.name)
    .where('holder', '=', lease.holder)
    .where('fence', '=', lease.fence)
    .executeTakeFirst();
  if (Number(fenced.numUpdatedRows) !== 1) {
    throw new AppError('conflict', `feed consumer '${lease.name}' lost its lease`, {
      reason: 'lease_lost',
      consumer: lease.name,
    });
  }
  await tx.db
    .insertInto('feed_cursors')
    .values(
      [...cursors].map(([tenantId, position]) => ({
        consumer: lease.name,
        tenant_id: tenantId,
        position,
        updated_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['consumer', 'tenant_id']).doUpdateSet((eb) => ({
        position: eb.ref('excluded.position'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** True for the error `saveFeedCursors` throws when the lease was taken over. */
export function isLeaseLost(error: unknown): boolean {
  return error instanceof AppError && error.code === 'conflict' && error.data?.reason === 'lease_lost';
}

/**
 * Every tenant that has changes, with its newest position (up to `upTo` when given). The
 * tenants are found by skipping through the (tenant_id, position) index one tenant at a
 * time, so the cost follows the number of tenants, not of changes.
 */
export function readTenantHeads(store: Store, upTo: number | undefined): Promise<Map<string, number>> {
  return guarded(store, async () => {
    const bound = upTo === undefined ? sql`` : sql` and c.position <= ${upTo}`;
    const result = await sql<{ tenant_id: string; head: number | string | null }>`
      with recursive tenants(tenant_id) as (
        select min(tenant_id) from changes
        union all
        select (select min(c.tenant_id) from changes c where c.tenant_id > tenants.tenant_id)
        from tenants where tenants.tenant_id is not null
      )
      select tenant_id, (select max(c.position) from changes c where c.tenant_id = tenants.tenant_id${bound}) as head
      from tenants where tenant_id is not null`.execute(store.db);
    const heads = new Map<string, number>();
    for (const row of result.rows) if (row.head !== null) heads.set(row.tenant_id, Number(row.head));
    return heads;
  });
}

/** The tenant's newest position (up to `upTo` when given), 0 when it has none. */
export function readTenantHead(store: Store, tenantId: string, upTo: number | undefined): Promise<number> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('changes')
      .select((eb) => eb.fn.max('position').as('head'))
      .where('tenant_id', '=', tenantId)
      .$if(upTo !== undefined, (query) => query.where('position', '<=', upTo ?? 0))
      .executeTakeFirst();
    return Number(row?.head ?? 0);
  });
}

/** The tenant's changes of `kinds` (all when absent) in (after, upTo], in position order. */
export function readTenantChanges(
  store: Store,
  input: {
    tenantId: string;
    after: number;
    upTo: number;
    kinds: readonly ChangeKind[] | undefined;
    limit: number;
  },
): Promise<ChangeRow[]> {
  const kinds = input.kinds;
  return guarded(store, () =>
    store.db
      .selectFrom('changes')
      .selectAll()
      .where('tenant_id', '=', input.tenantId)
      .where('position', '>', input.after)
      .where('position', '<=', input.upTo)
      .$if(kinds !== undefined, (query) => query.where('kind', 'in', kinds ?? []))
      .orderBy('position')
      .limit(input.limit)
      .execute(),
  );
}
