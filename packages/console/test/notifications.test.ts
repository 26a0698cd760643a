import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, seriousViolations, signIn, startConsole } from './harness.js';

declare const document: { readonly documentElement: { readonly scrollWidth: number } };

const DAY = 86_400_000;

/**
 * The notifications page in Chromium against a real server: an MQTT channel and a
 * recipient made from the page, an alert that then reaches a real subscriber of the
 * channel's topic and is listed as a message; a refused topic with its code.
 */
describe('the notifications page in Chromium', { timeout: 120_000 }, () => {
  let harness: ConsoleHarness;

  beforeAll(async () => {
    harness = await startConsole();
    await harness.ok('POST', '/v1/device-types', { id: 'meter', name: 'Meter' });
    await harness.ok('POST', '/v1/devices', { id: 'n-1', typeId: 'meter' });
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
  });

  async function openPage(options = {}) {
    const opened = await harness.open('/notifications', options);
    await signIn(opened.page, harness.server.adminKey);
    await opened.page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    return opened;
  }

  it('makes an MQTT channel and a recipient, and an alert reaches the topic and the message list', async () => {
    const { page, context, errors } = await openPage();
    await page.getByText('No channels yet.').waitFor();
    const channel = page.getByRole('form', { name: 'New channel' });
    await channel.getByLabel('Channel name').fill('ops topic');
    await channel.getByLabel('Topic').fill('ops/#');
    await channel.getByRole('button', { name: 'Add channel' }).click();
    await expect.poll(() => channel.getByRole('alert').textContent()).toMatch(/\(\w+/);
    expect(await channel.getByLabel('Topic').getAttribute('aria-invalid')).toBe('true');
    expect((await harness.ok('GET', '/v1/notifications/channels')).body.items).toEqual([]);

    await channel.getByLabel('Topic').fill('ops/alerts');
    await channel.getByRole('button', { name: 'Add channel' }).click();
    await page.locator('li[data-channel-id]').waitFor();

    const recipient = page.getByRole('form', { name: 'New recipient' });
    await recipient.getByLabel('Recipient name').fill('night shift');
    await recipient.getByLabel('ops topic').check();
    await recipient.getByRole('button', { name: 'Add recipient' }).click();
    const listed = page.locator('li[data-recipient-id]');
    await listed.waitFor();
    expect(await listed.textContent()).toContain('by ops topic');

    // A subscriber of the topic; then an alert (a subscription ending) on a device.
    const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${harness.server.server.mqtt.tcpPort}`, {
      username: 'fleetport',
      password: harness.server.adminKey,
      reconnectPeriod: 0,
    });
    try {
      const heard = new Promise<string>((resolve) =>
        subscriber.once('message', (_topic, body) => resolve(String(body))),
      );
      await subscriber.subscribeAsync('ops/alerts', { qos: 1 });
      const now = Date.now();
      await harness.ok('PUT', '/v1/devices/n-1/subscription', {
        plan: 'gold',
        startsAt: new Date(now - DAY).toISOString(),
        endsAt: new Date(now + 2 * DAY).toISOString(),
        warnDays: 5,
      });
      expect(JSON.parse(await heard)).toMatchObject({
        type: 'notification',
        recipient: { name: 'night shift' },
      });
    } finally {
      await subscriber.endAsync(true);
    }
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('section[aria-labelledby="messages-title"] tbody tr').count();
        },
        { timeout: 30_000 },
      )
      .toBe(1);
    expect(await page.locator('section[aria-labelledby="messages-title"] tbody').textContent()).toContain(
      'delivered',
    );
    expect(errors.filter((error) => !/status of 4\d\d/.test(error))).toEqual([]);
    await context.close();
  });

  it('has no serious accessibility violation in light and dark, and fits a phone', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, context } = await openPage({ bypassCSP: true, colorScheme });
      await page.locator('li[data-channel-id]').waitFor();
      expect(await seriousViolations(page), colorScheme).toEqual([]);
      await context.close();
    }
    const { page, context } = await openPage({ viewport: { width: 375, height: 740 }, isMobile: true });
    await page.locator('li[data-channel-id]').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await context.close();
  });
});
