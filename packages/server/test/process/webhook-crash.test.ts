import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, spawnServer } from '../support/child-server.js';
import { dialectCases, type TestDatabase } from '../support/databases.js';
import { matchingSignatures, WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Issue 22: "a process test that kills the server with SIGKILL with deliveries pending and
 * restarts it: none lost". Deliveries are queued and tried once against a receiver that
 * answers 503, the server is SIGKILLed while they wait for their retry, the receiver
 * recovers, the server starts again: every event arrives (by message id), none skipped,
 * and changes made after the restart follow.
 */
for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`webhooks across SIGKILL (${dialect.name})`, () => {
    let database: TestDatabase;
    const running: ChildServer[] = [];
    const receiver = new WebhookReceiver();

    beforeAll(async () => {
      database = await dialect.create();
      await receiver.start();
    });
    afterAll(async () => {
      for (const server of running) server.process.kill('SIGKILL');
      await receiver.stop();
      await database?.drop();
    });

    async function call(server: ChildServer, method: string, path: string, json?: unknown) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
      const text = await response.text();
      expect(response.status, `${method} ${path}: ${text}`).toBeLessThan(300);
      return text === '' ? undefined : JSON.parse(text);
    }

    it('delivers every event queued before a SIGKILL after the restart, and what follows', async () => {
      const first = await spawnServer(database, { readyTimeoutMs: 90_000 });
      running.push(first);
      await call(first, 'PUT', '/v1/tenants/default/webhook-settings', { allowPrivateTargets: true });
      const { secret } = await call(first, 'POST', '/v1/webhooks', {
        url: receiver.url,
        eventTypes: ['device.created'],
      });
      await call(first, 'POST', '/v1/device-types', { id: 'crash', name: 'crash' });
      receiver.respond = () => ({ status: 503 });
      const before = Array.from({ length: 20 }, (_, i) => `before-${i}`);
      for (const id of before) await call(first, 'POST', '/v1/devices', { id, typeId: 'crash' });
      // Five failures open the endpoint's breaker: some deliveries wait for a retry, the
      // rest were never tried. Then the kill.
      await receiver.waitFor(5, 30_000);
      first.process.kill('SIGKILL');
      await first.exited;
      receiver.respond = () => ({ status: 204 });
      // What arrives from here on was answered 204.
      const failedBefore = receiver.received.length;

      const second = await spawnServer(database, { adminKey: first.adminKey, readyTimeoutMs: 90_000 });
      running.push(second);
      const after = Array.from({ length: 5 }, (_, i) => `after-${i}`);
      for (const id of after) await call(second, 'POST', '/v1/devices', { id, typeId: 'crash' });
      const wanted = new Set([...before, ...after]);
      const delivered = () =>
        new Set(receiver.received.slice(failedBefore).map((request) => request.json?.entityId as string));
      const deadline = Date.now() + 60_000;
      while ([...wanted].some((id) => !delivered().has(id))) {
        if (Date.now() > deadline) {
          throw new Error(`not delivered: ${[...wanted].filter((id) => !delivered().has(id)).join(', ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // The same message id for an event before and after the kill; every request signed.
      const idsOf = (entity: string) =>
        new Set(
          receiver.received.filter((r) => r.json?.entityId === entity).map((r) => r.headers['webhook-id']),
        );
      expect(idsOf('before-0').size).toBe(1);
      expect(receiver.received.every((r) => matchingSignatures(r, [secret]).length === 1)).toBe(true);
      second.process.kill('SIGTERM');
      await second.exited;
    }, 180_000);
  });
}
