import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { WebhookAttemptTable, WebhookDeliveryTable, WebhookEndpointTable } from '../../store/schema.js';
import { guarded, type Store } from '../../store/store.js';

export type EndpointRow = Selectable<WebhookEndpointTable>;
export type DeliveryRow = Selectable<WebhookDeliveryTable>;
export type AttemptRow = Selectable<WebhookAttemptTable>;
export type NewDelivery = Insertable<WebhookDeliveryTable>;

export function insertEndpoint(tx: Store, row: Insertable<WebhookEndpointTable>): Promise<void> {
  return guarded(tx, async () => {
    await tx.db.insertInto('webhook_endpoints').values(row).execute();
  });
}

export function findEndpoint(store: Store, tenantId: string, id: string): Promise<EndpointRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst(),
  );
}

export function listEndpoints(
  store: Store,
  tenantId: string,
  page: { limit: number; after: string | undefined },
): Promise<EndpointRow[]> {
  return guarded(store, () => {
    let query = store.db.selectFrom('webhook_endpoints').selectAll().where('tenant_id', '=', tenantId);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    return query.orderBy('id').limit(page.limit).execute();
  });
}

export function enabledEndpoints(store: Store, tenantId: string): Promise<EndpointRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('enabled', '=', 1)
      .orderBy('id')
      .execute(),
  );
}

export function hasEnabledEndpoints(store: Store, tenantId: string): Promise<boolean> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('webhook_endpoints')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('enabled', '=', 1)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  });
}

/** Updates an endpoint; with `version`, only while it is still at that version. True when a row changed. */
export function updateEndpoint(
  tx: Store,
  tenantId: string,
  id: string,
  set: Updateable<WebhookEndpointTable>,
  version?: number,
): Promise<boolean> {
  return guarded(tx, async () => {
    let query = tx.db
      .updateTable('webhook_endpoints')
      .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id);
    if (version !== undefined) query = query.where('version', '=', version);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  });
}

/** Removes an endpoint with its queue and log. */
export function deleteEndpoint(tx: Store, tenantId: string, id: string): Promise<boolean> {
  return guarded(tx, async () => {
    await tx.db
      .deleteFrom('webhook_attempts')
      .where('tenant_id', '=', tenantId)
      .where('endpoint_id', '=', id)
      .execute();
    await tx.db
      .deleteFrom('webhook_deliveries')
      .where('tenant_id', '=', tenantId)
      .where('endpoint_id', '=', id)
      .execute();
    const result = await tx.db
      .deleteFrom('webhook_endpoints')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  });
}

export function insertDeliveries(tx: Store, rows: readonly NewDelivery[]): Promise<number[]> {
  if (rows.length === 0) return Promise.resolve([]);
  return guarded(tx, async () => {
    const seqs: number[] = [];
    for (let start = 0; start < rows.length; start += 500) {
      const inserted = await tx.db
        .insertInto('webhook_deliveries')
        .values(rows.slice(start, start + 500))
        .returning('seq')
        .execute();
      for (const row of inserted) seqs.push(Number(row.seq));
    }
    return seqs;
  });
}

export function findDelivery(
  store: Store,
  tenantId: string,
  endpointId: string,
  seq: number,
): Promise<DeliveryRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('endpoint_id', '=', endpointId)
      .where('seq', '=', seq)
      .executeTakeFirst(),
  );
}

/** A page of an endpoint's deliveries, newest first. */
export function listDeliveries(
  store: Store,
  tenantId: string,
  endpointId: string,
  page: { limit: number; before: number | undefined; status: string | undefined },
): Promise<DeliveryRow[]> {
  return guarded(store, () => {
    let query = store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('endpoint_id', '=', endpointId);
    if (page.before !== undefined) query = query.where('seq', '<', page.before);
    if (page.status !== undefined) query = query.where('status', '=', page.status);
    return query.orderBy('seq', 'desc').limit(page.limit).execute();
  });
}

export function listAttempts(store: Store, tenantId: string, deliverySeq: number): Promise<AttemptRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('delivery_seq', '=', deliverySeq)
      .orderBy('seq')
      .execute(),
  );
}

/** The oldest open delivery of an endpoint: an ordered endpoint's next. */
export function queueHead(store: Store, endpointId: string): Promise<DeliveryRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'pending')
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst(),
  );
}

/** Open deliveries of an endpoint that are due and not being sent, oldest first. */
export function dueDeliveries(
  store: Store,
  endpointId: string,
  now: number,
  limit: number,
): Promise<DeliveryRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where('lease_until', '<=', now)
      .orderBy('seq')
      .limit(limit)
      .execute(),
  );
}

/** When the endpoint's next open delivery can be tried: its due time, or the end of its lease. */
export function nextDueAt(store: Store, endpointId: string): Promise<number | undefined> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('webhook_deliveries')
      .select(
        sql<
          number | string | null
        >`min(case when lease_until > next_attempt_at then lease_until else next_attempt_at end)`.as('next'),
      )
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return row?.next == null ? undefined : Number(row.next);
  });
}

/** Takes a delivery for one try: only while it is open, due and not leased. */
export function claimDelivery(store: Store, seq: number, now: number, leaseUntil: number): Promise<boolean> {
  return guarded(store, async () => {
    const result = await store.db
      .updateTable('webhook_deliveries')
      .set({ lease_until: leaseUntil })
      .where('seq', '=', seq)
      .where('status', '=', 'pending')
      .where('lease_until', '<=', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  });
}

export function recordAttempt(tx: Store, row: Insertable<WebhookAttemptTable>): Promise<void> {
  return guarded(tx, async () => {
    await tx.db.insertInto('webhook_attempts').values(row).execute();
  });
}

export function updateDelivery(tx: Store, seq: number, set: Updateable<WebhookDeliveryTable>): Promise<void> {
  return guarded(tx, async () => {
    await tx.db.updateTable('webhook_deliveries').set(set).where('seq', '=', seq).execute();
  });
}

export function readAllowPrivate(store: Store, tenantId: string): Promise<boolean> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('webhook_settings')
      .select('allow_private_targets')
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row !== undefined && Number(row.allow_private_targets) === 1;
  });
}

export function writeAllowPrivate(
  store: Store,
  tenantId: string,
  allow: boolean,
  now: number,
): Promise<void> {
  return guarded(store, async () => {
    await store.db
      .insertInto('webhook_settings')
      .values({ tenant_id: tenantId, allow_private_targets: allow ? 1 : 0, updated_at: now })
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({ allow_private_targets: allow ? 1 : 0, updated_at: now }),
      )
      .execute();
  });
}

/** Makes every open delivery of an endpoint due now (it was enabled again). */
export function dueNow(tx: Store, endpointId: string, now: number): Promise<void> {
  return guarded(tx, async () => {
    await tx.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: now, updated_at: now })
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'pending')
      .execute();
  });
}
