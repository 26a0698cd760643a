import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, spawnServer } from '../support/child-server.js';
import { dialectCases, type TestDatabase } from '../support/databases.js';

const sqlite = dialectCases()[0];

async function createType(server: ChildServer): Promise<void> {
  const response = await fetch(`${server.url}/v1/device-types`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'meter', name: 'Meter' }),
  });
  expect([201, 409]).toContain(response.status);
}

describe.each(['SIGTERM', 'SIGINT'] as const)('graceful shutdown on %s', (signal) => {
  let database: TestDatabase;
  beforeAll(async () => {
    if (!sqlite) throw new Error('no sqlite case');
    database = await sqlite.create();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('stops accepting, finishes the request in flight, then exits 0', async () => {
    const server = await spawnServer(database);
    await createType(server);

    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let step = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        step += 1;
        if (step === 1) {
          controller.enqueue(new TextEncoder().encode(`${JSON.stringify({ id: `${signal}-1` })}\n`));
          return;
        }
        // Hold the request open until the signal has been delivered.
        await released;
        controller.enqueue(new TextEncoder().encode(`${JSON.stringify({ id: `${signal}-2` })}\n`));
        controller.close();
      },
    });
    const inFlight = fetch(`${server.url}/v1/devices/import?typeId=meter`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/x-ndjson' },
      body,
      duplex: 'half',
    } as RequestInit);
    await new Promise((resolve) => setTimeout(resolve, 300));

    server.process.kill(signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The listener is closed: a new connection is refused.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    const report = (await response.json()) as { created: number };
    expect(report.created).toBe(2);

    const exit = await server.exited;
    expect(exit.code).toBe(0);
    expect(server.output()).not.toMatch(/"level":(50|60)/);
    // Finished by itself, not by the shutdown timeout cutting connections.
    expect(server.output()).not.toMatch(/shutdown timeout/);

    // The store was closed cleanly: the next start sees both devices.
    const restarted = await spawnServer(database, { adminKey: server.adminKey });
    const list = await fetch(`${restarted.url}/v1/devices?limit=10`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    });
    const ids = ((await list.json()) as { items: { id: string }[] }).items.map((d) => d.id);
    expect(ids).toEqual([`${signal}-1`, `${signal}-2`]);
    restarted.process.kill('SIGTERM');
    await restarted.exited;
  }, 60_000);
});
