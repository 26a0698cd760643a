import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureSnapshot } from '../support/capture-snapshot.js';
import { type ChildServer, spawnServer } from '../support/child-server.js';
import { dialectCases, type TestDatabase } from '../support/databases.js';
import { FeedFollower } from '../support/feed-follower.js';
import { IngestClient } from '../support/ingest-client.js';
import { followToMarker } from '../support/markers.js';
import { provisionDevices } from '../support/provision-devices.js';

/*
 * Issue 3: "A change-feed consumer that follows cursors during concurrent ingest and a
 * restart sees every change once, in order." Besides ingest, registry writes (renames and
 * bulk imports) append to the same feed from their own transactions. On PostgreSQL that
 * makes concurrent transactions take positions in one order and commit in another; with the
 * feed's advisory lock taken out of appendChanges, this test reported skipped changes in
 * each of four runs.
 */

/** Devices sending one message per request, two requests in flight each. */
const SINGLE_CLIENTS = 4;
/** Devices sending batches of 10. */
const BATCH_CLIENTS = 2;
/** Acknowledged messages at which the server is stopped and started again, and then the end. */
const RESTART_AT = [500, 1_000] as const;
const END_AT = 1_500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Renames devices in a loop: registry writes whose transactions run beside capture's and
 * append to the same feed, so that on PostgreSQL positions are taken by concurrent
 * transactions that may commit in another order.
 */
async function renameDevices(
  url: () => string,
  adminKey: string,
  deviceIds: readonly string[],
  stop: () => boolean,
): Promise<number> {
  let renamed = 0;
  for (let i = 0; !stop() && i < 5_000; i += 1) {
    const deviceId = deviceIds[i % deviceIds.length];
    try {
      const response = await fetch(`${url()}/v1/devices/${deviceId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `name ${i}` }),
        signal: AbortSignal.timeout(15_000),
      });
      await response.text();
      if (response.status === 200) renamed += 1;
      else await sleep(50);
    } catch {
      await sleep(50);
    }
  }
  return renamed;
}

/**
 * Imports devices in bulk, a few hundred per request: each request is one transaction that
 * takes a long run of feed positions, which widens the window in which a concurrent capture
 * transaction can take later positions and commit first.
 */
async function importDevices(
  url: () => string,
  adminKey: string,
  importer: number,
  stop: () => boolean,
): Promise<number> {
  let imported = 0;
  for (let round = 0; !stop() && round < 40; round += 1) {
    const lines = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({ id: `imp-${importer}-${round}-${i}` }),
    );
    try {
      const response = await fetch(`${url()}/v1/devices/import?typeId=meter`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/x-ndjson' },
        body: lines.join('\n'),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      if (response.status === 200) imported += (JSON.parse(text) as { created: number }).created;
      else await sleep(50);
    } catch {
      await sleep(50);
    }
  }
  return imported;
}

async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`change feed during ingest and restarts (${dialect.name})`, () => {
    let database: TestDatabase;
    const children: ChildServer[] = [];
    const followers: FeedFollower[] = [];
    const adminKey = `fpk_test_${randomBytes(24).toString('base64url')}`;

    beforeAll(async () => {
      database = await dialect.create();
    });
    afterAll(async () => {
      for (const follower of followers) follower.stop();
      for (const child of children) {
        if (child.process.exitCode === null && child.process.signalCode === null) {
          child.process.kill('SIGKILL');
          await child.exited;
        }
      }
      await database?.drop();
    });

    it('shows a consumer that follows cursors every change once, in order, across a SIGTERM and a SIGKILL', async () => {
      let server = await spawnServer(database, { adminKey });
      children.push(server);
      const url = () => server.url;
      const deviceIds = Array.from({ length: SINGLE_CLIENTS + BATCH_CLIENTS }, (_, i) => `feed-${i}`);
      const devices = await provisionDevices(server.url, adminKey, { typeId: 'meter', deviceIds });

      // The consumer starts before the load, from the beginning of the feed.
      const follower = new FeedFollower({ url, apiKey: adminKey, limit: 200, waitSeconds: 1 });
      followers.push(follower);
      follower.start();

      const clients = devices.map(
        (device, i) =>
          new IngestClient({
            device,
            url,
            ...(i < SINGLE_CLIENTS ? { batchSize: 1, lanes: 2 } : { batchSize: 10, lanes: 1 }),
          }),
      );
      let stopped = false;
      const ingesting = Promise.all(clients.map((c) => c.run(() => stopped)));
      const renaming = Promise.all(
        [0, 1].map((n) => renameDevices(url, adminKey, deviceIds.slice(n * 3, n * 3 + 3), () => stopped)),
      ).then((counts) => counts.reduce((a, b) => a + b, 0));
      const importing = Promise.all([0, 1].map((n) => importDevices(url, adminKey, n, () => stopped))).then(
        (counts) => counts.reduce((a, b) => a + b, 0),
      );
      const acked = () => clients.reduce((sum, c) => sum + c.ackedCount, 0);

      try {
        for (const [n, threshold] of RESTART_AT.entries()) {
          await until(() => acked() >= threshold, `${threshold} messages are acknowledged`, 30_000);
          const signal = n === 0 ? 'SIGTERM' : 'SIGKILL';
          server.process.kill(signal);
          const exit = await server.exited;
          if (signal === 'SIGTERM') expect(exit.code).toBe(0);
          else expect(exit.signal).toBe('SIGKILL');
          // Clients and consumer keep trying while the server is away.
          server = await spawnServer(database, { adminKey });
          children.push(server);
        }
        await until(() => acked() >= END_AT, `${END_AT} messages are acknowledged`, 30_000);
      } finally {
        stopped = true;
        await ingesting;
      }
      const renamed = await renaming;
      expect(renamed).toBeGreaterThan(0);
      const imported = await importing;
      expect(imported).toBeGreaterThan(0);

      // What failed during the restarts is sent once more, and now succeeds.
      const retried = (await Promise.all(clients.map((c) => c.retryUnacked()))).flat();
      expect(retried.filter((r) => r.attempt.kind !== 'acked')).toEqual([]);
      expect(clients.flatMap((c) => c.unacked())).toEqual([]);
      expect(clients.flatMap((c) => c.ackConflicts)).toEqual([]);
      // Refusals are allowed only as "come back later" while the server shuts down.
      expect(clients.flatMap((c) => c.refusals).filter((r) => r.status !== 503)).toEqual([]);

      // The last write, read back through the feed: an empty page would not do, as on SQLite
      // the feed shows a committed change only once it is durable.
      const marker = `marker-${randomBytes(4).toString('hex')}`;
      await followToMarker(follower, async () => {
        const response = await fetch(`${server.url}/v1/device-types`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ id: marker, name: 'end of the test' }),
        });
        expect(response.status).toBe(201);
        return marker;
      });
      follower.stop();
      server.process.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);

      const stored = await readCaptureSnapshot(database);
      const seen = follower.seen;
      expect(follower.malformed).toEqual([]);
      // The consumer did live through the restarts: reads failed while the server was away.
      expect(follower.failures.length).toBeGreaterThan(0);

      // In order, each once: cursors strictly increase.
      const outOfOrder = seen.filter((c, i) => i > 0 && Number(c.cursor) <= Number(seen[i - 1]?.cursor));
      expect(outOfOrder).toEqual([]);
      // Nothing skipped, nothing invented: the consumer's list is the table's list.
      const seenCursors = new Set(seen.map((c) => Number(c.cursor)));
      const skipped = stored.changes.filter((c) => !seenCursors.has(c.position));
      expect(skipped, 'changes the consumer never saw').toEqual([]);
      expect(seen.map((c) => `${c.cursor} ${c.kind} ${c.entityId}`)).toEqual(
        stored.changes.map((c) => `${c.position} ${c.kind} ${c.entityId}`),
      );

      const created = seen.filter((c) => c.kind === 'message.created').map((c) => c.entityId);
      expect(new Set(created).size).toBe(created.length);
      expect(new Set(created)).toEqual(new Set(stored.messages.map((m) => m.id)));
      // Every acknowledged message reached the consumer, under the id it was acknowledged with.
      const createdSet = new Set(created);
      const missing = clients.flatMap((c) =>
        c.messages.filter((m) => !createdSet.has(c.ackOf(m.messageId)?.id ?? '')).map((m) => m.messageId),
      );
      expect(missing).toEqual([]);
      expect(stored.messages).toHaveLength(clients.reduce((sum, c) => sum + c.messages.length, 0));
      // A write cut off by the SIGKILL may have committed without an answer.
      expect(seen.filter((c) => c.kind === 'device.updated').length).toBeGreaterThanOrEqual(renamed);
      expect(seen.filter((c) => c.entityId.startsWith('imp-')).length).toBeGreaterThanOrEqual(imported);
    }, 120_000);
  });
}
