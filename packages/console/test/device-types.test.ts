import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, seriousViolations, signIn, startConsole } from './harness.js';

declare const document: {
  readonly documentElement: { readonly scrollWidth: number };
  readonly activeElement: { readonly id: string; readonly selectionStart?: number } | null;
};

const CODEC = `function decodeUplink(input) {
  return { data: { temperature: input.bytes[0] / 2, port: input.fPort } };
}`;

// A syntax error on line 3.
const BROKEN = `function decodeUplink(input) {
  const a = 1;
  const = 2;
  return { data: {} };
}`;

// Throws when the first byte is 0xff.
const THROWING = `function decodeUplink(input) {
  if (input.bytes[0] === 0xff)
    throw new Error('sensor fault');
  return { data: {} };
}`;

/**
 * The device-type pages in Chromium against a real server: create a type, its settings
 * with If-Match, the codec editor and its try-it panel, and the Sigfox callback
 * configuration that a real callback then follows.
 */
describe('the device-type pages in Chromium', { timeout: 90_000 }, () => {
  let harness: ConsoleHarness;

  beforeAll(async () => {
    harness = await startConsole();
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  async function openPage(route: string, options = {}) {
    const opened = await harness.open(route, options);
    await signIn(opened.page, harness.server.adminKey);
    return opened;
  }

  it('creates a type from the list, refusing a bad id with the API’s message', async () => {
    const { page, context, errors } = await openPage('/device-types');
    await page.getByRole('heading', { name: 'Device types', level: 1 }).waitFor();
    await page.getByText('No device types yet').waitFor();
    await page.getByLabel('Id').fill('bad id!');
    await page.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/id/);
    expect(await page.getByLabel('Id').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Id').fill('tracker');
    await page.getByLabel('Name').fill('Sigfox tracker');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Device type tracker' }).waitFor();
    expect(page.url()).toBe(`${harness.server.url}/device-types/tracker`);
    await page.getByRole('link', { name: 'Device types' }).click();
    await page.getByRole('link', { name: 'tracker', exact: true }).waitFor();
    expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    await context.close();
  });

  it('tries a codec on a payload, shows its error, points at the line of a syntax error, and saves it', async () => {
    await harness.ok('POST', '/v1/device-types', { id: 'thermo', name: 'Thermometer' });
    const { page, context, errors } = await openPage('/device-types/thermo');
    const codec = page.getByRole('region', { name: 'Codec' });
    await codec.getByLabel('Source').fill(CODEC);
    await codec.getByLabel('Uplink payload (hex)').fill('2b64');
    await codec.getByLabel('fPort').fill('3');
    await codec.getByRole('button', { name: 'Decode' }).click();
    await expect.poll(() => codec.getByTestId('decoded').textContent()).toContain('"temperature": 21.5');
    expect(await codec.getByTestId('decoded').textContent()).toContain('"port": 3');
    // Nothing was saved by trying.
    expect((await harness.ok('GET', '/v1/device-types/thermo')).body.codec).toBeNull();

    // A codec that throws: its error instead of a value.
    await codec.getByLabel('Source').fill(THROWING);
    await codec.getByLabel('Uplink payload (hex)').fill('ff');
    await codec.getByRole('button', { name: 'Decode' }).click();
    const problems = codec.getByRole('list', { name: 'Errors' });
    await expect.poll(() => problems.textContent()).toContain('sensor fault');
    expect(await codec.getByTestId('decoded').count()).toBe(0);

    // A syntax error is refused by the API with its position; a button puts the cursor there.
    await codec.getByLabel('Source').fill(BROKEN);
    await codec.getByRole('button', { name: 'Decode' }).click();
    await expect.poll(() => codec.getByRole('alert').textContent()).toContain('validation_failed');
    const goTo = codec.getByRole('button', { name: /Go to line 3, column \d+/ });
    await goTo.click();
    const caret = await page.evaluate(() => ({
      id: document.activeElement?.id,
      at: document.activeElement?.selectionStart,
    }));
    expect(caret.id).toBe('codec-source');
    // Line 3 starts after the first two lines and their newlines.
    const lineStart = BROKEN.split('\n').slice(0, 2).join('\n').length + 1;
    expect(caret.at).toBeGreaterThanOrEqual(lineStart);
    expect(caret.at).toBeLessThanOrEqual(lineStart + (BROKEN.split('\n')[2] ?? '').length);

    // Tab indents inside the editor; Escape, then Tab, leaves it (no keyboard trap).
    await codec.getByLabel('Source').fill('x');
    await codec.getByLabel('Source').press('End');
    await page.keyboard.press('Tab');
    expect(await codec.getByLabel('Source').inputValue()).toBe('x  ');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('codec-source');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).not.toBe('codec-source');

    // Saving makes version 1.
    await codec.getByLabel('Source').fill(CODEC);
    await codec.getByRole('button', { name: 'Save codec' }).click();
    await expect.poll(() => codec.getByRole('status').textContent()).toContain('Saved as version 1');
    expect((await harness.ok('GET', '/v1/device-types/thermo')).body.codec).toMatchObject({
      kind: 'javascript',
      source: CODEC,
      version: 1,
    });
    expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    await context.close();
  });

  it('saves settings with If-Match and says when someone changed them first', async () => {
    await harness.ok('POST', '/v1/device-types', { id: 'meter', name: 'Meter' });
    const { page, context, errors } = await openPage('/device-types/meter');
    const settings = page.getByRole('form', { name: 'Settings' });
    await settings.getByLabel('Name').fill('Water meter');
    await settings.getByLabel('Expected uplink every (s)').fill('900');
    await settings.getByLabel('Sequence number bits').selectOption('12');
    await settings.getByLabel('Create unknown devices on their first message').check();
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => settings.getByRole('status').textContent()).toBe('Settings saved.');
    expect((await harness.ok('GET', '/v1/device-types/meter')).body).toMatchObject({
      name: 'Water meter',
      expectedUplinkIntervalSeconds: 900,
      capture: { sequenceBits: 12, autoCreateDevices: true },
    });

    await harness.ok('PATCH', '/v1/device-types/meter', { name: 'Changed elsewhere' });
    await settings.getByLabel('Name').fill('Mine');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => settings.getByRole('alert').textContent()).toContain('Someone changed this type');
    expect((await harness.ok('GET', '/v1/device-types/meter')).body.name).toBe('Changed elsewhere');
    expect(errors.filter((error) => !/status of 412/.test(error))).toEqual([]);
    await context.close();
  });

  it('gives a Sigfox callback configuration that a real callback then follows', async () => {
    await harness.ok('POST', '/v1/device-types', {
      id: 'sfx',
      name: 'Sigfox',
      capture: { autoCreateDevices: true },
    });
    const { page, context, errors } = await openPage('/device-types/sfx');
    const sigfox = page.getByRole('region', { name: 'Sigfox callbacks' });
    await sigfox.getByLabel('Secret name').fill('backend');
    await sigfox.getByRole('button', { name: 'Create secret' }).click();
    const secret = (await page.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^fpc_/);
    const config = sigfox.getByTestId('callback-config');
    const text = (await config.textContent()) ?? '';
    const url = `${harness.server.url}/v1/callbacks/sigfox/sfx`;
    expect(text).toContain(url);
    expect(text).toContain(`X-Fleetport-Secret: ${secret}`);
    // The body template, filled in as the Sigfox backend would, is accepted.
    const template = (await sigfox.getByTestId('callback-body').textContent()) ?? '';
    const values: Record<string, string> = {
      device: 'ABC123',
      time: String(Math.floor(Date.now() / 1000)),
      data: '0102',
      seqNumber: '5',
      deviceTypeId: '5f0000000000000000000000',
      station: '1A2B',
      rssi: '-110.00',
      snr: '12.5',
      avgSnr: '20.1',
      lat: '48.0',
      lng: '2.0',
      duplicate: 'false',
    };
    const body = template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '');
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'x-fleetport-secret': secret, 'content-type': 'application/json' },
      body,
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await harness.ok('GET', '/v1/devices/ABC123/messages')).body.items).toHaveLength(1);

    // The secret is gone from the page once kept; revoking refuses the next callback.
    await page.getByRole('button', { name: 'I have kept it' }).click();
    expect(await page.getByTestId('secret').count()).toBe(0);
    await sigfox.getByRole('button', { name: 'Revoke callback secret backend' }).click();
    await sigfox.getByRole('button', { name: 'Confirm: revoke callback secret backend' }).click();
    await sigfox.getByText('No callback secrets').waitFor();
    const refused = await fetch(url, {
      method: 'POST',
      headers: { 'x-fleetport-secret': secret, 'content-type': 'application/json' },
      body,
    });
    expect(refused.status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('has no serious accessibility violation in light and dark, and fits a phone', async () => {
    await harness.ok('POST', '/v1/device-types', { id: 'a11y', name: 'Checked' });
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [route, heading] of [
        ['/device-types', 'Device types'],
        ['/device-types/a11y', 'Device type a11y'],
      ] as const) {
        const { page, context } = await openPage(route, { bypassCSP: true, colorScheme });
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await page.getByRole('button').first().waitFor();
        if (route !== '/device-types') {
          await page.getByRole('button', { name: 'Decode' }).click();
          await page.getByTestId('try-result').waitFor();
        }
        expect(await seriousViolations(page), `${route} (${colorScheme})`).toEqual([]);
        await context.close();
      }
    }
    const { page, context } = await openPage('/device-types/a11y', {
      viewport: { width: 375, height: 740 },
      isMobile: true,
    });
    await page.getByRole('heading', { name: 'Device type a11y' }).waitFor();
    await page.getByTestId('callback-body').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await context.close();
  }, 180_000);
});
