import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  findPostgresBin,
  startPostgresCluster,
} from '../../packages/server/test/support/postgres-cluster.js';
import { oweCleanup } from './cleanup.js';

/** An empty database for one run, and how to throw it away. */
export interface FreshDatabase {
  /** A fresh temporary directory: the server's data dir (the SQLite file lives here). */
  readonly dataDir: string;
  /** Set for PostgreSQL: the URL of this run's own database. */
  readonly databaseUrl: string | undefined;
  drop(): Promise<void>;
}

/** A database system the benchmarks run against; each run gets a fresh database from it. */
export interface DatabaseTarget {
  readonly dialect: 'sqlite' | 'postgres';
  /** The dialect and the settings that decide durability, for the report. */
  readonly label: string;
  create(): Promise<FreshDatabase>;
}

function tempDir(): { dir: string; remove: () => Promise<void> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetport-bench-'));
  return {
    dir,
    async remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The embedded default: a SQLite file (WAL, synchronous=FULL) in a fresh temp dir per run. */
export function sqliteTarget(): DatabaseTarget {
  return {
    dialect: 'sqlite',
    label: 'sqlite (WAL, synchronous=FULL)',
    async create() {
      const { dir, remove } = tempDir();
      const settled = oweCleanup(remove);
      return {
        dataDir: dir,
        databaseUrl: undefined,
        async drop() {
          await remove();
          settled();
        },
      };
    },
  };
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * A PostgreSQL server reached through `adminUrl`, whose role may create databases: each
 * run creates its own database there and drops it afterwards.
 */
export async function postgresTarget(adminUrl: string, origin: string): Promise<DatabaseTarget> {
  const settings = await withClient(adminUrl, async (client) => {
    const result = await client.query<{ version: string; fsync: string; commit: string }>(
      "select current_setting('server_version') as version, current_setting('fsync') as fsync, current_setting('synchronous_commit') as commit",
    );
    return result.rows[0];
  });
  const durability = settings ? `fsync=${settings.fsync}, synchronous_commit=${settings.commit}` : '';
  return {
    dialect: 'postgres',
    label: `postgres ${settings?.version.split(' ')[0] ?? ''} (${origin}; ${durability})`,
    async create() {
      const name = `fleetport_bench_${randomBytes(6).toString('hex')}`;
      await withClient(adminUrl, (client) => client.query(`create database ${name}`));
      const dropDatabase = () =>
        withClient(adminUrl, async (client) => {
          await client.query(`drop database if exists ${name} with (force)`);
        });
      const { dir, remove } = tempDir();
      const settled = oweCleanup(async () => {
        await dropDatabase();
        await remove();
      });
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        dataDir: dir,
        databaseUrl: url.toString(),
        async drop() {
          try {
            await dropDatabase();
          } finally {
            await remove();
            settled();
          }
        },
      };
    },
  };
}

/**
 * `--pg auto`: a throwaway cluster from the machine's PostgreSQL binaries, the one the
 * test suite uses (note: it runs with fsync=off, so it is not durable; the label says so).
 */
export async function startAutoPostgres(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('--pg auto: no PostgreSQL binaries found (set FLEETPORT_TEST_PG_BIN)');
  const cluster = await startPostgresCluster(bin);
  const settled = oweCleanup(() => cluster.stop());
  return {
    adminUrl: cluster.adminUrl,
    async stop() {
      await cluster.stop();
      settled();
    },
  };
}
