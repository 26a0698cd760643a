import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, spawnServer } from '../support/child-server.js';
import { dialectCases, openTestStore, type TestDatabase } from '../support/databases.js';

const ROWS = 60_000;

function deviceLine(i: number): string {
  return `${JSON.stringify({ id: `dev-${String(i).padStart(6, '0')}`, tags: { site: `s${i % 7}`, batch: 'b1' }, attributes: { n: i } })}\n`;
}

/**
 * Streams an import, holds the body open after `pauseAfter` rows until `struck` says the
 * server has written what the test needs (polled on the database), then SIGKILLs the
 * server. The request itself fails, as it would for a real client.
 */
async function importThenKill(
  server: ChildServer,
  database: TestDatabase,
  atomic: boolean,
  pauseAfter: number,
  struck: (counts: Counts) => boolean,
): Promise<void> {
  let sent = 0;
  let killed: () => void = () => {};
  const kill = new Promise<void>((resolve) => {
    killed = resolve;
  });
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= pauseAfter) {
        await kill;
        controller.close();
        return;
      }
      let chunk = '';
      for (let i = 0; i < 500 && sent < ROWS; i += 1, sent += 1) chunk += deviceLine(sent);
      controller.enqueue(new TextEncoder().encode(chunk));
    },
  });
  const request = fetch(`${server.url}/v1/devices/import?atomic=${atomic}&typeId=meter`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/x-ndjson' },
    body,
    duplex: 'half',
  } as RequestInit).then(
    () => 'answered',
    () => 'failed',
  );
  const deadline = Date.now() + 30_000;
  while (!struck(await countRows(database))) {
    if (Date.now() > deadline) throw new Error('the server never wrote what the test waits for');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  server.process.kill('SIGKILL');
  const exit = await server.exited;
  killed();
  expect(exit.signal).toBe('SIGKILL');
  expect(await request).toBe('failed');
}

interface Counts {
  readonly devices: number;
  readonly tags: number;
  readonly staging: number;
}

async function countRows(
  database: TestDatabase,
): Promise<{ devices: number; tags: number; staging: number }> {
  const store = await openTestStore(database);
  try {
    const count = async (table: 'devices' | 'device_tags' | 'import_staging') =>
      Number(
        (
          await store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      devices: await count('devices'),
      tags: await count('device_tags'),
      staging: await count('import_staging'),
    };
  } finally {
    await store.close();
  }
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`SIGKILL during a bulk import (${dialect.name})`, () => {
    let database: TestDatabase;
    const adminKey = 'fpk_test_crash_0123456789abcdefghijklmnopqrstuvwxyz';

    beforeAll(async () => {
      database = await dialect.create();
      const server = await spawnServer(database, { adminKey });
      const response = await fetch(`${server.url}/v1/device-types`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'meter', name: 'Meter' }),
      });
      expect(response.status).toBe(201);
      server.process.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    }, 60_000);
    afterAll(async () => {
      await database?.drop();
    });

    it('leaves nothing of an all-or-nothing import, and the server starts again', async () => {
      const server = await spawnServer(database, { adminKey });
      await importThenKill(server, database, true, ROWS / 2, (c) => c.staging > 0);
      const killed = await countRows(database);
      // The kill struck mid-import: rows were staged, none had reached the registry.
      expect(killed.staging).toBeGreaterThan(0);
      expect(killed.devices).toBe(0);

      const restarted = await spawnServer(database, { adminKey });
      const list = await fetch(`${restarted.url}/v1/devices?limit=10`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(list.status).toBe(200);
      expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
      restarted.process.kill('SIGTERM');
      expect((await restarted.exited).code).toBe(0);

      // Start-up discarded the staged rows of the interrupted import.
      expect(await countRows(database)).toEqual({ devices: 0, tags: 0, staging: 0 });
    }, 120_000);

    it('keeps whole chunks of a best-effort import, each device with its tags, and a re-run completes it', async () => {
      const server = await spawnServer(database, { adminKey });
      await importThenKill(server, database, false, ROWS / 2, (c) => c.devices > 0);

      const after = await countRows(database);
      expect(after.staging).toBe(0);
      expect(after.devices).toBeGreaterThan(0);
      expect(after.devices).toBeLessThan(ROWS);
      // Every device that survived has both its tags: no half-written device.
      expect(after.tags).toBe(after.devices * 2);

      const restarted = await spawnServer(database, { adminKey });
      let body = '';
      for (let i = 0; i < ROWS; i += 1) body += deviceLine(i);
      const response = await fetch(`${restarted.url}/v1/devices/import?typeId=meter`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/x-ndjson' },
        body,
      });
      expect(response.status).toBe(200);
      const report = (await response.json()) as {
        created: number;
        failed: number;
        errors: { code: string }[];
      };
      expect(report.created + report.failed).toBe(ROWS);
      expect(report.created).toBe(ROWS - after.devices);
      expect(report.errors.every((e) => e.code === 'already_exists')).toBe(true);
      restarted.process.kill('SIGTERM');
      expect((await restarted.exited).code).toBe(0);
      expect(await countRows(database)).toEqual({ devices: ROWS, tags: ROWS * 2, staging: 0 });
    }, 120_000);
  });
}
