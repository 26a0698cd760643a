import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, spawnServer } from '../support/child-server.js';
import { dialectCases, openTestStore, type TestDatabase } from '../support/databases.js';
import { IngestClient } from '../support/ingest-client.js';
import { provisionDevices } from '../support/provision-devices.js';

/*
 * Issue 18: the decoder is a durable feed consumer whose writes commit with its cursor.
 * A server decoding under load is killed with SIGKILL; after a restart every stored message
 * of the codec's type has its decode and exactly one `message.decoded` change: none was
 * lost with the process, none decoded twice.
 */

const CODEC = `function decodeUplink(input) {
  return { data: { first: input.bytes[0] } };
}`;
const TYPE = 'decoded';
const CLIENTS = 6;
const KILL_AFTER_ACKS = 1_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`decoding across SIGKILL (${dialect.name})`, () => {
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

    it('decodes every stored message exactly once after a SIGKILL mid-stream and a restart', async () => {
      const first = await spawnServer(database, { adminKey });
      children.push(first);
      const deviceIds = Array.from({ length: CLIENTS }, (_, i) => `dec-${i}`);
      const devices = await provisionDevices(first.url, adminKey, { typeId: TYPE, deviceIds });
      const codec = await fetch(`${first.url}/v1/device-types/${TYPE}/codec`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'javascript', source: CODEC }),
      });
      expect(codec.status, await codec.text()).toBeLessThan(300);
      const url = first.url;
      const clients = devices.map(
        (device) => new IngestClient({ device, url: () => url, batchSize: 1, lanes: 3 }),
      );
      let stopped = false;
      const running = Promise.all(clients.map((c) => c.run(() => stopped)));
      const acked = () => clients.reduce((sum, c) => sum + c.ackedCount, 0);
      const deadline = Date.now() + 60_000;
      while (acked() < KILL_AFTER_ACKS) {
        if (Date.now() > deadline) {
          stopped = true;
          throw new Error(`only ${acked()} messages acknowledged in 60 s:\n${first.output()}`);
        }
        await sleep(10);
      }
      first.process.kill('SIGKILL');
      await first.exited;
      stopped = true;
      await running;

      const store = await openTestStore(database);
      try {
        const counts = async () => {
          const messages = await store.db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('type_id', '=', TYPE)
            .executeTakeFirstOrThrow();
          const decodes = await store.db
            .selectFrom('message_decodes')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .executeTakeFirstOrThrow();
          return { messages: Number(messages.n), decodes: Number(decodes.n) };
        };
        const afterKill = await counts();
        expect(afterKill.messages).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);

        const second = await spawnServer(database, { adminKey });
        children.push(second);
        // The killed holder's lease runs out first (15 s by default), then the new server decodes.
        const settle = Date.now() + 90_000;
        for (;;) {
          const now = await counts();
          if (now.decodes === now.messages) break;
          if (Date.now() > settle) throw new Error(`decodes ${now.decodes} of ${now.messages} messages`);
          await sleep(200);
        }
        const perMessage = await store.db
          .selectFrom('changes')
          .select(['entity_id', (eb) => eb.fn.countAll<number | string>().as('n')])
          .where('kind', '=', 'message.decoded')
          .groupBy('entity_id')
          .execute();
        const stored = await counts();
        expect(perMessage).toHaveLength(stored.messages);
        expect(perMessage.filter((row) => Number(row.n) !== 1)).toEqual([]);
        second.process.kill('SIGTERM');
        expect((await second.exited).code).toBe(0);
      } finally {
        await store.close();
      }
    }, 180_000);
  });
}
