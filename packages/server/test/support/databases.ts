import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openPostgresStore } from '../../src/store/dialects/postgres/postgres-store.js';
import { openSqliteStore } from '../../src/store/dialects/sqlite/sqlite-store.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { DialectName, Store } from '../../src/store/store.js';

/** A fresh, empty database of one dialect, and how to throw it away. */
export interface TestDatabase {
  readonly dialect: DialectName;
  /** Set for PostgreSQL: the URL of this test's own database. */
  readonly databaseUrl: string | undefined;
  /** A fresh data directory (the SQLite file lives here). */
  readonly dataDir: string;
  drop(): Promise<void>;
}

export interface DialectCase {
  readonly name: DialectName;
  /** False when PostgreSQL is not installed (outside CI only). */
  readonly available: boolean;
  create(): Promise<TestDatabase>;
}

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'fleetport-test-'));
}

async function createPostgresDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `fp_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The dialects every contract suite runs against: a real SQLite file and a real PostgreSQL. */
export function dialectCases(): DialectCase[] {
  const pgAdminUrl = inject('pgAdminUrl');
  return [
    {
      name: 'sqlite',
      available: true,
      async create() {
        const dataDir = tempDir();
        return {
          dialect: 'sqlite',
          databaseUrl: undefined,
          dataDir,
          async drop() {
            rmSync(dataDir, { recursive: true, force: true });
          },
        };
      },
    },
    {
      name: 'postgres',
      available: pgAdminUrl !== null,
      async create() {
        if (pgAdminUrl === null) throw new Error('PostgreSQL is not available');
        const dataDir = tempDir();
        const database = await createPostgresDatabase(pgAdminUrl);
        return {
          dialect: 'postgres',
          databaseUrl: database.url,
          dataDir,
          async drop() {
            await database.drop();
            rmSync(dataDir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}

/** Opens and migrates a store on a test database. */
export async function openTestStore(database: TestDatabase): Promise<Store> {
  const store = database.databaseUrl
    ? openPostgresStore({ url: database.databaseUrl, poolSize: 4 })
    : openSqliteStore({ file: path.join(database.dataDir, 'fleetport.db') });
  await migrateToLatest(store.db);
  return store;
}
