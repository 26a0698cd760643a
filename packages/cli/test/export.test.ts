import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, json, startCliFixture, tempDir } from './support/cli-harness.js';

let fx: CliFixture;
let dir: string;
let token = '';

beforeAll(async () => {
  fx = await startCliFixture();
  dir = tempDir();
  const ok = async (method: string, url: string, body: unknown) => {
    const response = await fx.server.request(method, url, { json: body });
    expect(response.status, response.text).toBeLessThan(300);
    return response.body;
  };
  await ok('POST', '/v1/device-types', { id: 'meter', name: 'Meter' });
  await ok('POST', '/v1/devices', { id: 'm1', typeId: 'meter' });
  token = (await ok('POST', '/v1/devices/m1/credentials', { kind: 'token' })).token;
  // Several requests: rows with distinct receive times as well as shared ones.
  for (let batch = 0; batch < 5; batch += 1) {
    const response = await fx.server.request('POST', '/v1/ingest', {
      key: token,
      json: {
        messages: Array.from({ length: 4 }, (_, i) => ({
          hex: (batch * 4 + i).toString(16).padStart(2, '0'),
          messageId: `c${batch}-${i}`,
        })),
      },
    });
    expect(response.status, response.text).toBeLessThan(300);
  }
});
afterAll(async () => {
  await fx?.close();
});

const ids = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => (JSON.parse(line) as { id: string }).id);

describe('fleetport export messages', () => {
  it('streams NDJSON to stdout and CSV to a file, with a summary on stderr', async () => {
    const out = await fx.cli(['export', 'messages', '--device', 'm1']);
    expect(out.code, out.stderr).toBe(0);
    expect(ids(out.stdout)).toHaveLength(20);
    const file = path.join(dir, 'm1.csv');
    const csv = await fx.cli(['export', 'messages', '--type', 'meter', '--out', file]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stderr).toContain(`exported 20 messages to ${file}`);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id,deviceId,typeId,transport,receivedAt/);
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(ids(out.stdout));
    expect(existsSync(`${file}.partial`)).toBe(false);
    const summary = json<{ rows: number; last: string }>(
      await fx.cli(['--json', 'export', 'messages', '--out', path.join(dir, 'all.ndjson')]),
    );
    expect(summary.rows).toBe(20);
    expect(summary.last).toBe(ids(out.stdout).at(-1));
  });

  it('resumes an interrupted file after its last complete row, cutting a torn one', async () => {
    const full = ids((await fx.cli(['export', 'messages'])).stdout);
    for (const format of ['ndjson', 'csv'] as const) {
      const target = path.join(dir, `resumed.${format}`);
      const whole = (await fx.cli(['export', 'messages', '--format', format])).stdout;
      const rows = whole.split('\n');
      const keep = format === 'csv' ? 1 + 7 : 7;
      // Seven complete rows and half of the eighth, as a killed export leaves them.
      writeFileSync(`${target}.partial`, `${rows.slice(0, keep).join('\n')}\n${rows[keep]?.slice(0, 20)}`);
      const resumed = await fx.cli(['export', 'messages', '--out', target, '--resume']);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(readFileSync(target, 'utf8')).toBe(whole);
      expect(existsSync(`${target}.partial`)).toBe(false);
    }
    const after = await fx.cli(['export', 'messages', '--after', full[14] ?? '']);
    expect(ids(after.stdout)).toEqual(full.slice(15));
  });

  it('refuses --resume without --out, and reports the server refusing a selection', async () => {
    const usage = await fx.cli(['export', 'messages', '--resume']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--resume needs --out FILE');
    const refused = await fx.cli(['export', 'messages', '--after', 'nope']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('validation_failed');
    const missing = await fx.cli(['export', 'messages', '--device', 'ghost']);
    expect(missing.code).toBe(4);
  });
});
