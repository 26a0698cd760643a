import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, json, startCliFixture } from './support/cli-harness.js';

let fx: CliFixture;
beforeAll(async () => {
  fx = await startCliFixture();
  const allowed = await fx.server.request('PUT', '/v1/tenants/default/webhook-settings', {
    json: { allowPrivateTargets: true },
  });
  expect(allowed.status).toBe(200);
});
afterAll(async () => {
  await fx?.close();
});

describe('fleetport notifications', () => {
  it('creates channels and a recipient, lists them, and deletes them', async () => {
    const hook = await fx.cli([
      '--json',
      'notifications',
      'channels',
      'create',
      '--name',
      'ops hook',
      '--webhook',
      'http://127.0.0.1:9/hook',
    ]);
    expect(hook.code, hook.stderr).toBe(0);
    const { channel, secret } = json<{ channel: { id: string; kind: string }; secret: string }>(hook);
    expect(channel.kind).toBe('webhook');
    expect(secret).toMatch(/^whsec_/);
    const topic = await fx.cli([
      'notifications',
      'channels',
      'create',
      '--name',
      'ops topic',
      '--mqtt',
      'ops/alerts',
    ]);
    expect(topic.code, topic.stderr).toBe(0);
    expect(topic.stdout).toMatch(/^created channel nch_/);
    expect(topic.stdout).not.toContain('secret:');
    const listed = await fx.cli(['notifications', 'channels', 'list']);
    expect(listed.stdout).toContain(channel.id);
    expect(listed.stdout).toMatch(/ops\/alerts \(qos 1\)/);

    const created = await fx.cli([
      '--json',
      'notifications',
      'recipients',
      'create',
      '--name',
      'on call',
      '--channel',
      channel.id,
      '--severity',
      'critical',
      '--severity',
      'major',
      '--quiet',
      '22:00-07:00',
      '--time-zone',
      'Europe/Paris',
      '--digest',
      '10',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const recipient = json<{
      id: string;
      severities: string[];
      quietHours: { start: string; end: string; timeZone: string };
      delivery: { mode: string; windowMinutes: number };
    }>(created);
    expect(recipient.severities).toEqual(['critical', 'major']);
    expect(recipient.quietHours).toMatchObject({ start: '22:00', end: '07:00', timeZone: 'Europe/Paris' });
    expect(recipient.delivery).toEqual({ mode: 'digest', windowMinutes: 10 });
    expect((await fx.cli(['notifications', 'recipients', 'list'])).stdout).toMatch(/digest 10 min/);
    expect((await fx.cli(['notifications', 'list'])).code).toBe(0);

    // A channel still named cannot go: exit 5, the problem on stderr.
    const inUse = await fx.cli(['notifications', 'channels', 'delete', channel.id]);
    expect(inUse.code).toBe(5);
    expect(inUse.stderr).toMatch(/notification_channel_in_use/);
    expect((await fx.cli(['notifications', 'recipients', 'delete', recipient.id])).code).toBe(0);
    expect((await fx.cli(['notifications', 'channels', 'delete', channel.id])).stdout).toMatch(
      /deleted channel/,
    );
    expect((await fx.cli(['notifications', 'show', '999999'])).code).toBe(4);
  });

  it('exits 3 with the problem for unknown channels and e-mail without SMTP, and stores nothing', async () => {
    const unknown = await fx.cli([
      'notifications',
      'recipients',
      'create',
      '--name',
      'x',
      '--channel',
      'nch_nope',
    ]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/notification_channel_unknown/);
    const mail = await fx.cli([
      'notifications',
      'channels',
      'create',
      '--name',
      'm',
      '--email',
      'a@example.com',
    ]);
    expect(mail.code).toBe(3);
    expect(mail.stderr).toMatch(/notification_channel_unavailable/);
    const recipients = json<{ items: unknown[] }>(
      await fx.cli(['--json', 'notifications', 'recipients', 'list']),
    );
    expect(recipients.items).toEqual([]);
    const both = await fx.cli([
      'notifications',
      'channels',
      'create',
      '--name',
      'm',
      '--mqtt',
      'a',
      '--webhook',
      'http://x.example',
    ]);
    expect(both.code).toBe(2);
  });
});
