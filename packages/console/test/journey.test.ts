import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/test/support/cli-harness.js';
import { type ConsoleHarness, signIn, startConsole } from './harness.js';

/** Where the screenshots go: `FLEETPORT_SCREENSHOTS=docs/screenshots` refreshes the README's. */
const SHOTS = process.env.FLEETPORT_SCREENSHOTS
  ? path.resolve(process.env.FLEETPORT_SCREENSHOTS)
  : mkdtempSync(path.join(tmpdir(), 'fleetport-screenshots-'));

const CODEC = `function decodeUplink(input) {
  return { data: { temperature: input.bytes[0] / 2 } };
}`;

/**
 * The operator's first hour, end to end in Chromium against a real server: sign in, make a
 * Sigfox device type, paste a codec and try it, get the callback secret, import the
 * devices from CSV, run the CLI's Sigfox simulator and watch its messages arrive live on a
 * device, decoded and charted. Screenshots of the main pages are saved on the way.
 */
describe('an operator’s first hour with a Sigfox fleet', { timeout: 300_000 }, () => {
  let harness: ConsoleHarness;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    harness = await startConsole();
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
  });

  const shoot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

  it('goes from an empty server to live, decoded, charted Sigfox messages without leaving the console', async () => {
    const { page, context, errors } = await harness.open('/', { viewport: { width: 1100, height: 800 } });
    await signIn(page, harness.server.adminKey);
    await page.getByRole('heading', { name: 'Fleet overview', level: 1 }).waitFor();

    // A device type, from its page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Device types' }).click();
    await page.getByText('No device types yet').waitFor();
    await page.getByLabel('Id').fill('sfx-meter');
    await page.getByLabel('Name').fill('Sigfox meter');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Device type sfx-meter' }).waitFor();

    // Paste a codec, try it on a payload, save it.
    const codec = page.getByRole('region', { name: 'Codec' });
    await codec.getByLabel('Source').fill(CODEC);
    await codec.getByLabel('Uplink payload (hex)').fill('2b');
    await codec.getByRole('button', { name: 'Decode' }).click();
    await expect.poll(() => codec.getByTestId('decoded').textContent()).toContain('"temperature": 21.5');
    await codec.getByRole('button', { name: 'Save codec' }).click();
    await expect.poll(() => codec.getByRole('status').textContent()).toContain('Saved as version 1');

    // The callback secret the Sigfox backend (here, the simulator) sends.
    const sigfox = page.getByRole('region', { name: 'Sigfox callbacks' });
    await sigfox.getByLabel('Secret name').fill('backend');
    await sigfox.getByRole('button', { name: 'Create secret' }).click();
    const secret = (await page.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^fpc_/);
    await page.getByRole('button', { name: 'I have kept it' }).click();
    await shoot(page, 'device-type');

    // The fleet, imported from CSV: the simulator's ids (prefix ABC, then the index).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('heading', { name: 'Devices', level: 1 }).waitFor();
    await page.getByText('Import or export devices').click();
    const form = page.getByRole('form', { name: 'Import devices' });
    await form.getByLabel('CSV or NDJSON file').setInputFiles({
      name: 'meters.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'id,type,name,tag.site\nABC00000,sfx-meter,Boiler room,paris\nABC00001,sfx-meter,Roof,paris\nABC00002,sfx-meter,Cellar,lyon\n',
      ),
    });
    await form.getByRole('button', { name: 'Import' }).click();
    await expect
      .poll(() => page.getByTestId('import-report').textContent())
      .toContain('3 of 3 rows imported');
    await expect.poll(() => page.getByTestId('device-count').textContent()).toBe('3 devices');
    await shoot(page, 'devices');

    // Open a device, then run the simulator: its messages arrive on the page as they are stored.
    await page.getByRole('link', { name: /ABC00000/ }).click();
    await page.getByRole('heading', { name: 'Device ABC00000' }).waitFor();
    await page.locator('[data-status="live"]').first().waitFor();
    const simulated = await runCli(
      [
        'simulate',
        'sigfox',
        '--type',
        'sfx-meter',
        '--secret',
        secret,
        '--devices',
        '3',
        '--frames',
        '9',
        '--rate',
        '30',
        '--retry-ratio',
        '0',
        '--late-ratio',
        '0',
        '--device-prefix',
        'abc',
        '--quiet',
      ],
      { FLEETPORT_URL: harness.server.url },
    );
    expect(simulated.stderr).toBe('');
    expect(simulated.code).toBe(0);

    const stored = (await harness.ok('GET', '/v1/devices/ABC00000/messages')).body.items as Array<{
      id: string;
      decoded: { data: { temperature: number } } | null;
    }>;
    expect(stored).toHaveLength(3);
    const messages = page.locator('tr[data-message-id]');
    await expect.poll(() => messages.count(), { timeout: 20_000 }).toBe(3);
    // The newest message's decoded value, as the page shows it and as the API stored it.
    const newest = stored[0];
    const row = page.locator(`tr[data-message-id="${newest?.id}"]`);
    await expect
      .poll(async () => (await harness.ok('GET', `/v1/messages/${newest?.id}`)).body.decoded?.data, {
        timeout: 20_000,
      })
      .toBeTruthy();
    const decoded = (await harness.ok('GET', `/v1/messages/${newest?.id}`)).body.decoded.data;
    await expect
      .poll(() => row.locator('td.decoded').textContent(), { timeout: 20_000 })
      .toContain(`"temperature":${decoded.temperature}`);
    // And its chart: one field, three points.
    const chart = page.getByRole('img', { name: /^temperature of ABC00000:/ });
    await expect.poll(() => chart.getAttribute('aria-label'), { timeout: 20_000 }).toMatch(/3 messages/);
    await shoot(page, 'device');

    // The overview counts what arrived.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Device counts' }).textContent(), { timeout: 20_000 })
      .toMatch(/Seen3/);
    await shoot(page, 'overview');
    for (const [route, heading, name] of [
      ['/alerts?state=', 'Alerts', 'alerts'],
      ['/jobs', 'Jobs', 'jobs'],
      ['/changes', 'Change feed', 'changes'],
    ] as const) {
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: heading === 'Change feed' ? 'Changes' : heading })
        .click();
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.locator('table, .muted').first().waitFor();
      expect(page.url()).toContain(route.split('?')[0]);
      await shoot(page, name);
    }
    expect(errors).toEqual([]);
    await context.close();
  });
});
