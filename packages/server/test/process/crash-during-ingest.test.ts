import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CaptureSnapshot,
  readCaptureSnapshot,
  type StoredMessage,
} from '../support/capture-snapshot.js';
import { type ChildServer, spawnServer } from '../support/child-server.js';
import { dialectCases, type TestDatabase } from '../support/databases.js';
import { IngestClient, type LoadMessage } from '../support/ingest-client.js';
import { provisionDevices } from '../support/provision-devices.js';

/*
 * Issue 3: "A test starts the server as a child process, ingests under load from several
 * clients, kills it with SIGKILL mid-stream, restarts it, and finds every message that got
 * a 2xx exactly once." SIGKILL leaves the operating system's file cache intact, so this
 * proves that nothing is acknowledged before its transaction has committed; it says
 * nothing about fsync and power loss.
 */

/** Devices sending one message per request, three requests in flight each. */
const SINGLE_CLIENTS = 8;
/** Devices sending batches of 20, two requests in flight each. */
const BATCH_CLIENTS = 2;
/** Acknowledged messages before the kill. */
const KILL_AFTER_ACKS = 2_000;

const key = (deviceId: string, messageId: string | null) => `${deviceId}\u0000${messageId ?? ''}`;

/** The stored messages by device and message id; more than one means stored twice. */
function index(snapshot: CaptureSnapshot): Map<string, StoredMessage[]> {
  const byKey = new Map<string, StoredMessage[]>();
  for (const message of snapshot.messages) {
    const k = key(message.deviceId, message.messageId);
    byKey.set(k, [...(byKey.get(k) ?? []), message]);
  }
  return byKey;
}

/**
 * Everything that must hold of the store whatever the moment of the kill: no message
 * twice, every acknowledged one there with the id it was acknowledged with, nothing the
 * clients did not send, per-device counters that match, one change per message.
 */
function checkStore(snapshot: CaptureSnapshot, clients: readonly IngestClient[]): void {
  const stored = index(snapshot);
  const twice = [...stored.values()].filter((list) => list.length > 1).map((list) => list[0]?.messageId);
  expect(twice, 'messages stored more than once').toEqual([]);

  const sent = new Map<string, LoadMessage>();
  for (const client of clients) for (const m of client.messages) sent.set(key(m.deviceId, m.messageId), m);
  const strangers = snapshot.messages.filter((m) => {
    const origin = sent.get(key(m.deviceId, m.messageId));
    return origin === undefined || origin.seq !== m.seq;
  });
  expect(strangers, 'stored messages no client sent').toEqual([]);

  const lost: string[] = [];
  for (const client of clients) {
    for (const message of client.messages) {
      const ack = client.ackOf(message.messageId);
      if (!ack) continue;
      const found = stored.get(key(message.deviceId, message.messageId));
      if (found?.[0]?.id !== ack.id) lost.push(`${message.messageId} (acknowledged as ${ack.id})`);
    }
  }
  expect(lost, 'acknowledged messages missing from the store').toEqual([]);

  const perDevice = new Map<string, number>();
  for (const m of snapshot.messages) perDevice.set(m.deviceId, (perDevice.get(m.deviceId) ?? 0) + 1);
  for (const client of clients) {
    expect(snapshot.messageCounts.get(client.deviceId) ?? 0, `message_count of ${client.deviceId}`).toBe(
      perDevice.get(client.deviceId) ?? 0,
    );
  }

  const created = snapshot.changes.filter((c) => c.kind === 'message.created').map((c) => c.entityId);
  expect(created.length, 'one message.created per stored message').toBe(snapshot.messages.length);
  expect(new Set(created)).toEqual(new Set(snapshot.messages.map((m) => m.id)));
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`SIGKILL during concurrent ingest (${dialect.name})`, () => {
    let database: TestDatabase;
    const children: ChildServer[] = [];
    const adminKey = `fpk_test_${randomBytes(24).toString('base64url')}`;

    beforeAll(async () => {
      database = await dialect.create();
    });
    afterAll(async () => {
      for (const child of children) {
        if (child.process.exitCode === null && child.process.signalCode === null) {
          child.process.kill('SIGKILL');
          await child.exited;
        }
      }
      await database?.drop();
    });

    it('stores every acknowledged message exactly once, and retries of the rest complete the history', async () => {
      const first = await spawnServer(database, { adminKey });
      children.push(first);
      let url = first.url;
      const deviceIds = Array.from({ length: SINGLE_CLIENTS + BATCH_CLIENTS }, (_, i) => `crash-${i}`);
      const devices = await provisionDevices(url, adminKey, { typeId: 'meter', deviceIds });
      const clients = devices.map(
        (device, i) =>
          new IngestClient({
            device,
            url: () => url,
            ...(i < SINGLE_CLIENTS ? { batchSize: 1, lanes: 3 } : { batchSize: 20, lanes: 2 }),
          }),
      );

      // -- load, then SIGKILL while requests are in flight --
      let stopped = false;
      const running = Promise.all(clients.map((c) => c.run(() => stopped)));
      const acked = () => clients.reduce((sum, c) => sum + c.ackedCount, 0);
      const deadline = Date.now() + 30_000;
      while (acked() < KILL_AFTER_ACKS) {
        if (Date.now() > deadline) {
          stopped = true;
          throw new Error(`only ${acked()} messages acknowledged in 30 s:\n${first.output()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      first.process.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      stopped = true;
      await running;

      expect(clients.flatMap((c) => c.refusals)).toEqual([]);
      expect(clients.flatMap((c) => c.ackConflicts)).toEqual([]);
      // Struck mid-stream: requests were cut, and every answer so far was a new message.
      expect(clients.reduce((sum, c) => sum + c.unansweredCount, 0)).toBeGreaterThan(0);
      expect(clients.flatMap((c) => c.unacked()).length).toBeGreaterThan(0);
      expect(clients.flatMap((c) => c.messages.filter((m) => c.ackOf(m.messageId)?.duplicate))).toEqual([]);

      const afterKill = await readCaptureSnapshot(database);
      checkStore(afterKill, clients);
      const storedAfterKill = index(afterKill);

      // -- restart on the same database; every client sends what was never acknowledged --
      const second = await spawnServer(database, { adminKey });
      children.push(second);
      url = second.url;
      const retried = (await Promise.all(clients.map((c) => c.retryUnacked()))).flat();
      expect(retried.length).toBeGreaterThan(0);
      const wrong: string[] = [];
      for (const { message, attempt } of retried) {
        const before = storedAfterKill.get(key(message.deviceId, message.messageId))?.[0];
        // A single message is answered 201 when new and 200 when already stored; a batch 200.
        const batched = deviceIds.indexOf(message.deviceId) >= SINGLE_CLIENTS;
        const right =
          attempt.kind === 'acked' &&
          (before
            ? attempt.duplicate && attempt.id === before.id && attempt.status === 200
            : !attempt.duplicate && attempt.status === (batched ? 200 : 201));
        if (!right) {
          const was = before ? `stored as ${before.id}` : 'not stored';
          wrong.push(`${message.messageId} (${was} after the kill): ${JSON.stringify(attempt)}`);
        }
      }
      expect(wrong).toEqual([]);

      // Sending acknowledged messages again changes nothing and answers the same id.
      for (const client of clients) {
        const again = client.messages.slice(0, 20);
        const attempts = await client.send(again);
        again.forEach((m, i) => {
          expect(attempts[i]).toMatchObject({
            kind: 'acked',
            duplicate: true,
            id: client.ackOf(m.messageId)?.id,
          });
        });
      }

      second.process.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);

      const final = await readCaptureSnapshot(database);
      checkStore(final, clients);
      const made = clients.reduce((sum, c) => sum + c.messages.length, 0);
      expect(final.messages).toHaveLength(made);
      expect(clients.flatMap((c) => c.unacked().map((m) => m.messageId))).toEqual([]);
    }, 90_000);
  });
}
