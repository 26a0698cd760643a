import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { AppError } from '../../../kernel/errors.js';
import type { Database } from '../../schema.js';
import type { Store } from '../../store.js';

export interface PostgresStoreOptions {
  readonly url: string;
  readonly poolSize?: number;
}

const INT8_OID = 20;

/** Opens a PostgreSQL store over a pg pool. 64-bit integers come back as numbers. */
export function openPostgresStore({ url, poolSize = 10 }: PostgresStoreOptions): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary'
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its connection emits 'error' on the pool; without a
  // listener that would crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    location: redactUrl(url),
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await db.destroy();
    },
    translateError: translatePostgresError,
    async lockKeysIn(tx, keys) {
      // Advisory locks on 64-bit hashes of the keys, released at commit or rollback, taken
      // one after the other in the order given.
      await sql`select pg_advisory_xact_lock(hashtextextended(k, 0)) from unnest(${[...keys]}::text[]) with ordinality as t(k, n) order by n`.execute(
        tx,
      );
    },
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

/** Maps PostgreSQL SQLSTATEs onto domain errors. */
export function translatePostgresError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  switch (code) {
    case '23505':
      return new AppError('already_exists', 'a resource with this identity already exists', undefined, {
        cause: error,
      });
    case '23503':
      return new AppError(
        'conflict',
        'the change refers to, or is referred to by, another resource',
        undefined,
        {
          cause: error,
        },
      );
    case '40001':
    case '40P01':
      return new AppError('conflict', 'the change conflicted with a concurrent one, retry', undefined, {
        cause: error,
      });
    case '57P01':
    case '08006':
    case '08001':
      return new AppError('unavailable', 'the database is unavailable', undefined, { cause: error });
    default:
      return error;
  }
}
