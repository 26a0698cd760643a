import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendChanges } from '../../src/modules/changes/index.js';
import { type Store, transact } from '../../src/store/store.js';
import { dialectCases, openTestStore, type TestDatabase } from '../support/databases.js';

/*
 * Issue 18: "a feed consumer survives SIGKILL and restart with every change handled once
 * (store-writing handler) or at least once (calling out); a second process takes the lease
 * when the first dies". Two consumer processes run side by side while writers commit to
 * four tenants; the one holding the leases is killed twice, mid-stream.
 */

const script = fileURLToPath(new URL('../support/feed-consumer-process.ts', import.meta.url));
const repoRoot = path.resolve(path.dirname(script), '../../../..');
const TENANTS = ['p-a', 'p-b', 'p-c', 'p-d'];
const TOTAL = 1_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Follower {
  readonly child: ChildProcess;
  readonly exited: Promise<unknown>;
  output(): string;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`feed consumers across SIGKILL (${dialect.name})`, () => {
    let database: TestDatabase;
    let store: Store;
    const followers: Follower[] = [];

    beforeAll(async () => {
      database = await dialect.create();
      store = await openTestStore(database);
      await sql`create table consumer_effects (consumer text not null, tenant_id text not null, position bigint not null)`.execute(
        store.db,
      );
    });
    afterAll(async () => {
      for (const follower of followers) {
        if (follower.child.exitCode === null && follower.child.signalCode === null) {
          follower.child.kill('SIGKILL');
          await follower.exited;
        }
      }
      await store?.close();
      await database?.drop();
    });

    const callsLog = () => path.join(database.dataDir, 'calls.log');

    function follow(): Follower {
      const child = spawn(process.execPath, ['--import', 'tsx', script], {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH ?? '',
          FEED_CALLS_LOG: callsLog(),
          FEED_LEASE_MS: '1000',
          ...(database.databaseUrl
            ? { FEED_DATABASE_URL: database.databaseUrl }
            : { FEED_SQLITE_FILE: path.join(database.dataDir, 'fleetport.db') }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const follower = { child, exited, output: () => output };
      followers.push(follower);
      return follower;
    }

    /** The pid whose instance holds both consumers' leases, if one does. */
    async function holderPid(): Promise<number | undefined> {
      const rows = await store.db
        .selectFrom('feed_consumers')
        .select(['holder', 'lease_until'])
        .where('name', 'in', ['proc.once', 'proc.calls'])
        .execute();
      const pids = new Set(
        rows.filter((r) => r.lease_until > Date.now()).map((r) => Number(r.holder?.split(':')[1])),
      );
      return rows.length === 2 && pids.size === 1 ? [...pids][0] : undefined;
    }

    const effectCount = async () => {
      const result = await sql<{ n: number | string }>`select count(*) as n from consumer_effects`.execute(
        store.db,
      );
      return Number(result.rows[0]?.n ?? 0);
    };

    it('handles every change once with its writes, and at least once when calling out, while holders are killed', async () => {
      const first = follow();
      await waitFor(
        'the first follower to hold both leases',
        async () => (await holderPid()) === first.child.pid,
      );
      const second = follow();
      await waitFor('the second follower to start', async () => second.output().includes('following'));

      let written = 0;
      const writing = (async () => {
        while (written < TOTAL) {
          const tenantId = TENANTS[written % TENANTS.length] ?? 'p-a';
          const count = Math.min(1 + (written % 5), TOTAL - written);
          await transact(store, (tx) =>
            appendChanges(
              tx,
              tenantId,
              Array.from({ length: count }, (_, i) => ({
                kind: 'device.updated' as const,
                entityId: `e${written + i}`,
                data: {},
              })),
              Date.now(),
            ),
          );
          written += count;
          await sleep(2);
        }
      })();

      await waitFor('effects before the first kill', async () => (await effectCount()) >= 200);
      first.child.kill('SIGKILL');
      await first.exited;
      await waitFor(
        'the second follower to take both leases',
        async () => (await holderPid()) === second.child.pid,
      );
      const restarted = follow();
      const before = await effectCount();
      await waitFor('effects under the second follower', async () => (await effectCount()) >= before + 200);
      second.child.kill('SIGKILL');
      await second.exited;
      await waitFor(
        'the restarted follower to take both leases',
        async () => (await holderPid()) === restarted.child.pid,
      );
      await writing;

      const feed = new Map<string, number[]>();
      for (const row of await store.db
        .selectFrom('changes')
        .select(['tenant_id', 'position'])
        .orderBy('position')
        .execute()) {
        feed.set(row.tenant_id, [...(feed.get(row.tenant_id) ?? []), row.position]);
      }
      expect([...feed.values()].flat()).toHaveLength(TOTAL);
      const called = () => {
        const byTenant = new Map<string, number[]>();
        if (!existsSync(callsLog())) return byTenant;
        for (const line of readFileSync(callsLog(), 'utf8').split('\n')) {
          const [tenantId = '', position = ''] = line.split(' ');
          if (line !== '') byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), Number(position)]);
        }
        return byTenant;
      };
      await waitFor('every change handled', async () => {
        const calls = called();
        return (
          (await effectCount()) >= TOTAL &&
          [...feed].every(([tenantId, positions]) => new Set(calls.get(tenantId)).size === positions.length)
        );
      });

      // Once: exactly the feed, per tenant in commit order.
      const effects = new Map<string, number[]>();
      const rows = await sql<{ tenant_id: string; position: number | string }>`
        select tenant_id, position from consumer_effects order by position`.execute(store.db);
      for (const row of rows.rows) {
        effects.set(row.tenant_id, [...(effects.get(row.tenant_id) ?? []), Number(row.position)]);
      }
      expect(effects).toEqual(feed);
      // At least once: every change, first seen in commit order (a kill repeats a batch at most).
      for (const [tenantId, positions] of feed) {
        expect([...new Set(called().get(tenantId))]).toEqual(positions);
      }
      restarted.child.kill('SIGKILL');
      await restarted.exited;
    }, 120_000);
  });
}
