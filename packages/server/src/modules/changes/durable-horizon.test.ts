import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { EventBus } from '../../bus/event-bus.js';
import { systemClock } from '../../kernel/clock.js';
import { type Store, transact } from '../../store/store.js';
import { type ChangeDeps, readFeed } from './change-feed.js';
import { appendChanges } from './change-store.js';
import { DurableHorizon } from './durable-horizon.js';

const sqlite = dialectCases().find((d) => d.name === 'sqlite');

describe('the change feed up to the durable horizon (SQLite)', () => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    if (!sqlite) throw new Error('no sqlite case');
    database = await sqlite.create();
    store = await openTestStore(database);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  /** Commits changes of `tenantId` without telling the bus: committed, not yet durable. */
  const commitQuietly = (tenantId: string, ids: readonly string[]) =>
    transact(store, (tx) =>
      appendChanges(
        tx,
        tenantId,
        ids.map((id) => ({ kind: 'device.created', entityId: id, data: { id } })),
        Date.now(),
      ),
    );

  it('starts at the newest stored position, and follows what writers publish once durable', async () => {
    const stored = await commitQuietly('start', ['a', 'b']);
    const bus = new EventBus();
    const horizon = await DurableHorizon.open(store, bus);
    try {
      expect(horizon.position).toBe(stored);
      bus.publish('changes.committed', { tenantId: 'other', position: stored + 5 });
      expect(horizon.position).toBe(stored + 5);
      // An older position (a tenant's last in an earlier batch) never moves it back.
      bus.publish('changes.committed', { tenantId: 'start', position: stored + 1 });
      expect(horizon.position).toBe(stored + 5);
    } finally {
      horizon.close();
    }
  });

  it('shows no change past the horizon, not even through since=latest, until it moves', async () => {
    const bus = new EventBus();
    const horizon = await DurableHorizon.open(store, bus);
    const deps: ChangeDeps = { store, clock: systemClock, bus, durable: horizon };
    try {
      const durable = await commitQuietly('held', ['d1']);
      bus.publish('changes.committed', { tenantId: 'held', position: durable });
      const pending = await commitQuietly('held', ['d2', 'd3']);

      const page = await readFeed(deps, 'held', { since: undefined, limit: 10, waitMs: 0 });
      expect(page.items.map((c) => c.entityId)).toEqual(['d1']);
      expect(page.nextCursor).toBe(String(durable));
      const latest = await readFeed(deps, 'held', { since: 'latest', limit: 10, waitMs: 0 });
      expect(latest.nextCursor).toBe(String(durable));

      // A long poll from there is answered once the sync that covers them is published.
      const waiting = readFeed(deps, 'held', { since: page.nextCursor, limit: 10, waitMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      bus.publish('changes.committed', { tenantId: 'held', position: pending });
      const next = await waiting;
      expect(next.items.map((c) => c.entityId)).toEqual(['d2', 'd3']);
      expect(next.nextCursor).toBe(String(pending));
    } finally {
      horizon.close();
    }
  });
});
