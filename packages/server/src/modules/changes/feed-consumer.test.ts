import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { EventBus } from '../../bus/event-bus.js';
import { systemClock } from '../../kernel/clock.js';
import { type Logger, silentLogger } from '../../kernel/logger.js';
import { type Store, transact } from '../../store/store.js';
import { writeWithChanges } from './change-feed.js';
import { appendChanges } from './change-store.js';
import { DurableHorizon } from './durable-horizon.js';
import {
  type CommitWithCursor,
  type FeedBatch,
  type FeedConsumerDeps,
  followChanges,
} from './feed-consumer.js';
import {
  acquireFeedLease,
  isLeaseLost,
  loadFeedCursors,
  renewFeedLease,
  saveFeedCursors,
} from './feed-consumer-store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Commits changes without telling the bus, as another process would. */
const commitQuietly = (store: Store, tenantId: string, ids: readonly string[], kind = 'device.created') =>
  transact(store, (tx) =>
    appendChanges(
      tx,
      tenantId,
      ids.map((id) => ({ kind: kind as 'device.created', entityId: id, data: { id } })),
      Date.now(),
    ),
  );

/** Every (tenant, position) of the feed, by tenant, in position order. */
async function feedByTenant(store: Store, tenants: readonly string[]): Promise<Map<string, number[]>> {
  const rows = await store.db
    .selectFrom('changes')
    .select(['tenant_id', 'position'])
    .where('tenant_id', 'in', tenants)
    .orderBy('position')
    .execute();
  const byTenant = new Map<string, number[]>();
  for (const row of rows) byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), row.position]);
  return byTenant;
}

/** What a consumer recorded, by tenant, in the order it saw it. */
function groupByTenant(seen: readonly { tenantId: string; position: number }[]): Map<string, number[]> {
  const byTenant = new Map<string, number[]>();
  for (const s of seen) byTenant.set(s.tenantId, [...(byTenant.get(s.tenantId) ?? []), s.position]);
  return byTenant;
}

/** Inserts a batch's effects in the handler's transaction: a row per change. */
async function recordEffects(tx: Store, consumer: string, batch: FeedBatch): Promise<void> {
  for (const change of batch.changes) {
    await sql`insert into consumer_effects (consumer, tenant_id, position) values (${consumer}, ${change.tenantId}, ${change.position})`.execute(
      tx.db,
    );
  }
}

async function effectsOf(store: Store, consumer: string): Promise<{ tenantId: string; position: number }[]> {
  const result = await sql<{ tenant_id: string; position: number | string }>`
    select tenant_id, position from consumer_effects where consumer = ${consumer} order by position`.execute(
    store.db,
  );
  return result.rows.map((row) => ({ tenantId: row.tenant_id, position: Number(row.position) }));
}

function capturingLogger(): { logger: Logger; errors: string[] } {
  const errors: string[] = [];
  const logger: Logger = {
    ...silentLogger,
    error(_obj, msg) {
      errors.push(msg ?? '');
    },
    child: () => logger,
  };
  return { logger, errors };
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`durable feed consumers (${dialect.name})`, () => {
    let database: TestDatabase;
    let store: Store;
    let second: Store;

    beforeAll(async () => {
      database = await dialect.create();
      store = await openTestStore(database);
      // Another connection to the same database: a second process, as far as leases go.
      second = await openTestStore(database);
      await sql`create table consumer_effects (consumer text not null, tenant_id text not null, position bigint not null)`.execute(
        store.db,
      );
    });

    afterAll(async () => {
      await second?.close();
      await store?.close();
      await database?.drop();
    });

    const depsOf = (over: Partial<FeedConsumerDeps> = {}): FeedConsumerDeps => ({
      store,
      clock: systemClock,
      bus: new EventBus(),
      logger: silentLogger,
      ...over,
    });

    it('handles every change of every tenant once, with its writes, and a restart goes on from the saved cursors', async () => {
      const name = 'once-restart';
      const bus = new EventBus();
      const deps = depsOf({ bus });
      const tenants = ['r-a', 'r-b', 'r-c'];
      const handler = {
        effects: 'once' as const,
        handle: (batch: FeedBatch, commit: CommitWithCursor) =>
          commit((tx) => recordEffects(tx, name, batch)),
      };
      const first = followChanges(deps, name, {}, handler, { batchSize: 7, pollMs: 50 });
      for (let i = 0; i < 20; i += 1) {
        const tenantId = tenants[i % 3] ?? 'r-a';
        await writeWithChanges(deps, tenantId, async (_tx, record) => {
          record({ kind: 'device.created', entityId: `d${i}`, data: {} });
        });
      }
      await first.caughtUp();
      await first.close();
      // Written while nobody follows, then a new instance on another connection.
      for (const tenantId of tenants) await commitQuietly(store, tenantId, ['late1', 'late2']);
      const restarted = followChanges({ ...deps, store: second, bus: new EventBus() }, name, {}, handler, {
        batchSize: 7,
        pollMs: 50,
      });
      await restarted.caughtUp();
      await restarted.close();
      const effects = await effectsOf(store, name);
      expect(groupByTenant(effects)).toEqual(await feedByTenant(store, tenants));
      const cursors = await loadFeedCursors(store, name);
      for (const [tenantId, positions] of await feedByTenant(store, tenants)) {
        expect(cursors.get(tenantId)).toBe(positions.at(-1));
      }
    });

    it('gives only the kinds asked for, in commit order, and moves past the others', async () => {
      const name = 'kinds';
      const seen: string[] = [];
      const consumer = followChanges(
        depsOf(),
        name,
        { kinds: ['device.deleted'] },
        {
          effects: 'at_least_once',
          handle: async (batch) => {
            for (const change of batch.changes) {
              if (batch.tenantId === 'k-a') seen.push(`${change.kind}:${change.entityId}`);
            }
          },
        },
        { pollMs: 20 },
      );
      await commitQuietly(store, 'k-a', ['1', '2'], 'device.created');
      await commitQuietly(store, 'k-a', ['1'], 'device.deleted');
      await commitQuietly(store, 'k-a', ['3'], 'device.created');
      await commitQuietly(store, 'k-a', ['2'], 'device.deleted');
      await consumer.caughtUp();
      await consumer.close();
      expect(seen).toEqual(['device.deleted:1', 'device.deleted:2']);
      const head = (await feedByTenant(store, ['k-a'])).get('k-a')?.at(-1);
      expect((await loadFeedCursors(store, name)).get('k-a')).toBe(head);
    });

    it('starts after what is there when created with start=latest, and still from the beginning of new tenants', async () => {
      await commitQuietly(store, 'l-old', ['before']);
      const seen: string[] = [];
      const consumer = followChanges(
        depsOf(),
        'latest',
        {},
        {
          effects: 'at_least_once',
          handle: async (batch) => {
            for (const c of batch.changes) if (batch.tenantId.startsWith('l-')) seen.push(c.entityId);
          },
        },
        { start: 'latest', pollMs: 20 },
      );
      await consumer.caughtUp();
      await commitQuietly(store, 'l-old', ['after']);
      await commitQuietly(store, 'l-new', ['fresh']);
      await consumer.caughtUp();
      await consumer.close();
      expect(seen.sort()).toEqual(['after', 'fresh']);
    });

    it('never skips a change while writers of many tenants commit out of position order', async () => {
      const name = 'race';
      const tenants = ['x-a', 'x-b', 'x-c', 'x-d'];
      const seen: { tenantId: string; position: number }[] = [];
      // Polls often and is never woken by the bus: it must find every commit by reading.
      const consumer = followChanges(
        depsOf(),
        name,
        {},
        {
          effects: 'at_least_once',
          handle: async (batch) => {
            for (const c of batch.changes) if (batch.tenantId.startsWith('x-')) seen.push(c);
          },
        },
        { pollMs: 1, batchSize: 13 },
      );
      // Each writer takes positions, then holds its transaction open for a random while, so
      // that commits land out of position order across tenants.
      const write = async (writer: number) => {
        for (let i = 0; i < 30; i += 1) {
          const tenantId = tenants[(writer + i) % tenants.length] ?? 'x-a';
          await transact(store, async (tx) => {
            await appendChanges(
              tx,
              tenantId,
              [{ kind: 'device.updated', entityId: `w${writer}-${i}`, data: {} }],
              1,
            );
            await sleep(Math.random() * 4);
          });
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, w) => write(w)));
      await consumer.caughtUp();
      await consumer.close();
      const expected = await feedByTenant(store, tenants);
      expect([...expected.values()].flat()).toHaveLength(8 * 30);
      // Exactly once each, in commit order within each tenant.
      expect(groupByTenant(seen)).toEqual(expected);
    }, 60_000);

    it('runs one instance per name: a second waits, and takes over once the first stops renewing', async () => {
      const name = 'takeover';
      const clock = new ManualClock(Date.now());
      const doomed = await openTestStore(database);
      const handler = (consumer: string) => ({
        effects: 'once' as const,
        handle: (batch: FeedBatch, commit: CommitWithCursor) =>
          commit((tx) => recordEffects(tx, consumer, batch)),
      });
      const a = followChanges(depsOf({ store: doomed, clock }), name, {}, handler(name), {
        leaseMs: 1_000,
        pollMs: 20,
      });
      await commitQuietly(store, 't-a', ['1', '2', '3']);
      await a.caughtUp();
      const b = followChanges(depsOf({ store: second, clock }), name, {}, handler(name), {
        leaseMs: 1_000,
        pollMs: 20,
      });
      await sleep(400);
      expect(a.holdsLease).toBe(true);
      expect(b.holdsLease).toBe(false);
      // The first one's database connection dies: it can neither renew nor release.
      await doomed.close();
      await commitQuietly(store, 't-a', ['4', '5']);
      clock.advance(1_001);
      await b.caughtUp();
      expect(b.holdsLease).toBe(true);
      await b.close();
      await a.close();
      // It followed every tenant from the beginning: each change once, whichever instance handled it.
      const effects = groupByTenant(await effectsOf(store, name));
      expect(effects).toEqual(await feedByTenant(store, [...effects.keys()]));
      expect(effects.get('t-a')).toHaveLength(5);
    });

    it('fences cursors: a holder whose lease was taken over can neither renew nor move them', async () => {
      const name = 'fenced';
      const now = Date.now();
      const old = await acquireFeedLease(store, { name, holder: 'one', now, leaseMs: 1_000, startAfter: 0 });
      expect(old).toBeDefined();
      if (old === undefined) return;
      expect(
        await acquireFeedLease(second, {
          name,
          holder: 'two',
          now: now + 999,
          leaseMs: 1_000,
          startAfter: 0,
        }),
      ).toBeUndefined();
      const current = await acquireFeedLease(second, {
        name,
        holder: 'two',
        now: now + 1_000,
        leaseMs: 1_000,
        startAfter: 0,
      });
      expect(current?.fence).toBe(old.fence + 1);
      if (current === undefined) return;
      await transact(second, (tx) => saveFeedCursors(tx, current, new Map([['f-a', 5]]), now));
      const stale = transact(store, async (tx) => {
        await sql`insert into consumer_effects (consumer, tenant_id, position) values (${name}, 'f-a', 99)`.execute(
          tx.db,
        );
        await saveFeedCursors(tx, old, new Map([['f-a', 99]]), now);
      });
      await expect(stale).rejects.toSatisfy(isLeaseLost);
      expect(await renewFeedLease(store, old, now + 5_000)).toBe(false);
      expect((await loadFeedCursors(store, name)).get('f-a')).toBe(5);
      // The stale holder's own writes rolled back with its cursor.
      expect(await effectsOf(store, name)).toEqual([]);
    });

    it('retries a failing handler with backoff, logs it, and lets other tenants go on meanwhile', async () => {
      const name = 'flaky';
      const registry = new Registry();
      const { logger, errors } = capturingLogger();
      let attempts = 0;
      const handled: string[] = [];
      const consumer = followChanges(
        depsOf({ logger, metrics: registry }),
        name,
        {},
        {
          effects: 'at_least_once',
          handle: async (batch) => {
            if (batch.tenantId === 'e-bad') {
              attempts += 1;
              if (attempts <= 2) throw new Error('the webhook answered 503');
            }
            for (const c of batch.changes)
              if (batch.tenantId.startsWith('e-')) handled.push(`${c.tenantId}:${c.entityId}`);
          },
        },
        { pollMs: 20, retryMs: 20 },
      );
      await commitQuietly(store, 'e-bad', ['1']);
      await commitQuietly(store, 'e-good', ['2']);
      await consumer.caughtUp();
      await consumer.close();
      expect(attempts).toBe(3);
      expect(handled.sort()).toEqual(['e-bad:1', 'e-good:2']);
      expect(errors.filter((m) => m.includes('retrying with backoff'))).toHaveLength(2);
      const metrics = await registry.metrics();
      expect(metrics).toContain(`fleetport_feed_consumer_failures_total{consumer="${name}"} 2`);
      expect(metrics).toContain(`fleetport_feed_consumer_lag_seconds{consumer="${name}"} 0`);
      expect(metrics).not.toContain('tenant');
    });

    it('rolls back the writes of a batch whose commit fails, and never hands over a committed batch again', async () => {
      const name = 'commit-edges';
      let calls = 0;
      const consumer = followChanges(
        depsOf(),
        name,
        {},
        {
          effects: 'once',
          handle: async (batch, commit) => {
            if (batch.tenantId !== 'c-a') return;
            calls += 1;
            // First try: the writes fail halfway; second: they commit, then something after fails.
            await commit(async (tx) => {
              await recordEffects(tx, name, batch);
              if (calls === 1) throw new Error('the projection broke');
            });
            if (calls === 2) throw new Error('announcing failed');
          },
        },
        { pollMs: 20, retryMs: 10 },
      );
      await commitQuietly(store, 'c-a', ['1', '2']);
      await consumer.caughtUp();
      await commitQuietly(store, 'c-a', ['3']);
      await consumer.caughtUp();
      await consumer.close();
      expect(calls).toBe(3);
      const effects = groupByTenant(await effectsOf(store, name)).get('c-a');
      expect(effects).toEqual((await feedByTenant(store, ['c-a'])).get('c-a'));
    });

    // SQLite only (PostgreSQL commits durably and has no horizon); registered, not skipped.
    if (dialect.name === 'sqlite')
      it('reads nothing past the durable horizon', async () => {
        const bus = new EventBus();
        const horizon = await DurableHorizon.open(store, bus);
        const seen: string[] = [];
        const consumer = followChanges(
          depsOf({ bus, durable: horizon }),
          'horizon',
          {},
          {
            effects: 'at_least_once',
            handle: async (batch) => {
              for (const c of batch.changes) if (batch.tenantId === 'h-a') seen.push(c.entityId);
            },
          },
          { pollMs: 20 },
        );
        try {
          await commitQuietly(store, 'h-a', ['durable']);
          const position = await commitQuietly(store, 'h-a', ['pending']);
          bus.publish('changes.committed', { tenantId: 'h-a', position: position - 1 });
          await consumer.caughtUp();
          expect(seen).toEqual(['durable']);
          bus.publish('changes.committed', { tenantId: 'h-a', position });
          await consumer.caughtUp();
          expect(seen).toEqual(['durable', 'pending']);
        } finally {
          await consumer.close();
          horizon.close();
        }
      });
  });
}
