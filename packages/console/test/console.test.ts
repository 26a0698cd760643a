import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, seriousViolations, signIn as signInWith, startConsole } from './harness.js';

// Functions passed to page.evaluate run in the page, where these exist.
declare const document: {
  readonly activeElement: { readonly textContent: string | null } | null;
  readonly cookie: string;
  readonly documentElement: { readonly scrollWidth: number };
};
declare function getComputedStyle(element: unknown): { outlineStyle: string; outlineWidth: string };
declare const localStorage: { readonly length: number };
declare const sessionStorage: { readonly length: number } & Record<string, unknown>;

/**
 * The console in a real browser (Debian's Chromium, driven by playwright-core) against a
 * real server: built here, served by the server, signed in with a real key.
 */

/** The budget for the JavaScript of the first load, compressed. */
const FIRST_LOAD_BUDGET = 300 * 1024;

const JS_CODEC = `function decodeUplink(input) {
  return { data: { temperature: input.bytes[0] / 2, battery: { volts: input.bytes[1] / 100 } } };
}`;

describe('the web console in Chromium', { timeout: 60_000 }, () => {
  let harness: ConsoleHarness;
  let deviceToken = '';
  // Set in beforeAll; read by the tests.
  let outDir = '';
  let server: ConsoleHarness['server'];
  let browser: ConsoleHarness['browser'];

  beforeAll(async () => {
    harness = await startConsole();
    ({ outDir, server, browser } = harness);
    const ok = harness.ok;
    await ok('POST', '/v1/device-types', {
      id: 'thermo',
      name: 'Thermometer',
      expectedUplinkIntervalSeconds: 600,
    });
    await ok('PUT', '/v1/device-types/thermo/codec', { kind: 'javascript', source: JS_CODEC });
    await ok('POST', '/v1/devices', {
      id: 'thermo-1',
      typeId: 'thermo',
      name: 'Cold room',
      tags: { site: 'paris', floor: '2' },
    });
    deviceToken = (await ok('POST', '/v1/devices/thermo-1/credentials', { kind: 'token' })).body.token;
    await ok('POST', '/v1/device-types', { id: 'bulk', name: 'Bulk sensor' });
    // A fleet larger than two of the console's pages (500 each), imported in one request.
    const rows = Array.from({ length: 1234 }, (_, index) =>
      JSON.stringify({ id: `bulk-${String(index).padStart(5, '0')}`, typeId: 'bulk', tags: { batch: 'b1' } }),
    );
    const imported = await server.request('POST', '/v1/devices/import', {
      body: rows.join('\n'),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body).toMatchObject({ created: 1234, failed: 0 });
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  const open = (route = '/') => harness.open(route);
  const signIn = (page: Page, key = server.adminKey) => signInWith(page, key);

  it('keeps the first load under 300 KB of compressed JavaScript', () => {
    const html = readFileSync(path.join(outDir, 'index.html'), 'utf8');
    const scripts = [
      ...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="([^"]+\.js)"/g),
    ].map((match) => match[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    const compressed = scripts.reduce(
      (total, script) => total + gzipSync(readFileSync(path.join(outDir, script)), { level: 9 }).length,
      0,
    );
    // Not an empty build either: Preact, uPlot and the pages are in it.
    expect(compressed).toBeGreaterThan(20 * 1024);
    expect(compressed).toBeLessThan(FIRST_LOAD_BUDGET);
  });

  it('refuses a wrong key with the API’s message next to the field, and keeps working', async () => {
    const { page, context, errors } = await open('/devices');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Enter an API key');

    await page.getByLabel('API key').fill('fpk_not_a_key_at_all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('the API key is not valid');
    expect(await alert.textContent()).toContain('unauthenticated');
    // The message is tied to the field for screen readers.
    const described = await page.getByLabel('API key').getAttribute('aria-describedby');
    expect(described?.split(' ')).toContain(await alert.getAttribute('id'));
    expect(await page.getByLabel('API key').getAttribute('aria-invalid')).toBe('true');

    // The right key then works, on the page the address named.
    await signIn(page);
    await page.getByRole('heading', { name: 'Devices', level: 1 }).waitFor();
    // The browser reports the refused /v1/me as a failed resource: that one is expected.
    expect(errors.filter((error) => !/status of 401/.test(error))).toEqual([]);
    await context.close();
  });

  it('signs in, keeps the key in this tab’s sessionStorage only, and shows the fleet', async () => {
    const { page, context, errors } = await open('/');
    await signIn(page);
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    const storage = await page.evaluate(() => ({
      local: localStorage.length,
      session: Object.keys(sessionStorage),
      cookie: document.cookie,
    }));
    expect(storage).toEqual({ local: 0, session: ['fleetport.apiKey'], cookie: '' });

    const types = page.getByRole('table');
    await expect
      .poll(() => types.getByRole('row', { name: /Thermometer/ }).textContent())
      .toMatch(/1\s*0\s*0\s*1/);
    expect(await page.locator('.stat', { hasText: 'Devices' }).textContent()).toMatch(/1,?235/);
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);

    // A reload keeps the session (sessionStorage); signing out forgets the key.
    await page.reload();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('finds a device by id and shows its properties and tags', async () => {
    const { page, context, errors } = await open('/devices');
    await signIn(page);
    await page.getByLabel('Device id').fill('no-such-device');
    await page.getByRole('button', { name: 'Open' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('No device has the id no-such-device');

    await page.getByLabel('Device id').fill('thermo-1');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: 'Device thermo-1' }).waitFor();
    expect(page.url()).toBe(`${server.url}/devices/thermo-1`);
    const properties = page.getByRole('region', { name: 'Properties' }).locator('.properties');
    await expect.poll(() => properties.textContent()).toContain('Cold room');
    expect(await properties.textContent()).toContain('thermo');
    expect(await page.locator('.tags').textContent()).toContain('site=paris');
    // A tag is a link to the devices that carry it.
    await page.getByRole('link', { name: 'floor=2' }).click();
    await page.getByRole('heading', { name: 'Devices', level: 1 }).waitFor();
    await expect.poll(() => page.getByTestId('device-count').textContent()).toBe('1 devices');
    expect(await page.locator('.device-row').textContent()).toContain('thermo-1');
    expect(errors.filter((error) => !/status of 404/.test(error))).toEqual([]);
    await context.close();
  });

  it('shows a message ingested over HTTP as it arrives on the SSE stream, decoded, and charts it', async () => {
    const { page, context, errors } = await open('/devices/thermo-1');
    await signIn(page);
    await page.getByRole('heading', { name: 'Device thermo-1' }).waitFor();
    await page.locator('[data-status="live"]').waitFor();
    expect(await page.getByText('No messages yet.').count()).toBe(1);

    // 0x2b = 43 → 21.5 degrees; 0x64 = 100 → 1 volt.
    const ingested = await server.request('POST', '/v1/ingest', {
      key: deviceToken,
      json: { hex: '2b64', seq: 1 },
    });
    expect(ingested.status, ingested.text).toBe(201);
    const row = page.locator(`tr[data-message-id="${ingested.body.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('2b64');
    // The decoding follows on the stream as its own change.
    await expect
      .poll(() => row.locator('td.decoded').textContent(), { timeout: 15_000 })
      .toContain('"temperature":21.5');
    expect(await page.getByTestId('last-seen').textContent()).toMatch(/s ago/);

    // The chart offers each numeric field, nested ones by their path.
    await page.getByRole('checkbox', { name: 'temperature' }).waitFor();
    expect(await page.getByRole('checkbox', { name: 'battery.volts' }).isChecked()).toBe(true);
    const charts = page.getByRole('img', { name: /of thermo-1:/ });
    await expect.poll(() => charts.count()).toBe(2);
    expect(
      await page.getByRole('img', { name: 'battery.volts of thermo-1: 1 messages, latest 1' }).count(),
    ).toBe(1);
    await page.getByRole('checkbox', { name: 'battery.volts' }).uncheck();
    await expect.poll(() => charts.count()).toBe(1);
    expect(await charts.getAttribute('aria-label')).toBe('temperature of thermo-1: 1 messages, latest 21.5');
    expect(await charts.locator('canvas').count()).toBe(1);
    // Another range reads the history again.
    await page.getByLabel('Range').selectOption({ label: 'Last 24 hours' });
    await expect
      .poll(() => charts.getAttribute('aria-label'))
      .toBe('temperature of thermo-1: 1 messages, latest 21.5');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('pages through a fleet larger than a page, rendering only the rows in view', async () => {
    const { page, context, errors } = await open('/devices?type=bulk');
    await signIn(page);
    const count = page.getByTestId('device-count');
    await expect.poll(() => count.textContent()).toBe('500 devices loaded, more as you scroll');
    // Virtualised: a few dozen rows in the document, not 500.
    expect(await page.locator('.device-row').count()).toBeLessThan(60);

    // Scrolling to the end loads the following pages.
    for (let attempt = 0; attempt < 20 && (await count.textContent()) !== '1,234 devices'; attempt += 1) {
      await page.locator('.rows').evaluate((element) => {
        element.scrollTop = element.scrollHeight;
      });
      await page.waitForTimeout(100);
    }
    expect(await count.textContent()).toBe('1,234 devices');
    // The last page made the list longer: to its new end.
    await page.locator('.rows').evaluate((element) => {
      element.scrollTop = element.scrollHeight;
    });
    await page.locator('.device-row', { hasText: 'bulk-01233' }).waitFor();
    expect(await page.locator('.device-row').count()).toBeLessThan(60);

    // The keyboard walks the list: Home goes to the first row, ArrowDown to the next.
    await page.locator('.row-link', { hasText: 'bulk-01233' }).focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toContain('bulk-00000');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toContain('bulk-00001');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Device bulk-00001' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('updates the overview from the event stream when a device is first heard from', async () => {
    await server.request('POST', '/v1/devices', { json: { id: 'live-1', typeId: 'bulk' } });
    const token = (
      await server.request('POST', '/v1/devices/live-1/credentials', { json: { kind: 'token' } })
    ).body.token;
    const { page, context, errors } = await open('/');
    await signIn(page);
    await page.locator('[data-status="live"]').waitFor();
    const bulk = page.getByRole('row', { name: /Bulk sensor/ });
    // Devices, seen, silent, never seen.
    await expect
      .poll(() => bulk.locator('td').allTextContents())
      .toEqual(['1,235', '0', '0', '1,235', '1 h']);
    const ingested = await server.request('POST', '/v1/ingest', { key: token, json: { json: { level: 3 } } });
    expect(ingested.status, ingested.text).toBe(201);
    await expect
      .poll(() => bulk.locator('td').allTextContents(), { timeout: 15_000 })
      .toEqual(['1,235', '1', '0', '1,234', '1 h']);
    expect(errors).toEqual([]);
    await context.close();
  });

  // Two colour schemes, four pages, axe on each: slow on a busy machine.
  it('has no serious accessibility violation on its pages (axe-core), in light and dark, with visible focus', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      // axe is injected as a script, which the console's content security policy would refuse.
      const context = await browser.newContext({ bypassCSP: true, colorScheme });
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await page.getByLabel('API key').fill('fpk_wrong');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      expect(await seriousViolations(page), `sign-in (${colorScheme})`).toEqual([]);
      await signIn(page);
      for (const [route, heading] of [
        ['/', 'Fleet overview'],
        ['/devices', 'Devices'],
        ['/devices/thermo-1', 'Device thermo-1'],
      ] as const) {
        await page.goto(`${server.url}${route}`);
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await page.locator('[data-status="live"], .device-row').first().waitFor();
        expect(await seriousViolations(page), `${route} (${colorScheme})`).toEqual([]);
      }
      // A page starts with focus on its heading: the first Tab reaches the page's first link
      // (the device's type), not the navigation again; focus is outlined.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('thermo');
      const outline = await page.evaluate(() => {
        const { outlineStyle, outlineWidth } = getComputedStyle(document.activeElement);
        return { outlineStyle, outlineWidth };
      });
      expect(outline).toEqual({ outlineStyle: 'solid', outlineWidth: '3px' });
      await context.close();
    }
  }, 180_000);

  it('is usable at phone width', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(`${server.url}/devices/thermo-1`);
    await signIn(page);
    await page.getByRole('heading', { name: 'Device thermo-1' }).waitFor();
    // Nothing wider than the screen: no sideways scrolling of the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await context.close();
  });
});
