import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, seriousViolations, signIn, startConsole } from './harness.js';

declare const document: { readonly documentElement: { readonly scrollWidth: number } };

const DAY = 86_400_000;

/**
 * Fleet configurations, jobs, alerts, webhooks and a device's lifecycle and health, in
 * Chromium against a real server (and a real HTTP receiver for the webhooks). Each page's
 * happy path, a refusal shown with its problem code, axe in light and dark, 375 px.
 */
describe('the fleet pages in Chromium', { timeout: 120_000 }, () => {
  let harness: ConsoleHarness;
  let receiver: Server;
  let receiverUrl = '';
  let received = 0;
  let token = '';

  beforeAll(async () => {
    harness = await startConsole();
    const { ok } = harness;
    await ok('POST', '/v1/device-types', { id: 'meter', name: 'Meter', expectedUplinkIntervalSeconds: 600 });
    await ok('PUT', '/v1/device-types/meter/codec', {
      kind: 'javascript',
      source:
        'function decodeUplink(input) { return { data: { batt: input.bytes[0] / 10, temp: input.bytes[1] } }; }',
    });
    await ok('PUT', '/v1/device-types/meter/health', { fields: { battery: 'batt', temperature: 'temp' } });
    for (const [id, site] of [
      ['m-1', 'paris'],
      ['m-2', 'paris'],
      ['m-3', 'lyon'],
    ] as const)
      await ok('POST', '/v1/devices', { id, typeId: 'meter', tags: { site } });
    token = (await ok('POST', '/v1/devices/m-1/credentials', { kind: 'token' })).body.token;
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received += 1;
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  async function openPage(route: string, heading: string, options = {}) {
    const opened = await harness.open(route, options);
    await signIn(opened.page, harness.server.adminKey);
    await opened.page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    return opened;
  }

  /** Console errors other than the failed request a refusal logs. */
  const unexpected = (errors: readonly string[]) => errors.filter((error) => !/status of 4\d\d/.test(error));

  it('creates a fleet configuration, refusing a bad target with its code by the field, and shows its metrics', async () => {
    const { page, context, errors } = await openPage('/configurations', 'Fleet configurations');
    await page.getByText('No configurations yet.').waitFor();
    const form = page.getByRole('form', { name: 'New configuration' });
    await form.getByLabel('Id').fill('paris-interval');
    await form.getByLabel('Target condition (CEL)').fill('tags.site ==');
    await form.getByLabel('Desired properties (JSON)').fill('{"interval": 600}');
    await form.getByRole('button', { name: 'Create configuration' }).click();
    const refusal = form.getByRole('alert');
    await expect.poll(() => refusal.textContent()).toContain('invalid_condition');
    expect(await form.getByLabel('Target condition (CEL)').getAttribute('aria-invalid')).toBe('true');
    expect((await harness.ok('GET', '/v1/configurations')).body.items).toEqual([]);

    // Content that is not JSON never reaches the server.
    await form.getByLabel('Target condition (CEL)').fill('tags.site == "paris"');
    await form.getByLabel('Desired properties (JSON)').fill('{interval: 600');
    await form.getByRole('button', { name: 'Create configuration' }).click();
    await expect.poll(() => refusal.textContent()).toContain('not JSON');

    await form.getByLabel('Desired properties (JSON)').fill('{"interval": 600}');
    await form.getByLabel('Priority').fill('10');
    await form.getByLabel(/Custom metrics/).fill('reporting = reported.interval == 600');
    await form.getByRole('button', { name: 'Create configuration' }).click();
    const row = page.locator('tr[data-configuration-id="paris-interval"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('tags.site == "paris"');
    await row.getByRole('button', { name: 'Metrics of paris-interval' }).click();
    const metrics = page.getByTestId('metrics');
    await expect
      .poll(() => metrics.locator('[data-metric="targeted"]').textContent(), { timeout: 20_000 })
      .toBe('2');
    expect(await metrics.locator('[data-metric="reporting"]').textContent()).toBe('0');
    // The configuration reached the devices it targets.
    await expect
      .poll(async () => (await harness.ok('GET', '/v1/devices/m-1/twin')).body.desired, { timeout: 20_000 })
      .toEqual({ interval: 600 });

    // Deleted from the page, gone from the API.
    await row.getByRole('button', { name: 'Delete configuration paris-interval' }).click();
    await row.getByRole('button', { name: 'Confirm: delete configuration paris-interval' }).click();
    await page.getByText('No configurations yet.').waitFor();
    expect((await harness.ok('GET', '/v1/configurations')).body.items).toEqual([]);
    expect(unexpected(errors)).toEqual([]);
    await context.close();
  });

  it('starts a job, follows its progress and devices, and pauses, resumes and cancels it', async () => {
    const { page, context, errors } = await openPage('/jobs', 'Jobs');
    await page.getByText('No jobs yet.').waitFor();
    const form = page.getByRole('form', { name: 'New job' });
    await form.getByLabel('Name', { exact: true }).fill('reboot paris');
    await form.getByLabel('Condition (CEL)').fill('tags.site == ');
    await form.getByLabel('Command name').fill('reboot');
    await form.getByLabel('Transport').selectOption('http');
    await form.getByLabel('Payload (hex)').fill('01');
    await form.getByRole('button', { name: 'Start job' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('invalid_condition');
    expect(await form.getByLabel('Condition (CEL)').getAttribute('aria-invalid')).toBe('true');

    // A list with an unknown device: refused, nothing stored.
    await form.getByLabel('Devices', { exact: true }).selectOption('list');
    await form.getByLabel(/Device ids/).fill('m-1 nobody');
    await form.getByRole('button', { name: 'Start job' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('unknown_devices');
    expect((await harness.ok('GET', '/v1/jobs')).body.items).toEqual([]);

    // One device a minute: the job stays in progress long enough to pause it.
    await form.getByLabel(/Device ids/).fill('m-1, m-2 m-3');
    await form.getByLabel('Devices per minute').fill('1');
    await form.getByRole('button', { name: 'Start job' }).click();
    const row = page.locator('tr[data-job-id]');
    await row.waitFor();
    const jobId = (await row.getAttribute('data-job-id')) ?? '';
    const label = `reboot paris (${jobId})`;
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).toBe('in_progress');
    await expect.poll(() => row.getByTestId('job-progress').textContent()).toMatch(/of 3 done/);

    await row.getByRole('button', { name: `Devices of ${label}` }).click();
    const devices = page.getByRole('region', { name: `Devices of ${label}` });
    await expect.poll(() => devices.locator('tr[data-device-id]').count()).toBe(3);
    await devices.getByLabel('Show').selectOption('in_progress');
    await expect
      .poll(() => devices.locator('tr[data-device-id]').allTextContents())
      .toEqual([expect.stringContaining('m-1')]);

    await row.getByRole('button', { name: `Pause ${label}` }).click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('paused');
    expect((await harness.ok('GET', `/v1/jobs/${jobId}`)).body.status).toBe('paused');
    await row.getByRole('button', { name: `Resume ${label}` }).click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('in_progress');
    await row.getByRole('button', { name: `Cancel job ${label}` }).click();
    await row.getByRole('button', { name: `Confirm: cancel job ${label}` }).click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('cancelled');
    expect((await harness.ok('GET', `/v1/jobs/${jobId}`)).body.status).toBe('cancelled');
    expect(await row.getByRole('button', { name: `Pause ${label}` }).count()).toBe(0);
    expect(unexpected(errors)).toEqual([]);
    await context.close();
  });

  it('shows an alert raised while the page is open, acknowledges, comments and clears it', async () => {
    const { page, context, errors } = await openPage('/alerts', 'Alerts');
    await page.locator('[data-status="live"]').waitFor();
    await page.getByText('No alerts match.').waitFor();
    // A subscription ending within its warning raises subscription_ending on the device.
    const now = Date.now();
    await harness.ok('PUT', '/v1/devices/m-2/subscription', {
      plan: 'gold',
      startsAt: new Date(now - DAY).toISOString(),
      endsAt: new Date(now + 2 * DAY).toISOString(),
      warnDays: 5,
    });
    const row = page.locator('tr[data-alert-id]');
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    expect(await row.textContent()).toContain('subscription_ending');
    expect(await row.getAttribute('data-state')).toBe('open');
    const label = 'subscription_ending on m-2';

    await row.getByRole('button', { name: `Acknowledge ${label}` }).click();
    await expect.poll(() => row.getAttribute('data-state')).toBe('acknowledged');

    await row.getByRole('button', { name: `History of ${label}` }).click();
    const history = page.getByRole('region', { name: `History of ${label}` });
    await history.getByRole('listitem').first().waitFor();
    // An empty comment is refused: the API's message and code by the field.
    await history.getByRole('button', { name: 'Add comment' }).click();
    await expect.poll(() => history.getByRole('alert').textContent()).toContain('validation_failed');
    await history.getByLabel('Comment').fill('renewal is on its way');
    await history.getByRole('button', { name: 'Add comment' }).click();
    await expect
      .poll(() => history.getByRole('listitem').allTextContents())
      .toEqual([
        expect.stringContaining('raised'),
        expect.stringContaining('acknowledged'),
        expect.stringContaining('renewal is on its way'),
      ]);

    // Clearing removes it from the active list; the cleared filter (in the address) shows it.
    await row.getByRole('button', { name: `Clear ${label}` }).click();
    await page.getByText('No alerts match.').waitFor();
    await page.getByLabel('State').selectOption('cleared');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.url()).toContain('state=cleared');
    await expect.poll(() => row.getAttribute('data-state')).toBe('cleared');
    const stored = (await harness.ok('GET', '/v1/alerts?state=cleared')).body.items;
    expect(stored).toMatchObject([{ deviceId: 'm-2', type: 'subscription_ending', state: 'cleared' }]);
    expect(unexpected(errors)).toEqual([]);
    await context.close();
  });

  it('makes a network contract, refuses more devices than free tokens, assigns and takes devices off', async () => {
    const { page, context, errors } = await openPage('/contracts', 'Network contracts');
    await page.getByText('No contracts yet.').waitFor();
    const form = page.getByRole('form', { name: 'New contract' });
    // No period: refused with the API's message and code, nothing stored.
    await form.getByLabel('Name').fill('Atlas');
    await form.getByLabel('Tokens', { exact: true }).fill('2');
    await form.getByRole('button', { name: 'Create contract' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('validation_failed');
    expect((await harness.ok('GET', '/v1/contracts')).body.items).toEqual([]);

    const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
    await form.getByLabel('Starts on').fill(day(-1));
    await form.getByLabel('Ends on').fill(day(365));
    await form.getByRole('button', { name: 'Create contract' }).click();
    const row = page.locator('tr[data-contract-id]');
    await row.waitFor();
    expect(await row.getByTestId('contract-tokens').textContent()).toBe('0 used of 2, 2 free');

    await row.getByRole('button', { name: 'Devices of Atlas' }).click();
    const devices = page.getByRole('region', { name: 'Devices of Atlas' });
    await devices.getByLabel(/Assign devices/).fill('m-1 m-2 m-3');
    await devices.getByRole('button', { name: 'Assign' }).click();
    await expect.poll(() => devices.getByRole('alert').textContent()).toContain('contract_tokens_exhausted');
    const id = await row.getAttribute('data-contract-id');
    expect((await harness.ok('GET', `/v1/contracts/${id}`)).body.used).toBe(0);

    await devices.getByLabel(/Assign devices/).fill('m-2, m-3');
    await devices.getByRole('button', { name: 'Assign' }).click();
    await expect
      .poll(() => row.getByTestId('contract-tokens').textContent())
      .toBe('2 used of 2, 0 free (low)');
    await expect.poll(() => devices.locator('li[data-device-id]').count()).toBe(2);
    await devices.getByRole('button', { name: 'Take m-3 off Atlas' }).click();
    await expect.poll(() => row.getByTestId('contract-tokens').textContent()).toBe('1 used of 2, 1 free');
    await expect.poll(() => devices.locator('li[data-device-id]').count()).toBe(1);
    expect((await harness.ok('GET', `/v1/contracts/${id}/devices`)).body.items).toMatchObject([
      { deviceId: 'm-2' },
    ]);
    expect(unexpected(errors)).toEqual([]);
    await context.close();
  });

  it('moves a device through its lifecycle with a reason, follows a move made elsewhere, and shows its health', async () => {
    const now = Date.now();
    for (let seq = 1; seq <= 3; seq += 1) {
      const ingested = await harness.server.request('POST', '/v1/ingest', {
        key: token,
        json: {
          hex: `${(36 - seq).toString(16)}14`,
          seq,
          time: new Date(now - (4 - seq) * 60_000).toISOString(),
        },
      });
      expect(ingested.status, ingested.text).toBe(201);
    }
    // The first uplink activates the device (a feed consumer): wait for it, so the page reads it settled.
    await expect
      .poll(async () => (await harness.ok('GET', '/v1/devices/m-1/lifecycle')).body.state, {
        timeout: 20_000,
      })
      .toBe('activated');
    const { page, context, errors } = await openPage('/devices/m-1', 'm-1');
    const lifecycle = page.getByRole('region', { name: 'Lifecycle' });
    const state = lifecycle.getByTestId('lifecycle-state');
    await state.waitFor();
    const before = (await harness.ok('GET', '/v1/devices/m-1/lifecycle')).body;
    expect(await state.textContent()).toBe(before.state.replaceAll('_', ' '));
    // The choices are the ones the API allows from the current state.
    const options = await lifecycle.getByLabel('Move to').locator('option').allTextContents();
    expect(options.slice(1)).toEqual(before.allowed.map((allowed: string) => allowed.replaceAll('_', ' ')));
    await lifecycle.getByLabel('Move to').selectOption('suspended');
    await lifecycle.getByLabel('Reason').fill('unpaid invoice');
    await lifecycle.getByRole('button', { name: 'Move' }).click();
    await expect.poll(() => state.textContent()).toBe('suspended');
    await expect
      .poll(() => lifecycle.getByRole('list', { name: 'Lifecycle history' }).textContent())
      .toContain('unpaid invoice');
    expect((await harness.ok('GET', '/v1/devices/m-1/lifecycle')).body.state).toBe('suspended');

    // A move made elsewhere arrives on the stream.
    const moveTo = (await harness.ok('GET', '/v1/devices/m-1/lifecycle')).body.allowed as string[];
    expect(moveTo).toContain('retired');
    await harness.ok('POST', '/v1/devices/m-1/lifecycle', { state: 'retired', reason: 'end of life' });
    await expect.poll(() => state.textContent(), { timeout: 20_000 }).toBe('retired');

    const health = page.getByTestId('health');
    await expect.poll(() => health.textContent(), { timeout: 20_000 }).toMatch(/Uplinks3 \(/);
    await page.getByRole('heading', { name: 'battery', level: 3 }).waitFor();
    await page.getByRole('heading', { name: 'temperature', level: 3 }).waitFor();
    expect(unexpected(errors)).toEqual([]);
    await context.close();
  });

  it('shows a refused lifecycle move (a reader key) with its code, changing nothing, and keeps working', async () => {
    await harness.ok('POST', '/v1/devices', { id: 'm-9', typeId: 'meter' });
    const reader = (await harness.ok('POST', '/v1/keys', { name: 'viewer', scope: 'reader' })).body.secret;
    const { page, context, errors } = await harness.open('/devices/m-9');
    await signIn(page, reader);
    const lifecycle = page.getByRole('region', { name: 'Lifecycle' });
    const state = lifecycle.getByTestId('lifecycle-state');
    await state.waitFor();
    const before = await state.textContent();
    await lifecycle.getByLabel('Move to').selectOption({ index: 1 });
    await lifecycle.getByRole('button', { name: 'Move' }).click();
    await expect.poll(() => lifecycle.getByRole('alert').textContent()).toContain('forbidden');
    expect(await lifecycle.getByLabel('Move to').getAttribute('aria-invalid')).toBe('true');
    expect(await state.textContent()).toBe(before);
    expect((await harness.ok('GET', '/v1/devices/m-9/lifecycle')).body.state).toBe(before);
    // The page still works: the history and the rest of the device answer.
    await lifecycle.getByText('No transitions yet.').waitFor();
    expect(unexpected(errors)).toEqual([]);
    await context.close();
  });

  it('creates a webhook endpoint (secret once), sends a test, lists deliveries and replays', async () => {
    const me = (await harness.ok('GET', '/v1/me')).body;
    const { page, context, errors } = await openPage('/webhooks', 'Webhooks');
    await page.getByText('No webhook endpoints yet.').waitFor();
    const form = page.getByRole('form', { name: 'New endpoint' });
    // A loopback receiver is refused until the operator allows private targets.
    await form.getByLabel('URL').fill(receiverUrl);
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('webhook_target_refused');
    expect(await form.getByLabel('URL').getAttribute('aria-invalid')).toBe('true');
    await harness.ok('PUT', `/v1/tenants/${me.tenantId}/webhook-settings`, { allowPrivateTargets: true });

    await form.getByLabel('Description').fill('ops');
    await form.getByLabel(/Events/).fill('device.updated');
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    const secret = (await page.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'I have kept it' }).click();
    const endpoint = page.locator('li[data-webhook-id]');
    expect(await endpoint.textContent()).toContain('device.updated');

    await endpoint.getByRole('button', { name: `Deliveries of ${receiverUrl}` }).click();
    const deliveries = page.getByRole('region', { name: `Deliveries of ${receiverUrl}` });
    await deliveries.getByRole('button', { name: 'Send a test event' }).click();
    await expect.poll(() => deliveries.getByRole('status').textContent()).toContain('204');
    expect(received).toBeGreaterThanOrEqual(1);
    await expect.poll(() => deliveries.locator('tr[data-delivery-id]').count()).toBe(1);

    // A change it selects is delivered; a replay from before it queues it again.
    const from = new Date(Date.now() - 60_000);
    await harness.ok('PATCH', '/v1/devices/m-3', { name: 'lyon meter' });
    await expect
      .poll(
        async () => {
          const id = await endpoint.getAttribute('data-webhook-id');
          return (await harness.ok('GET', `/v1/webhooks/${id}/deliveries?status=delivered`)).body.items
            .length;
        },
        { timeout: 20_000 },
      )
      .toBe(2);
    // A time in the future is refused with its code.
    const local = (date: Date) =>
      new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await deliveries.getByLabel('Replay the changes from').fill(local(new Date(Date.now() + DAY)));
    await deliveries.getByRole('button', { name: 'Replay' }).click();
    await expect.poll(() => deliveries.getByRole('alert').textContent()).toContain('validation_failed');
    await deliveries.getByLabel('Replay the changes from').fill(local(from));
    await deliveries.getByRole('button', { name: 'Replay' }).click();
    await expect
      .poll(() => deliveries.getByRole('status').textContent())
      .toContain('1 deliveries queued again');
    await expect
      .poll(() => deliveries.getByText('replay', { exact: true }).count(), { timeout: 20_000 })
      .toBe(1);

    // A delivery's log: each try with its answer.
    await deliveries
      .getByRole('button', { name: /Log of delivery/ })
      .first()
      .click();
    await expect.poll(() => deliveries.locator('ol').textContent()).toMatch(/try 1, .*204/);
    expect(unexpected(errors)).toEqual([]);
    await context.close();
  });

  it('has no serious accessibility violation in light and dark, and fits a phone', async () => {
    const pages = [
      ['/configurations', 'Fleet configurations'],
      ['/jobs', 'Jobs'],
      ['/alerts?state=', 'Alerts'],
      ['/webhooks', 'Webhooks'],
      ['/contracts', 'Network contracts'],
      ['/devices/m-1', 'm-1'],
    ] as const;
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [route, heading] of pages) {
        const { page, context } = await openPage(route, heading, { bypassCSP: true, colorScheme });
        await page.locator('table, .muted, [data-testid="lifecycle-state"]').first().waitFor();
        if (route.startsWith('/devices')) await page.getByTestId('health').waitFor();
        expect(await seriousViolations(page), `${route} (${colorScheme})`).toEqual([]);
        await context.close();
      }
    }
    for (const [route, heading] of pages) {
      const { page, context } = await openPage(route, heading, {
        viewport: { width: 375, height: 740 },
        isMobile: true,
      });
      await page.locator('table, .muted').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth), route).toBeLessThanOrEqual(375);
      await context.close();
    }
  }, 300_000);
});
