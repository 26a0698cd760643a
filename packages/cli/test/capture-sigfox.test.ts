import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, closedPort, json, startCliFixture } from './support/cli-harness.js';

let fx: CliFixture;

interface SecretJson {
  id: string;
  deviceTypeId: string;
  name: string;
  createdAt: string;
  secret?: string;
}

interface ReportJson {
  devices: { count: number; first: string; last: string };
  sent: { frames: number; lateFrames: number; callbacks: number; retries: number };
  answers: {
    '2xx': number;
    '4xx': number;
    '5xx': number;
    networkErrors: number;
    duplicates: number;
    late: number;
  };
  firstFailure: string | null;
  callbacksPerSecond: number;
  latencyMs: { p50: number | null; p99: number | null };
}

async function createSecret(type: string, name?: string): Promise<SecretJson> {
  const result = await fx.cli([
    '--json',
    'device-types',
    'callback-secrets',
    'create',
    type,
    ...(name ? ['--name', name] : []),
  ]);
  expect(result.code).toBe(0);
  return json<SecretJson>(result);
}

beforeAll(async () => {
  fx = await startCliFixture();
  // Unknown Sigfox devices are created in this type as their first callback comes.
  const created = await fx.server.request('POST', '/v1/device-types', {
    json: { id: 'sigfox-demo', name: 'Sigfox demo', capture: { autoCreateDevices: true } },
  });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await fx?.close();
});

describe('fleetport device-types callback-secrets', () => {
  it('creates a secret shown once, lists it without the secret, and revokes it', async () => {
    const created = await fx.cli([
      'device-types',
      'callback-secrets',
      'create',
      'sigfox-demo',
      '--name',
      'backend',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created callback secret (cbs_\S+) for device type sigfox-demo$/m);
    expect(created.stdout).toMatch(/^ {2}X-Fleetport-Secret: fpc_\S+$/m);
    const id = /callback secret (cbs_\S+)/.exec(created.stdout)?.[1] ?? '';

    const list = await fx.cli(['device-types', 'callback-secrets', 'list', 'sigfox-demo']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+CREATED$/m);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+backend\\s+\\S+Z$`, 'm'));
    expect(list.stdout).not.toContain('fpc_');

    const revoked = await fx.cli(['device-types', 'callback-secrets', 'revoke', 'sigfox-demo', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(`revoked callback secret ${id}\n`);
    const again = await fx.cli(['device-types', 'callback-secrets', 'revoke', 'sigfox-demo', id]);
    expect(again.code).toBe(4);
    const after = await fx.cli(['--json', 'device-types', 'callback-secrets', 'list', 'sigfox-demo']);
    expect(json<{ items: SecretJson[] }>(after).items.map((s) => s.id)).not.toContain(id);
  });

  it('prints the API JSON with --json, the secret only when created', async () => {
    const created = await createSecret('sigfox-demo', 'json');
    expect(created).toMatchObject({ deviceTypeId: 'sigfox-demo', name: 'json' });
    expect(created.secret).toMatch(/^fpc_/);
    const list = await fx.cli(['--json', 'device-types', 'callback-secrets', 'list', 'sigfox-demo']);
    const listed = json<{ items: SecretJson[] }>(list).items.find((s) => s.id === created.id);
    expect(listed).toEqual({
      id: created.id,
      deviceTypeId: 'sigfox-demo',
      name: 'json',
      createdAt: created.createdAt,
    });
    const revoked = await fx.cli([
      '--json',
      'device-types',
      'callback-secrets',
      'revoke',
      'sigfox-demo',
      created.id,
    ]);
    expect(json(revoked)).toEqual({ id: created.id, deviceTypeId: 'sigfox-demo', revoked: true });
  });

  it('says so when a type has no secrets, and exits 4 for an unknown type', async () => {
    await fx.cli(['device-types', 'create', '--id', 'bare', '--name', 'Bare']);
    const empty = await fx.cli(['device-types', 'callback-secrets', 'list', 'bare']);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toBe('device type bare has no callback secrets\n');
    expect((await fx.cli(['device-types', 'callback-secrets', 'create', 'ghost'])).code).toBe(4);
    expect((await fx.cli(['device-types', 'callback-secrets', 'list', 'ghost'])).code).toBe(4);
  });

  it('exits 6 for a reader key, which may not manage secrets', async () => {
    const key = await fx.cli(['--json', 'keys', 'create', '--name', 'ro', '--scope', 'reader']);
    const reader = json<{ secret: string }>(key).secret;
    const result = await fx.cli(['device-types', 'callback-secrets', 'list', 'sigfox-demo'], {
      FLEETPORT_API_KEY: reader,
    });
    expect(result.code).toBe(6);
  });
});

describe('fleetport simulate sigfox', () => {
  /** Whether the server has the Sigfox callback route yet (it is being built alongside). */
  async function sigfoxRouteMissing(): Promise<boolean> {
    const probe = await fx.server.request('POST', '/v1/callbacks/sigfox/sigfox-demo', {
      key: null,
      json: {},
    });
    return probe.status === 404 && probe.body?.code === 'route_not_found';
  }

  it('plays devices with several receptions per frame, and every callback gets a 2xx', async (ctx) => {
    if (await sigfoxRouteMissing()) {
      ctx.skip('POST /v1/callbacks/sigfox/{type} is not on the server yet: re-run once it is');
    }
    const { secret } = await createSecret('sigfox-demo');
    const result = await fx.cli([
      '--json',
      'simulate',
      'sigfox',
      '--type',
      'sigfox-demo',
      '--secret',
      secret ?? '',
      '--devices',
      '3',
      '--rate',
      '40',
      '--frames',
      '30',
      '--retry-ratio',
      '0',
      '--late-ratio',
      '0',
      '--device-prefix',
      'abc',
      '--quiet',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = json<ReportJson>(result);
    expect(report).toMatchObject({
      devices: { count: 3, first: 'ABC00000', last: 'ABC00002' },
      sent: { frames: 30, lateFrames: 0, callbacks: 90, retries: 0 },
      // The second and third station of each frame only add receptions.
      answers: { '2xx': 90, '4xx': 0, '5xx': 0, networkErrors: 0, duplicates: 60, late: 0 },
      firstFailure: null,
    });
    expect(report.latencyMs.p50).toBeGreaterThan(0);
    expect(report.latencyMs.p99).toBeGreaterThanOrEqual(report.latencyMs.p50 ?? 0);

    // Stored: one message per frame, three receptions each, consecutive 12-bit sequence numbers.
    const history = await fx.cli([
      '--json',
      'messages',
      'list',
      'ABC00001',
      '--order',
      'asc',
      '--receptions',
    ]);
    const items = json<{ items: { id: string; seq: number; transport: string; receptions: unknown[] }[] }>(
      history,
    ).items;
    expect(items).toHaveLength(10);
    for (const [index, message] of items.entries()) {
      expect(message.transport).toBe('sigfox');
      expect(message.receptions).toHaveLength(3);
      expect(message.seq).toBe(((items[0]?.seq ?? 0) + index) % 4096);
    }
    const shown = await fx.cli(['messages', 'get', items[0]?.id ?? '']);
    expect(shown.stdout).toMatch(/^receptions \(3\)$/m);
    expect(shown.stdout).toMatch(/^STATION\s+RSSI\s+SNR\s+LOCATION\s+RECEIVED$/m);
    expect(shown.stdout).toMatch(/^[0-9A-F]{4}\s+-\d+(\.\d+)?\s+\d+(\.\d+)?\s+\S+,\S+\s+\S+Z$/m);
  });

  it('sends retried callbacks and late frames, and reports what the server made of them', async (ctx) => {
    if (await sigfoxRouteMissing()) {
      ctx.skip('POST /v1/callbacks/sigfox/{type} is not on the server yet: re-run once it is');
    }
    const { secret } = await createSecret('sigfox-demo');
    const result = await fx.cli([
      'simulate',
      'sigfox',
      '--type',
      'sigfox-demo',
      '--secret',
      secret ?? '',
      '--devices',
      '2',
      '--rate',
      '50',
      '--frames',
      '6',
      '--receptions',
      '2',
      '--retry-ratio',
      '1',
      '--late-ratio',
      '1',
      '--device-prefix',
      'D0',
      '--quiet',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // 6 frames × 2 stations, each callback sent twice: only the 6 first copies are new.
    expect(result.stdout).toMatch(/^frames\s+6 \(6 sent late\)$/m);
    expect(result.stdout).toMatch(/^callbacks\s+24 \(12 retries\)$/m);
    expect(result.stdout).toMatch(/^2xx\s+24$/m);
    expect(result.stdout).toMatch(/^duplicates\s+18 \(reported by the server\)$/m);
    expect(result.stdout).toMatch(/^late\s+24 \(reported by the server\)$/m);
    expect(result.stdout).toMatch(/^latency p99\s+[\d.]+ ms$/m);
    const stored = await fx.cli(['--json', 'messages', 'list', 'D0000001', '--receptions']);
    const items = json<{ items: { timeliness: string; receptions: unknown[] }[] }>(stored).items;
    expect(items).toHaveLength(3);
    expect(items.every((m) => m.timeliness === 'late' && m.receptions.length === 2)).toBe(true);
  });

  it("wraps each device's 12-bit seqNumber from 4095 to 0", async (ctx) => {
    if (await sigfoxRouteMissing()) {
      ctx.skip('POST /v1/callbacks/sigfox/{type} is not on the server yet: re-run once it is');
    }
    const { secret } = await createSecret('sigfox-demo');
    const result = await fx.cli([
      'simulate',
      'sigfox',
      '--type',
      'sigfox-demo',
      '--secret',
      secret ?? '',
      '--devices',
      '1',
      '--frames',
      '4',
      '--rate',
      '50',
      '--receptions',
      '1',
      '--retry-ratio',
      '0',
      '--late-ratio',
      '0',
      '--first-seq',
      '4094',
      '--device-prefix',
      'E',
      '--quiet',
    ]);
    expect(result.code).toBe(0);
    const stored = await fx.cli(['--json', 'messages', 'list', 'E0000000', '--order', 'asc']);
    const items = json<{ items: { seq: number; sequenceEvent: string | null }[] }>(stored).items;
    expect(items.map((m) => m.seq)).toEqual([4094, 4095, 0, 1]);
    expect(items.map((m) => m.sequenceEvent)).toEqual(['first', 'next', 'wrap', 'next']);
  });

  it('answers BIDIR like a device: prints the downlink it received, acknowledges it, and its sequence shows the out-of-band frame', async () => {
    const { secret } = await createSecret('sigfox-demo');
    const device = 'B1D00000';
    expect(
      (await fx.server.request('POST', '/v1/devices', { json: { id: device, typeId: 'sigfox-demo' } }))
        .status,
    ).toBe(201);
    const queued = await fx.server.request('POST', `/v1/devices/${device}/commands`, {
      json: { hex: '0011223344556677', transport: 'sigfox' },
    });
    expect(queued.status, queued.text).toBe(201);
    const result = await fx.cli([
      'simulate',
      'sigfox',
      '--type',
      'sigfox-demo',
      '--secret',
      secret ?? '',
      '--devices',
      '1',
      '--frames',
      '2',
      '--rate',
      '50',
      '--receptions',
      '1',
      '--retry-ratio',
      '0',
      '--late-ratio',
      '0',
      '--bidir-ratio',
      '1',
      '--first-seq',
      '100',
      '--device-prefix',
      'B1D',
      '--quiet',
    ]);
    expect(result.code, result.stderr).toBe(0);
    // Only the first frame found a command waiting; the second asked and got none.
    expect(result.stderr).toBe(`downlink for ${device} (after frame 100): 0011223344556677\n`);
    expect(result.stdout).toMatch(/^bidir frames\s+2$/m);
    expect(result.stdout).toMatch(/^downlinks\s+1 received, 1 acknowledged$/m);
    expect(result.stdout).toMatch(/^2xx\s+3$/m);
    const command = await fx.server.request('GET', `/v1/devices/${device}/commands/${queued.body.id}`);
    expect(command.body.status).toBe('delivered');
    const details = command.body.history.map((h: { status: string; detail: Record<string, unknown> }) => ({
      status: h.status,
      ...h.detail,
    }));
    expect(details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ status: 'unknown', seqNumber: 100 }),
        expect.objectContaining({ status: 'delivered', downlinkAck: true }),
        // 101 went to the acknowledgement frame, so the next uplink is 102.
        expect.objectContaining({ inference: 'out_of_band_frame', downlinkSeqNumber: 100, seqNumber: 102 }),
      ]),
    );
  });

  it('stops at the first callback and exits 6 when the secret is wrong or revoked', async (ctx) => {
    if (await sigfoxRouteMissing()) {
      ctx.skip('POST /v1/callbacks/sigfox/{type} is not on the server yet: re-run once it is');
    }
    const result = await fx.cli([
      'simulate',
      'sigfox',
      '--type',
      'sigfox-demo',
      '--secret',
      'fpc_wrong',
      '--frames',
      '50',
    ]);
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(
      /^fleetport: unauthenticated: the first callback was refused, so the simulation stopped: /,
    );
    const { id, secret } = await createSecret('sigfox-demo');
    await fx.cli(['device-types', 'callback-secrets', 'revoke', 'sigfox-demo', id]);
    const revoked = await fx.cli([
      'simulate',
      'sigfox',
      '--type',
      'sigfox-demo',
      '--secret',
      secret ?? '',
      '--frames',
      '5',
    ]);
    expect(revoked.code).toBe(6);
  });

  it('exits 3 and says why when callbacks fail (here: nothing listens)', async () => {
    const port = await closedPort();
    const result = await fx.cli(
      [
        'simulate',
        'sigfox',
        '--type',
        'sigfox-demo',
        '--secret',
        'fpc_x',
        '--frames',
        '2',
        '--retry-ratio',
        '0',
        '--quiet',
      ],
      { FLEETPORT_URL: `http://127.0.0.1:${port}` },
    );
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^network errors\s+6$/m);
    expect(result.stdout).toMatch(/^first failure\s+network: ECONNREFUSED$/m);
    expect(result.stderr).toMatch(
      /^fleetport: callbacks_failed: 6 of 6 callbacks got no 2xx \(first: network: ECONNREFUSED\)$/m,
    );
  });

  it('exits 2 for flags that make no simulation', async () => {
    const base = ['simulate', 'sigfox', '--type', 'sigfox-demo', '--secret', 'fpc_x'];
    const cases = [
      [[...base, '--duration', '1', '--frames', '5'], /--duration or --frames, not both/],
      [[...base, '--retry-ratio', '1.5'], /expected a share between 0 and 1/],
      [[...base, '--rate', '0'], /expected a number above 0/],
      [[...base, '--first-seq', '4096'], /must be between 0 and 4095/],
      [[...base, '--device-prefix', 'XYZ'], /expected 1 to 7 hex digits/],
      [[...base, '--device-prefix', 'ABCDEF0', '--devices', '17'], /leaves room for 16 device ids, not 17/],
      [['simulate', 'sigfox', '--type', 'sigfox-demo'], /no callback secret/],
      [['simulate', 'sigfox', '--secret', 'fpc_x'], /required option '--type <type>'/],
    ] as const;
    for (const [args, message] of cases) {
      const result = await fx.cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });
});
