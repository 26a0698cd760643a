import type { Selectable } from 'kysely';
import type { LoginThrottleTable, UserSessionTable, UserTable, UserTokenTable } from '../../store/schema.js';
import { guarded, type Store } from '../../store/store.js';

export type UserRow = Selectable<UserTable>;
export type SessionRow = Selectable<UserSessionTable>;
export type TokenRow = Selectable<UserTokenTable>;
export type ThrottleRow = Selectable<LoginThrottleTable>;

export function insertUser(store: Store, row: UserRow): Promise<void> {
  return guarded(store, async () => {
    await store.db.insertInto('users').values(row).execute();
  });
}

export function findUser(store: Store, tenantId: string, id: string): Promise<UserRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst(),
  );
}

export function findUserByEmail(store: Store, email: string): Promise<UserRow | undefined> {
  return guarded(store, () =>
    store.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst(),
  );
}

export function listUsers(
  store: Store,
  tenantId: string,
  { after, limit }: { after?: string; limit: number },
): Promise<UserRow[]> {
  return guarded(store, () => {
    let query = store.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id')
      .limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    return query.execute();
  });
}

export function countUsers(store: Store): Promise<number> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  });
}

export function updateUser(
  store: Store,
  tenantId: string,
  id: string,
  values: Partial<Omit<UserRow, 'tenant_id' | 'id' | 'created_at'>>,
): Promise<boolean> {
  return guarded(store, async () => {
    const result = await store.db
      .updateTable('users')
      .set(values)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  });
}

export function deleteUser(store: Store, tenantId: string, id: string): Promise<boolean> {
  return guarded(store, async () => {
    await store.db
      .deleteFrom('user_tokens')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', id)
      .execute();
    await store.db
      .deleteFrom('user_sessions')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', id)
      .execute();
    const result = await store.db
      .deleteFrom('users')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  });
}

export function insertSession(store: Store, row: SessionRow): Promise<void> {
  return guarded(store, async () => {
    await store.db.insertInto('user_sessions').values(row).execute();
  });
}

/** A live-or-not session with its user, by the hash of its secret. */
export function findSessionByHash(
  store: Store,
  tokenHash: string,
): Promise<{ session: SessionRow; user: UserRow } | undefined> {
  return guarded(store, async () => {
    const session = await store.db
      .selectFrom('user_sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!session) return undefined;
    const user = await findUser(store, session.tenant_id, session.user_id);
    return user ? { session, user } : undefined;
  });
}

export function touchSession(store: Store, id: string, now: number, idleUntil: number): Promise<void> {
  return guarded(store, async () => {
    await store.db
      .updateTable('user_sessions')
      .set({ last_seen_at: now, idle_until: idleUntil })
      .where('id', '=', id)
      .execute();
  });
}

export function endSession(store: Store, id: string, now: number): Promise<void> {
  return guarded(store, async () => {
    await store.db
      .updateTable('user_sessions')
      .set({ ended_at: now })
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .execute();
  });
}

/** Ends every open session of a user (password changed, user disabled); returns their ids. */
export function endUserSessions(
  store: Store,
  tenantId: string,
  userId: string,
  now: number,
): Promise<string[]> {
  return guarded(store, async () => {
    const open = await store.db
      .selectFrom('user_sessions')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .execute();
    if (open.length === 0) return [];
    const ids = open.map((row) => row.id);
    await store.db.updateTable('user_sessions').set({ ended_at: now }).where('id', 'in', ids).execute();
    return ids;
  });
}

export function insertToken(store: Store, row: TokenRow): Promise<void> {
  return guarded(store, async () => {
    await store.db.insertInto('user_tokens').values(row).execute();
  });
}

export function findTokenByHash(store: Store, tokenHash: string): Promise<TokenRow | undefined> {
  return guarded(store, () =>
    store.db.selectFrom('user_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),
  );
}

/** Marks a token used; false when it was used already (a concurrent use won). */
export function useToken(store: Store, id: string, now: number): Promise<boolean> {
  return guarded(store, async () => {
    const result = await store.db
      .updateTable('user_tokens')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  });
}

export function findThrottles(store: Store, keys: readonly string[]): Promise<ThrottleRow[]> {
  return guarded(store, () =>
    store.db.selectFrom('login_throttle').selectAll().where('key', 'in', keys).execute(),
  );
}

export function saveThrottle(store: Store, row: ThrottleRow): Promise<void> {
  return guarded(store, async () => {
    await store.db
      .insertInto('login_throttle')
      .values(row)
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: row.failures,
          window_start: row.window_start,
          locked_until: row.locked_until,
        }),
      )
      .execute();
  });
}

export function deleteThrottle(store: Store, key: string): Promise<void> {
  return guarded(store, async () => {
    await store.db.deleteFrom('login_throttle').where('key', '=', key).execute();
  });
}

/** Forgets counters whose window and lock are both over (failed logins with random e-mails). */
export function pruneThrottles(store: Store, before: number): Promise<void> {
  return guarded(store, async () => {
    await store.db
      .deleteFrom('login_throttle')
      .where('window_start', '<', before)
      .where('locked_until', '<', before)
      .execute();
  });
}
