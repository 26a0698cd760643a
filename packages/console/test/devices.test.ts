import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, seriousViolations, signIn, startConsole } from './harness.js';

/**
 * The devices page's bulk import (a file, a progress bar, the per-row report) and export
 * (a download that follows the list's filters), in Chromium against a real server.
 */
describe('device import and export in Chromium', { timeout: 90_000 }, () => {
  let harness: ConsoleHarness;

  beforeAll(async () => {
    harness = await startConsole();
    await harness.ok('POST', '/v1/device-types', { id: 'meter', name: 'Meter' });
    await harness.ok('POST', '/v1/device-types', { id: 'valve', name: 'Valve' });
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  async function openDevices(route = '/devices', options = {}) {
    const opened = await harness.open(route, options);
    await signIn(opened.page, harness.server.adminKey);
    await opened.page.getByRole('heading', { name: 'Devices', level: 1 }).waitFor();
    await opened.page.getByText('Import or export devices').click();
    return opened;
  }

  const csvFile = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });

  it('imports a CSV file and reports each refused row by line, next to a list that shows the new devices', async () => {
    const { page, context, errors } = await openDevices();
    const form = page.getByRole('form', { name: 'Import devices' });
    await form
      .getByLabel('CSV or NDJSON file')
      .setInputFiles(
        csvFile(
          'fleet.csv',
          'id,type,name,tag.site\nm-1,meter,First,paris\nm-2,meter,Second,lyon\nbad id,meter,,\nm-3,nosuchtype,,\nm-4,,Fourth,paris\n',
        ),
      );
    await form.getByLabel('Type for rows without one').selectOption('meter');
    await form.getByRole('button', { name: 'Import' }).click();
    const report = page.getByTestId('import-report');
    await expect.poll(() => report.textContent()).toContain('3 of 5 rows imported, 2 refused');
    const rows = await report.locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^4bad id.*invalid_id/);
    expect(rows[1]).toMatch(/^5m-3.*nosuchtype|^5m-3/);
    // The list reloads with the new devices.
    await expect.poll(() => page.getByTestId('device-count').textContent()).toBe('3 devices');
    expect((await harness.ok('GET', '/v1/devices/m-4')).body).toMatchObject({
      typeId: 'meter',
      tags: { site: 'paris' },
    });

    // All or nothing: one bad row and nothing is stored.
    await form
      .getByLabel('CSV or NDJSON file')
      .setInputFiles(csvFile('two.csv', 'id,type\nm-5,meter\nm-6,nosuchtype\n'));
    await form.getByLabel(/All or nothing/).check();
    await form.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => report.textContent()).toContain('Nothing imported: 1 of 2 rows were refused');
    expect((await harness.server.request('GET', '/v1/devices/m-5')).status).toBe(404);
    expect(errors.filter((error) => !/status of 422/.test(error))).toEqual([]);
    await context.close();
  });

  it('shows the API’s message next to the file for a malformed CSV, and keeps working', async () => {
    const { page, context, errors } = await openDevices();
    const form = page.getByRole('form', { name: 'Import devices' });
    await form.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('Choose a CSV or NDJSON file');

    await form
      .getByLabel('CSV or NDJSON file')
      .setInputFiles(csvFile('broken.csv', 'id,type\n"unclosed,meter\n'));
    await form.getByRole('button', { name: 'Import' }).click();
    const alert = form.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('the CSV could not be parsed');
    expect(await alert.textContent()).toContain('malformed_body');
    expect(await form.getByLabel('CSV or NDJSON file').getAttribute('aria-invalid')).toBe('true');

    // The same form then imports a good file.
    await form.getByLabel('CSV or NDJSON file').setInputFiles(csvFile('good.csv', 'id,type\nv-1,valve\n'));
    await form.getByRole('button', { name: 'Import' }).click();
    await expect
      .poll(() => page.getByTestId('import-report').textContent())
      .toContain('1 of 1 rows imported');
    expect(await form.getByRole('alert').count()).toBe(0);
    expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    await context.close();
  });

  it('shows a progress bar while the file uploads and the rows are stored', async () => {
    const { page, context, errors } = await openDevices();
    const rows = Array.from(
      { length: 12_000 },
      (_, index) => `slow-${String(index).padStart(6, '0')},meter,,`,
    );
    // Chromium does not throttle uploads, and on loopback they take milliseconds: the bar is
    // recorded by the page itself, at every change of the document, rather than looked for.
    await page.evaluate(`(() => {
      const seen = (globalThis.progressSeen = []);
      new MutationObserver(() => {
        const bar = document.querySelector('progress');
        if (bar) seen.push((bar.getAttribute('value') ?? 'busy') + '|' + (bar.labels[0]?.textContent ?? ''));
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    })()`);
    const form = page.getByRole('form', { name: 'Import devices' });
    await form
      .getByLabel('CSV or NDJSON file')
      .setInputFiles(csvFile('slow.csv', `id,type,name,tag.x\n${rows.join('\n')}\n`));
    await form.getByRole('button', { name: 'Import' }).click();
    await expect
      .poll(() => page.getByTestId('import-report').textContent(), { timeout: 60_000 })
      .toContain('12,000 of 12,000 rows imported');
    const seen = (await page.evaluate('globalThis.progressSeen')) as string[];
    // The bar appeared, labelled, starting at 0 (or already busy storing rows)…
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toMatch(/^(0\|Uploading 0 %|busy\|Checking and storing the rows…)$/);
    expect(
      seen.every((entry) =>
        /^(\d+(\.\d+)?\|Uploading \d+ %|busy\|Checking and storing the rows…)$/.test(entry),
      ),
    ).toBe(true);
    // …and is gone with the report.
    expect(await form.locator('progress').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('exports the filtered list as a CSV download', async () => {
    await harness.ok('POST', '/v1/devices', { id: 'x-valve', typeId: 'valve' });
    const { page, context, errors } = await openDevices('/devices?type=valve');
    const form = page.getByRole('form', { name: 'Export devices' });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      form.getByRole('button', { name: 'Export' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^devices-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync(await download.path(), 'utf8');
    const lines = text.trim().split('\n');
    expect(lines[0]).toMatch(/^id,/);
    expect(
      lines
        .slice(1)
        .map((line) => line.split(',')[0])
        .sort(),
    ).toEqual(['v-1', 'x-valve']);
    await expect.poll(() => page.getByTestId('export-done').textContent()).toContain('2 devices exported');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('has no serious accessibility violation with the import report open, in light and dark, and fits a phone', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, context } = await openDevices('/devices', { bypassCSP: true, colorScheme });
      const form = page.getByRole('form', { name: 'Import devices' });
      await form.getByLabel('CSV or NDJSON file').setInputFiles(csvFile('a.csv', 'id,type\nbad id,meter\n'));
      await form.getByRole('button', { name: 'Import' }).click();
      await page.getByTestId('import-report').waitFor();
      expect(await seriousViolations(page), colorScheme).toEqual([]);
      await context.close();
    }
    const { page, context } = await openDevices('/devices', {
      viewport: { width: 375, height: 740 },
      isMobile: true,
    });
    await page.getByRole('form', { name: 'Export devices' }).waitFor();
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
            .documentElement.scrollWidth,
      ),
    ).toBeLessThanOrEqual(375);
    await context.close();
  }, 180_000);
});
