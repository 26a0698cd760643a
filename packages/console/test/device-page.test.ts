import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, seriousViolations, signIn, startConsole } from './harness.js';

declare const document: {
  readonly documentElement: { readonly scrollWidth: number };
  readonly activeElement: { readonly textContent: string | null } | null;
};

/**
 * The device page's operator parts in Chromium against a real server: credentials (the
 * secret shown once), receptions of a Sigfox frame heard by two stations, the twin with
 * per-parameter status and If-Match editing, and commands with their history — each
 * following the event stream.
 */
describe('the device page in Chromium', { timeout: 90_000 }, () => {
  let harness: ConsoleHarness;
  let token = '';

  beforeAll(async () => {
    harness = await startConsole();
    const { ok } = harness;
    await ok('POST', '/v1/device-types', { id: 'meter', name: 'Meter' });
    await ok('POST', '/v1/devices', { id: 'C0FFEE', typeId: 'meter', name: 'Boiler room' });
    token = (await ok('POST', '/v1/devices/C0FFEE/credentials', { kind: 'token', name: 'factory' })).body
      .token;
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  async function openDevice(options = {}) {
    const opened = await harness.open('/devices/C0FFEE', options);
    await signIn(opened.page, harness.server.adminKey);
    await opened.page.getByRole('heading', { name: 'Device C0FFEE' }).waitFor();
    await opened.page.locator('[data-status="live"]').waitFor();
    return opened;
  }

  const asDevice = (method: string, route: string, json?: unknown, key = token) =>
    harness.server.request(method, route, { key, ...(json === undefined ? {} : { json }) });

  it('adds a token whose secret is shown once and works, refuses a bad fingerprint, and revokes', async () => {
    const { page, context, errors } = await openDevice();
    const credentials = page.getByRole('region', { name: 'Credentials' });
    await credentials.getByRole('cell', { name: 'factory', exact: true }).waitFor();

    await credentials.getByLabel('Name').fill('field');
    await credentials.getByRole('button', { name: 'Add credential' }).click();
    const secret = page.getByTestId('secret');
    await secret.waitFor();
    const fresh = (await secret.textContent()) ?? '';
    // The secret is a working device token.
    expect((await asDevice('GET', '/v1/device/twin', undefined, fresh)).status).toBe(200);
    await page.getByRole('button', { name: 'I have kept it' }).click();
    expect(await secret.count()).toBe(0);
    const row = credentials.getByRole('row', { name: /field/ });
    await row.waitFor();

    // A malformed fingerprint: the API's message next to the form, nothing added.
    await credentials.getByLabel('Kind').selectOption('x509');
    await credentials.getByLabel('SHA-256 fingerprint').fill('not-a-fingerprint');
    await credentials.getByRole('button', { name: 'Add credential' }).click();
    await expect.poll(() => credentials.getByRole('alert').textContent()).toContain('fingerprint');
    expect(await credentials.locator('tbody tr').count()).toBe(2);

    // Revoking takes two presses; afterwards the token is refused.
    await credentials.getByRole('button', { name: 'Revoke token field' }).click();
    await credentials.getByRole('button', { name: 'Confirm: revoke token field' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect((await asDevice('GET', '/v1/device/twin', undefined, fresh)).status).toBe(401);
    expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    await context.close();
  });

  it('lists the receptions of a Sigfox frame heard by two base stations', async () => {
    const secret = (await harness.ok('POST', '/v1/device-types/meter/callback-secrets', { name: 'backend' }))
      .body.secret;
    const { page, context, errors } = await openDevice();
    const time = Math.floor(Date.now() / 1000);
    const callback = (station: string, rssi: number) =>
      harness.server.request('POST', '/v1/callbacks/sigfox/meter', {
        key: null,
        headers: { 'x-fleetport-secret': secret },
        json: { device: 'C0FFEE', time, data: '0a0b', seqNumber: 7, station, rssi, snr: 9.5 },
      });
    const first = await callback('1A2B', -121);
    expect(first.status, first.text).toBe(200);
    expect((await callback('3C4D', -98)).body).toMatchObject({ id: first.body.id, duplicate: true });

    const row = page.locator(`tr[data-message-id="${first.body.id}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: /receptions, message of/ }).click();
    const receptions = page.locator(`#receptions-${first.body.id}`);
    await expect.poll(() => receptions.locator('tbody tr').count()).toBe(2);
    const text = await receptions.textContent();
    expect(text).toContain('1A2B');
    expect(text).toContain('3C4D');
    expect(text).toContain('-98');
    expect(
      await row.getByRole('button', { name: /receptions, message of/ }).getAttribute('aria-expanded'),
    ).toBe('true');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows each twin parameter’s status as the device applies it, edits desired with If-Match, and resends', async () => {
    await harness.ok('PATCH', '/v1/devices/C0FFEE/twin/desired', { interval: 600 });
    const { page, context, errors } = await openDevice();
    const twin = page.getByRole('region', { name: 'Twin' });
    const status = (name: string) =>
      twin.locator(`tr[data-parameter="${name}"] [data-testid="parameter-status"]`);
    await expect.poll(() => status('interval').textContent()).toBe('pending');

    // The device reports the value: applied, from the stream.
    expect((await asDevice('PATCH', '/v1/device/twin/reported', { interval: 600 })).status).toBe(200);
    await expect.poll(() => status('interval').textContent(), { timeout: 15_000 }).toBe('applied');

    // An edit saved as a merge patch from the version it started at.
    await twin.getByRole('button', { name: 'Edit desired' }).click();
    const editor = twin.getByLabel(/Desired \(JSON\)/);
    await editor.fill('{ "interval": 600, "mode": "eco" }');
    await twin.getByRole('button', { name: 'Save desired' }).click();
    await expect.poll(() => status('mode').textContent()).toBe('pending');
    expect(await twin.getByTestId('twin-versions').textContent()).toContain('desired v2');

    // Not JSON: said next to the field, nothing sent.
    await twin.getByRole('button', { name: 'Edit desired' }).click();
    await editor.fill('{ "interval": ');
    await twin.getByRole('button', { name: 'Save desired' }).click();
    await expect.poll(() => twin.getByRole('alert').textContent()).toContain('Not valid JSON');
    expect((await editor.getAttribute('aria-describedby'))?.split(' ')).toContain('desired-error');

    // Someone else changes desired meanwhile: the save is refused (412) and says so.
    await editor.fill('{ "interval": 900, "mode": "eco" }');
    await harness.ok('PATCH', '/v1/devices/C0FFEE/twin/desired', { mode: 'boost' });
    await expect.poll(() => twin.getByTestId('twin-versions').textContent()).toContain('desired v3');
    await twin.getByRole('button', { name: 'Save desired' }).click();
    const refusal = twin.getByRole('alert');
    await expect.poll(() => refusal.textContent()).toContain('Desired changed since you started editing');
    expect(await refusal.textContent()).toContain('precondition_failed');
    expect((await harness.ok('GET', '/v1/devices/C0FFEE/twin')).body.desired).toEqual({
      interval: 600,
      mode: 'boost',
    });
    // Starting again from the current version saves.
    await twin.getByRole('button', { name: 'Start again from version 3' }).click();
    await expect.poll(() => editor.inputValue()).toContain('boost');
    await editor.fill('{ "interval": 900, "mode": "boost" }');
    await twin.getByRole('button', { name: 'Save desired' }).click();
    await expect.poll(() => twin.getByTestId('twin-versions').textContent()).toContain('desired v4');
    expect((await harness.ok('GET', '/v1/devices/C0FFEE/twin')).body.desired).toEqual({
      interval: 900,
      mode: 'boost',
    });

    // The device applies interval 900, then the operator has it sent again.
    expect((await asDevice('PATCH', '/v1/device/twin/reported', { interval: 900 })).status).toBe(200);
    await expect.poll(() => status('interval').textContent(), { timeout: 15_000 }).toBe('applied');
    await twin.getByRole('button', { name: 'Resend interval' }).click();
    await expect.poll(() => status('interval').textContent()).toBe('pending');
    expect(errors.filter((error) => !/status of 412/.test(error))).toEqual([]);
    await context.close();
  });

  it('sends a command, follows its statuses from the stream with their history, and cancels another', async () => {
    const { page, context, errors } = await openDevice();
    const commands = page.getByRole('region', { name: 'Commands' });
    // A bad payload: the API's message next to the form.
    await commands.getByLabel('Name').fill('reboot');
    await commands.getByLabel('Payload', { exact: true }).fill('xyz');
    await commands.getByLabel('Transport').selectOption('http');
    await commands.getByRole('button', { name: 'Send command' }).click();
    await expect.poll(() => commands.getByRole('alert').textContent()).toMatch(/hex/);

    await commands.getByLabel('Payload', { exact: true }).fill('01ff');
    await commands.getByLabel('The device acknowledges it').check();
    await commands.getByRole('button', { name: 'Send command' }).click();
    const row = commands.getByRole('row', { name: /reboot/ });
    await expect.poll(() => row.getByTestId('command-status').textContent()).toBe('queued');

    // The device polls (sent) and acknowledges: the row follows without a reload.
    const polled = await asDevice('GET', '/v1/device/commands');
    expect(polled.status, polled.text).toBe(200);
    const [command] = polled.body.items;
    expect(command.hex).toBe('01ff');
    const acked = await asDevice('POST', `/v1/device/commands/${command.id}/ack`, {
      status: 'acknowledged',
      result: { ok: true },
    });
    expect(acked.status, acked.text).toBe(200);
    await expect
      .poll(() => row.getByTestId('command-status').textContent(), { timeout: 15_000 })
      .toBe('acknowledged');
    await row.getByRole('button', { name: 'History of command reboot' }).click();
    const history = commands.locator('#command-history');
    await expect.poll(() => history.locator('li').count()).toBeGreaterThanOrEqual(3);
    expect(await history.textContent()).toContain('acknowledged');
    expect(await history.textContent()).toContain('"ok":true');

    // Another one, cancelled before it is delivered.
    await commands.getByLabel('Name').fill('lamp');
    await commands.getByLabel('Payload', { exact: true }).fill('02');
    await commands.getByRole('button', { name: 'Send command' }).click();
    const lamp = commands.getByRole('row', { name: /lamp/ });
    await lamp.getByRole('button', { name: 'Cancel command lamp' }).click();
    await expect.poll(() => lamp.getByTestId('command-status').textContent()).toBe('cancelled');
    expect(await lamp.getByRole('button', { name: /Cancel command/ }).count()).toBe(0);
    expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    await context.close();
  });

  it('has no serious accessibility violation in light and dark, and fits a phone', async () => {
    // Rows in every table, whichever tests ran before.
    await harness.ok('PATCH', '/v1/devices/C0FFEE/twin/desired', { display: 'on' });
    await harness.ok('POST', '/v1/devices/C0FFEE/commands', { name: 'ping', hex: '00', transport: 'http' });
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, context } = await openDevice({ bypassCSP: true, colorScheme });
      await page.getByRole('region', { name: 'Twin' }).locator('tbody tr').first().waitFor();
      await page.getByRole('region', { name: 'Commands' }).locator('tbody tr').first().waitFor();
      await page.getByRole('button', { name: 'Edit desired' }).click();
      expect(await seriousViolations(page), colorScheme).toEqual([]);
      await context.close();
    }
    const { page, context } = await openDevice({ viewport: { width: 375, height: 740 }, isMobile: true });
    await page.getByRole('region', { name: 'Commands' }).locator('tbody tr').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await keyboardReachesSend(page);
    await context.close();
  }, 180_000);

  /** The command form is reachable and usable with the keyboard alone. */
  async function keyboardReachesSend(page: Page) {
    await page.getByLabel('Name', { exact: true }).first().focus();
    for (let presses = 0; presses < 12; presses += 1) {
      await page.keyboard.press('Tab');
      const name = await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document
            .activeElement.textContent,
      );
      if (name === 'Send command') return;
    }
    throw new Error('Tab never reached the Send command button');
  }
});
