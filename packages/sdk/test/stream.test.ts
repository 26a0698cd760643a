import { describe, expect, it } from 'vitest';
import { type Change, followStream, ok, type ProblemError, type StreamStatus } from '../src/index.js';
import { until, useServer } from './sdk-support.js';

const fixture = useServer();

describe('the event stream', () => {
  it('delivers matching changes live, and from a cursor what came before', async () => {
    const { client, server } = fixture;
    await ok(client.POST('/v1/device-types', { body: { id: 'meter', name: 'Meter' } }));
    const controller = new AbortController();
    const statuses: StreamStatus[] = [];
    const changes: Change[] = [];
    const streaming = followStream({
      url: server.url,
      apiKey: server.adminKey,
      query: { kinds: ['device.created'] },
      signal: controller.signal,
      onStatus: (status) => statuses.push(status),
      onChange: (change) => changes.push(change),
    });
    await until(() => (statuses.includes('live') ? true : undefined));
    await ok(client.POST('/v1/devices', { body: { id: 's1', typeId: 'meter' } }));
    await ok(
      client.PATCH('/v1/devices/{deviceId}', {
        params: { path: { deviceId: 's1' } },
        body: { name: 'renamed' },
      }),
    );
    await ok(client.POST('/v1/devices', { body: { id: 's2', typeId: 'meter' } }));
    await until(() => (changes.length >= 2 ? true : undefined));
    controller.abort();
    await streaming;
    // The update is filtered out by `kinds`.
    expect(changes.map((change) => `${change.kind} ${change.entityId}`)).toEqual([
      'device.created s1',
      'device.created s2',
    ]);
    expect(statuses).toEqual(['connecting', 'live']);

    // From the first change's cursor: the rest, then live.
    const replay = new AbortController();
    const replayed: Change[] = [];
    const replaying = followStream({
      url: server.url,
      apiKey: server.adminKey,
      query: { since: changes[0]?.cursor ?? '0', deviceId: ['s2'] },
      signal: replay.signal,
      onChange: (change) => replayed.push(change),
    });
    await until(() => (replayed.length >= 1 ? true : undefined));
    replay.abort();
    await replaying;
    expect(replayed.map((change) => `${change.kind} ${change.entityId}`)).toEqual(['device.created s2']);
  });

  it('ends with the refusal when the key is refused', async () => {
    const statuses: string[] = [];
    let refusal: ProblemError | undefined;
    await followStream({
      url: fixture.server.url,
      apiKey: 'fpk_not_a_key',
      signal: new AbortController().signal,
      onStatus: (status, error) => {
        statuses.push(status);
        refusal ??= error;
      },
      onChange: () => {},
    });
    expect(statuses).toEqual(['connecting', 'refused']);
    expect(refusal).toMatchObject({ status: 401, code: 'unauthenticated' });
  });
});
