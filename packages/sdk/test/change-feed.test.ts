import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../server/test/support/test-server.js';
import {
  type Change,
  ChangeFollower,
  changesSince,
  createFleetportClient,
  type FleetportClient,
  ok,
  ProblemError,
} from '../src/index.js';
import { until, useServer } from './sdk-support.js';

const fixture = useServer();

async function createDevice(client: FleetportClient, id: string): Promise<void> {
  await ok(client.POST('/v1/devices', { body: { id, typeId: 'meter' } }));
}

async function drain(feed: AsyncGenerator<Change, string>): Promise<{ changes: Change[]; cursor: string }> {
  const changes: Change[] = [];
  for (let next = await feed.next(); ; next = await feed.next()) {
    if (next.done) return { changes, cursor: next.value };
    changes.push(next.value);
  }
}

describe('the change feed', () => {
  it('pages from a cursor until caught up and resumes from the cursor it returns', async () => {
    const { client } = fixture;
    await ok(client.POST('/v1/device-types', { body: { id: 'meter', name: 'Meter' } }));
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) await createDevice(client, id);

    const first = await drain(changesSince(client, { since: '0', limit: 2 }));
    expect(first.changes.map((change) => `${change.kind} ${change.entityId}`)).toEqual([
      'device_type.created meter',
      'device.created m1',
      'device.created m2',
      'device.created m3',
      'device.created m4',
      'device.created m5',
    ]);
    expect(first.cursor).toBe(first.changes.at(-1)?.cursor);

    await createDevice(client, 'm6');
    const second = await drain(changesSince(client, { since: first.cursor, limit: 2 }));
    expect(second.changes.map((change) => change.entityId)).toEqual(['m6']);
  });

  it('refuses a malformed cursor with validation_failed', async () => {
    const failure = await drain(changesSince(fixture.client, { since: 'yesterday' })).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ProblemError);
    expect(failure).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('ends the follow with the refusal when the key is refused', async () => {
    const stranger = createFleetportClient({ url: fixture.server.url, apiKey: 'fpk_not_a_key' });
    const follower = new ChangeFollower(stranger, { since: 'latest', signal: new AbortController().signal });
    await expect(follower.follow(() => {})).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
  });

  // Last: it restarts the server.
  it('follows new changes live, waits out a restart of the server and resumes where it was', async () => {
    const { client, database, server } = fixture;
    const url = new URL(server.url);
    const controller = new AbortController();
    const seen: string[] = [];
    const events: string[] = [];
    const follower = new ChangeFollower(client, {
      since: 'latest',
      waitSeconds: 1,
      signal: controller.signal,
      backoff: { initialMs: 50, maxMs: 200 },
      onOutage: (reason) => events.push(`outage ${reason}`),
      onReconnect: () => events.push('reconnect'),
    });
    const following = follower.follow((change) => seen.push(change.entityId));
    await createDevice(client, 'live-1');
    await until(() => (seen.includes('live-1') ? true : undefined));

    await server.close();
    await until(() => (events.length > 0 ? true : undefined));
    // The open long poll is cut (a socket error), or the next read is refused (ECONNREFUSED).
    expect(events[0]).toMatch(
      /^outage cannot reach Fleetport at http:\/\/127\.0\.0\.1:\d+ \((UND_ERR_SOCKET|ECONNREFUSED|ECONNRESET)\)$/,
    );
    // The same database on the same port: the bootstrap key of the first start still holds.
    const again = await startTestServer(database, { 'http-port': Number(url.port) });
    try {
      await createDevice(client, 'live-2');
      await until(() => (seen.includes('live-2') ? true : undefined));
      expect(events.slice(1)).toEqual(['reconnect']);
      expect(seen).toEqual(['live-1', 'live-2']);
    } finally {
      controller.abort();
      await following;
      await again.close();
    }
  });
});
