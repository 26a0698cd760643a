import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchingSignatures, WebhookReceiver } from '../../server/test/support/webhook-receiver.js';
import { type CliFixture, json, startCliFixture } from './support/cli-harness.js';

let fx: CliFixture;
let receiver: WebhookReceiver;
beforeAll(async () => {
  fx = await startCliFixture();
  receiver = new WebhookReceiver();
  await receiver.start();
  const allowed = await fx.server.request('PUT', '/v1/tenants/default/webhook-settings', {
    json: { allowPrivateTargets: true },
  });
  expect(allowed.status).toBe(200);
  expect((await fx.cli(['device-types', 'create', '--id', 'hooked', '--name', 'hooked'])).code).toBe(0);
});
afterAll(async () => {
  await receiver?.stop();
  await fx?.close();
});

describe('fleetport webhooks', () => {
  it('creates, lists, shows, delivers, retries, replays and deletes an endpoint', async () => {
    const created = await fx.cli([
      '--json',
      'webhooks',
      'create',
      receiver.url,
      '--event-type',
      'device.created',
      '--ordered',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const { endpoint, secret } = json<{ endpoint: { id: string; ordered: boolean }; secret: string }>(
      created,
    );
    expect(endpoint.ordered).toBe(true);
    const id = endpoint.id;
    expect((await fx.cli(['webhooks', 'list'])).stdout).toContain(id);
    const shown = await fx.cli(['webhooks', 'show', id]);
    expect(shown.stdout).toMatch(/^event types\s+device\.created$/m);

    expect((await fx.cli(['devices', 'create', '--id', 'cli-hook-1', '--type', 'hooked'])).code).toBe(0);
    await receiver.waitFor(1);
    expect(matchingSignatures(receiver.received[0] ?? { headers: {}, body: '', json: {} }, [secret])).toEqual(
      [secret],
    );

    const deliveries = json<{ items: { id: string; status: string }[] }>(
      await fx.cli(['--json', 'webhooks', 'deliveries', id]),
    );
    expect(deliveries.items.map((d) => d.status)).toEqual(['delivered']);
    const deliveryId = deliveries.items[0]?.id ?? '';
    const log = await fx.cli(['webhooks', 'deliveries', id, deliveryId]);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toMatch(/^1\s+\S+\s+204\s/m);

    const retried = await fx.cli(['webhooks', 'retry', id, deliveryId]);
    expect(retried.stdout).toMatch(/^queued delivery \d+ \(message msg_\d+_wh_/);
    await receiver.waitFor(2);
    const replayed = await fx.cli(['webhooks', 'replay', id, '--since', '0']);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toMatch(/^queued 1 deliveries$/m);
    await receiver.waitFor(3);
    const both = await fx.cli(['webhooks', 'replay', id]);
    expect(both.code).toBe(2);
    const future = await fx.cli(['webhooks', 'replay', id, '--from', '2999-01-01T00:00:00Z']);
    expect(future.code).toBe(3);
    expect(future.stderr).toMatch(/validation_failed/);

    expect((await fx.cli(['webhooks', 'delete', id])).stdout).toMatch(/deleted webhook/);
    const gone = await fx.cli(['webhooks', 'show', id]);
    expect(gone.code).toBe(4);
  });

  it('exits 3 with the problem for a bad filter and stores nothing', async () => {
    const bad = await fx.cli(['webhooks', 'create', receiver.url, '--filter', 'data.x ==']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/invalid_condition/);
    const listed = json<{ items: unknown[] }>(await fx.cli(['--json', 'webhooks', 'list']));
    expect(listed.items).toEqual([]);
  });
});
