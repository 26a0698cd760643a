import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, seriousViolations, signIn, startConsole } from './harness.js';

declare const document: { readonly documentElement: { readonly scrollWidth: number } };

/**
 * API keys, MQTT (connected clients and topic policies) and the change-feed viewer, in
 * Chromium against a real server and a real MQTT client.
 */
describe('the access and feed pages in Chromium', { timeout: 90_000 }, () => {
  let harness: ConsoleHarness;

  beforeAll(async () => {
    harness = await startConsole();
    await harness.ok('POST', '/v1/device-types', { id: 'plug', name: 'Plug' });
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  async function openPage(route: string, heading: string, options = {}) {
    const opened = await harness.open(route, options);
    await signIn(opened.page, harness.server.adminKey);
    await opened.page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    return opened;
  }

  it('creates an API key whose secret is shown once and works, and revokes it', async () => {
    const { page, context, errors } = await openPage('/keys', 'API keys');
    // A name is required: the API's message next to the field.
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/name/);
    expect(await page.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Name').fill('grafana');
    await page.getByLabel('Scope').selectOption('reader');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^fpk_/);
    const me = await harness.server.request('GET', '/v1/me', { key: secret });
    expect(me.body).toMatchObject({ scope: 'reader' });
    await page.getByRole('button', { name: 'I have kept it' }).click();
    expect(await page.getByTestId('secret').count()).toBe(0);

    const row = page.getByRole('row', { name: /grafana/ });
    await page.getByRole('button', { name: 'Revoke key grafana' }).click();
    await page.getByRole('button', { name: 'Confirm: revoke key grafana' }).click();
    await expect.poll(() => row.textContent()).toContain('revoked');
    expect((await harness.server.request('GET', '/v1/me', { key: secret })).status).toBe(401);
    expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    await context.close();
  });

  it('lists a connected MQTT client and disconnects it; adds and removes a topic policy', async () => {
    await harness.ok('POST', '/v1/devices', { id: 'plug-1', typeId: 'plug' });
    const token = (await harness.ok('POST', '/v1/devices/plug-1/credentials', { kind: 'token' })).body.token;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${harness.server.server.mqtt.tcpPort}`, {
      clientId: 'plug-1-session',
      username: 'fleetport',
      password: token,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    try {
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      const { page, context, errors } = await openPage('/broker', 'MQTT');
      const row = page.getByRole('row', { name: /plug-1-session/ });
      await expect.poll(() => row.textContent()).toContain('MQTT 5');
      expect(await row.textContent()).toContain('plug-1');
      await row.getByRole('button', { name: 'Disconnect client plug-1-session' }).click();
      await row.getByRole('button', { name: 'Confirm: disconnect client plug-1-session' }).click();
      await closed;
      await expect.poll(() => row.count()).toBe(0);

      const policies = page.getByRole('region', { name: 'Topic policies' });
      // A malformed filter: the API's message, nothing added.
      await policies.getByLabel('Topic filter').fill('alerts/#/more');
      await policies.getByRole('button', { name: 'Add policy' }).click();
      await expect.poll(() => policies.getByRole('alert').textContent()).toMatch(/filter/);
      await policies.getByLabel('Effect').selectOption('deny');
      await policies.getByLabel('Action').selectOption('subscribe');
      await policies.getByLabel('Topic filter').fill('shared/secrets/#');
      await policies.getByRole('button', { name: 'Add policy' }).click();
      await policies.getByRole('cell', { name: 'shared/secrets/#', exact: true }).waitFor();
      expect((await harness.ok('GET', '/v1/mqtt/policies')).body.items).toMatchObject([
        { effect: 'deny', action: 'subscribe', filter: 'shared/secrets/#' },
      ]);
      await policies.getByRole('button', { name: 'Remove policy deny subscribe shared/secrets/#' }).click();
      await policies.getByRole('button', { name: /Confirm: remove policy/ }).click();
      await policies.getByText('No topic policies.').waitFor();
      expect((await harness.ok('GET', '/v1/mqtt/policies')).body.items).toEqual([]);
      expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
      await context.close();
    } finally {
      client.end(true);
    }
  });

  it('pages through the change feed and then follows it live, each change once', async () => {
    // More changes than a page (50): 60 devices.
    for (let index = 0; index < 60; index += 1)
      await harness.ok('POST', '/v1/devices', {
        id: `feed-${String(index).padStart(2, '0')}`,
        typeId: 'plug',
      });
    const { page, context, errors } = await openPage('/changes', 'Change feed');
    const rows = page.locator('table.feed tbody tr');
    await expect.poll(() => rows.count()).toBe(50);
    const all = (await harness.ok('GET', '/v1/changes', undefined)).body;
    expect(await rows.first().getAttribute('data-cursor')).toBe(all.items[0].cursor);
    await page.getByRole('button', { name: 'Next 50' }).click();
    const total = (await harness.ok('GET', '/v1/changes?limit=1000')).body.items.length;
    await expect.poll(() => rows.count()).toBe(Math.min(100, total));

    // Read to the end, then follow: a new change appears once, after the last one.
    while (await page.getByRole('button', { name: 'Next 50' }).isEnabled()) {
      const before = await rows.count();
      await page.getByRole('button', { name: 'Next 50' }).click();
      await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(before);
      if ((await rows.count()) === before) break;
    }
    expect(await rows.count()).toBe(total);
    await page.getByLabel('Follow live').check();
    await page.locator('[data-status="live"]').waitFor();
    await harness.ok('PATCH', '/v1/devices/feed-07', { name: 'renamed' });
    await expect.poll(() => rows.count()).toBe(total + 1);
    expect(await rows.last().textContent()).toContain('device.updated');
    expect(await rows.last().textContent()).toContain('feed-07');
    const cursors = await rows.evaluateAll((list) => list.map((row) => row.getAttribute('data-cursor')));
    expect(new Set(cursors).size).toBe(cursors.length);

    // A change's data opens in full.
    await rows
      .last()
      .getByRole('button', { name: /data of change/ })
      .click();
    expect(await rows.last().locator('pre').textContent()).toContain('"name": "renamed"');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('has no serious accessibility violation in light and dark, and fits a phone', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [route, heading] of [
        ['/keys', 'API keys'],
        ['/broker', 'MQTT'],
        ['/changes', 'Change feed'],
      ] as const) {
        const { page, context } = await openPage(route, heading, { bypassCSP: true, colorScheme });
        await page.locator('table, .muted').first().waitFor();
        expect(await seriousViolations(page), `${route} (${colorScheme})`).toEqual([]);
        await context.close();
      }
    }
    for (const [route, heading] of [
      ['/keys', 'API keys'],
      ['/broker', 'MQTT'],
      ['/changes', 'Change feed'],
    ] as const) {
      const { page, context } = await openPage(route, heading, {
        viewport: { width: 375, height: 740 },
        isMobile: true,
      });
      await page.locator('table, .muted').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth), route).toBeLessThanOrEqual(375);
      await context.close();
    }
  }, 240_000);
});
