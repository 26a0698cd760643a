import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { EventBus } from '../../bus/event-bus.js';
import { systemClock } from '../../kernel/clock.js';
import { type Store, transact } from '../../store/store.js';
import { type ChangeDeps, readFeed, writeWithChanges } from './change-feed.js';
import { appendChanges, readChanges } from './change-store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`change feed (${dialect.name})`, () => {
    let database: TestDatabase;
    let store: Store;
    let deps: ChangeDeps;

    beforeAll(async () => {
      database = await dialect.create();
      store = await openTestStore(database);
      deps = { store, clock: systemClock, bus: new EventBus() };
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('writes the changes of a unit of work with it, and none when it fails', async () => {
      await writeWithChanges(deps, 'unit', async (_tx, record) => {
        record({ kind: 'device.created', entityId: 'a', data: { id: 'a' } });
        record({ kind: 'device.updated', entityId: 'a', data: { id: 'a', name: 'x' } });
      });
      await expect(
        writeWithChanges(deps, 'unit', async (_tx, record) => {
          record({ kind: 'device.deleted', entityId: 'a', data: { id: 'a' } });
          throw new Error('the work failed');
        }),
      ).rejects.toThrow('the work failed');
      const page = await readFeed(deps, 'unit', { since: undefined, limit: 10, waitMs: 0 });
      expect(page.items.map((c) => c.kind)).toEqual(['device.created', 'device.updated']);
      expect(page.items[1]?.data).toEqual({ id: 'a', name: 'x' });
      expect(Number(page.items[1]?.cursor)).toBeGreaterThan(Number(page.items[0]?.cursor));
      expect(page.nextCursor).toBe(page.items[1]?.cursor);
    });

    it('pages with cursors, and an empty page keeps the cursor', async () => {
      for (let i = 0; i < 5; i += 1) {
        await writeWithChanges(deps, 'paging', async (_tx, record) => {
          record({ kind: 'device.created', entityId: `d${i}`, data: { i } });
        });
      }
      const first = await readFeed(deps, 'paging', { since: '0', limit: 3, waitMs: 0 });
      const second = await readFeed(deps, 'paging', { since: first.nextCursor, limit: 3, waitMs: 0 });
      const third = await readFeed(deps, 'paging', { since: second.nextCursor, limit: 3, waitMs: 0 });
      expect([...first.items, ...second.items].map((c) => c.entityId)).toEqual([
        'd0',
        'd1',
        'd2',
        'd3',
        'd4',
      ]);
      expect(third.items).toEqual([]);
      expect(third.nextCursor).toBe(second.nextCursor);
    });

    it('starts after everything so far with since=latest', async () => {
      await writeWithChanges(deps, 'latest', async (_tx, record) => {
        record({ kind: 'device.created', entityId: 'old', data: {} });
      });
      const now = await readFeed(deps, 'latest', { since: 'latest', limit: 10, waitMs: 0 });
      expect(now.items).toEqual([]);
      await writeWithChanges(deps, 'latest', async (_tx, record) => {
        record({ kind: 'device.created', entityId: 'new', data: {} });
      });
      const next = await readFeed(deps, 'latest', { since: now.nextCursor, limit: 10, waitMs: 0 });
      expect(next.items.map((c) => c.entityId)).toEqual(['new']);
    });

    it('wakes a long poll as soon as the tenant commits, and not for another tenant', async () => {
      const start = await readFeed(deps, 'poll', { since: 'latest', limit: 10, waitMs: 0 });
      const began = Date.now();
      const waiting = readFeed(deps, 'poll', { since: start.nextCursor, limit: 10, waitMs: 10_000 });
      await sleep(100);
      await writeWithChanges(deps, 'someone-else', async (_tx, record) => {
        record({ kind: 'device.created', entityId: 'other', data: {} });
      });
      await sleep(100);
      await writeWithChanges(deps, 'poll', async (_tx, record) => {
        record({ kind: 'device.created', entityId: 'mine', data: {} });
      });
      const page = await waiting;
      expect(page.items.map((c) => c.entityId)).toEqual(['mine']);
      expect(Date.now() - began).toBeLessThan(5_000);
    });

    it('returns an empty page when the wait times out, or when it is aborted', async () => {
      const timedOut = await readFeed(deps, 'quiet', { since: undefined, limit: 10, waitMs: 200 });
      expect(timedOut).toEqual({ items: [], nextCursor: '0' });
      const controller = new AbortController();
      const waiting = readFeed(deps, 'quiet', {
        since: undefined,
        limit: 10,
        waitMs: 30_000,
        signal: controller.signal,
      });
      controller.abort();
      expect((await waiting).items).toEqual([]);
    });

    it('never lets a follower skip a change while writers commit out of position order', async () => {
      const tenant = 'race';
      const writers = 8;
      const perWriter = 40;
      let writing = true;
      const seen: number[] = [];
      let cursor = 0;

      // Each writer takes a position, then holds its transaction open for a random while,
      // so that commits would land out of position order if positions were not guarded.
      const write = async (writer: number) => {
        for (let i = 0; i < perWriter; i += 1) {
          await transact(store, async (tx) => {
            await appendChanges(
              tx,
              tenant,
              [{ kind: 'device.updated', entityId: `w${writer}-${i}`, data: {} }],
              1,
            );
            await sleep(Math.random() * 4);
          });
        }
      };
      const follow = async () => {
        while (writing) {
          const rows = await readChanges(store, tenant, cursor, 50);
          for (const row of rows) seen.push(row.position);
          cursor = rows.at(-1)?.position ?? cursor;
          await sleep(Math.random() * 2);
        }
        for (;;) {
          const rows = await readChanges(store, tenant, cursor, 1000);
          if (rows.length === 0) break;
          for (const row of rows) seen.push(row.position);
          cursor = rows.at(-1)?.position ?? cursor;
        }
      };
      const following = follow();
      await Promise.all(Array.from({ length: writers }, (_, w) => write(w)));
      writing = false;
      await following;

      const all = (await readChanges(store, tenant, 0, 10_000)).map((r) => r.position);
      expect(all).toHaveLength(writers * perWriter);
      // Exactly once each, in order: the follower's list is the table's list.
      expect(seen).toEqual(all);
    }, 60_000);
  });
}
