import type { Kysely } from 'kysely';

/**
 * Users and their console sessions (modules/users, docs/ACCESS.md).
 *
 * `users`: people who sign in with an e-mail (unique across tenants: login names no tenant)
 * and an argon2id password hash (null until one is set: the first admin starts so). `scope`
 * is the tenant-wide grant until roles and bindings come (issue 23, item 2). TOTP: the
 * confirmed secret, the one being enrolled, the last accepted time step (a code is
 * accepted once) and the SHA-256 hashes of unused recovery codes (JSON).
 *
 * `user_sessions`: console sessions by the SHA-256 of their cookie secret; a session ends
 * at `idle_until` (moved on use) or `expires_at`, whichever comes first, or at logout.
 * `user_tokens`: single-use password-reset tokens, hashed. `login_throttle`: failed logins
 * per account (e-mail, known or not) and per address, and the lock they lead to.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('is_system', 'integer', (c) => c.notNull())
    .addColumn('totp_secret', 'text')
    .addColumn('totp_pending_secret', 'text')
    .addColumn('totp_last_step', 'bigint')
    .addColumn('recovery_codes', 'text')
    .addColumn('disabled_at', 'bigint')
    .addColumn('password_changed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('users_pkey', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('users_email').on('users').column('email').unique().execute();
  await db.schema.createIndex('users_id').on('users').column('id').unique().execute();

  await db.schema
    .createTable('user_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('idle_until', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('user_sessions_token')
    .on('user_sessions')
    .column('token_hash')
    .unique()
    .execute();
  await db.schema.createIndex('user_sessions_user').on('user_sessions').column('user_id').execute();

  await db.schema
    .createTable('user_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('user_tokens_hash').on('user_tokens').column('token_hash').unique().execute();

  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['login_throttle', 'user_tokens', 'user_sessions', 'users'])
    await db.schema.dropTable(table).execute();
}
