import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/main.js';
import { Capture, type CliFixture, json, startCliFixture, tempDir } from './support/cli-harness.js';

let fx: CliFixture;
let dir: string;
beforeAll(async () => {
  fx = await startCliFixture();
  dir = tempDir();
  await fx.cli(['device-types', 'create', '--id', 'tracker', '--name', 'Tracker']);
  await fx.cli(['device-types', 'create', '--id', 'meter', '--name', 'Meter']);
});
afterAll(async () => {
  await fx?.close();
});

interface Report {
  mode: string;
  committed: boolean;
  received: number;
  created: number;
  failed: number;
  errors: { line: number; id?: string; code: string; message: string }[];
}
interface DeviceJson {
  id: string;
  typeId: string;
  name: string;
  tags: Record<string, string>;
  attributes: Record<string, unknown>;
}

function file(name: string, text: string): string {
  const target = path.join(dir, name);
  writeFileSync(target, text);
  return target;
}

async function deviceIds(env: Readonly<Record<string, string>> = {}, args: string[] = []): Promise<string[]> {
  const page = json<{ items: DeviceJson[] }>(
    await fx.cli(['--json', 'devices', 'list', '--all', ...args], env),
  );
  return page.items.map((d) => d.id);
}

describe('fleetport devices import', () => {
  it('imports a CSV file best effort, reports the bad row and exits 3', async () => {
    const csv = file(
      'mixed.csv',
      [
        'id,typeId,name,tag.site,attr.fw',
        'c-1,tracker,One,paris,1.0',
        'c-2,ghost,Two,,',
        'c-3,tracker,Three,lyon,',
      ].join('\n'),
    );
    const result = await fx.cli(['devices', 'import', csv]);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('(best-effort): received 3, created 2, failed 1');
    expect(result.stdout).toMatch(/^LINE\s+ID\s+CODE\s+MESSAGE$/m);
    expect(result.stdout).toMatch(/^3\s+c-2\s+unknown_type\s+device type 'ghost' does not exist$/m);
    expect(result.stderr).toContain('fleetport: import_rejected: 1 of 3 rows were rejected');
    expect(await deviceIds({}, ['--tag', 'site'])).toEqual(['c-1', 'c-3']);
    const one = json<DeviceJson>(await fx.cli(['--json', 'devices', 'get', 'c-1']));
    expect(one).toMatchObject({ name: 'One', tags: { site: 'paris' }, attributes: { fw: '1.0' } });
  });

  it('imports an NDJSON file and exits 0, with --type for rows that name none', async () => {
    const ndjson = file(
      'good.ndjson',
      `${JSON.stringify({ id: 'n-1', tags: { batch: '7' } })}\n${JSON.stringify({ id: 'n-2', typeId: 'meter' })}\n`,
    );
    const result = await fx.cli(['--json', 'devices', 'import', ndjson, '--type', 'tracker']);
    expect(result.code).toBe(0);
    expect(json<Report>(result)).toMatchObject({
      mode: 'best-effort',
      committed: true,
      received: 2,
      created: 2,
      failed: 0,
    });
    expect(json<DeviceJson>(await fx.cli(['--json', 'devices', 'get', 'n-1'])).typeId).toBe('tracker');
    expect(json<DeviceJson>(await fx.cli(['--json', 'devices', 'get', 'n-2'])).typeId).toBe('meter');
  });

  it('creates nothing in an atomic import with a bad row, and exits 3', async () => {
    const ndjson = file(
      'atomic.jsonl',
      [
        JSON.stringify({ id: 'at-1', typeId: 'tracker' }),
        'this is not json',
        JSON.stringify({ id: 'at-2', typeId: 'tracker' }),
      ].join('\n'),
    );
    const result = await fx.cli(['devices', 'import', ndjson, '--atomic']);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('(atomic): received 3, created 0, failed 1');
    expect(result.stdout).toContain('not committed: no device was created');
    expect(result.stdout).toMatch(/^2\s+-\s+malformed_row\s+line is not valid JSON$/m);
    expect(result.stderr).toContain('fleetport: import_rejected: the atomic import was not committed');
    expect((await fx.cli(['devices', 'get', 'at-1'])).code).toBe(4);
  });

  it('reads standard input with -', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await run(['devices', 'import', '-', '--format', 'csv', '--quiet'], {
      stdout,
      stderr,
      env: fx.env,
      stdin: Readable.from(['id,typeId\n', 'stdin-1,tracker\n']),
    });
    expect(code).toBe(0);
    expect(stdout.text).toContain('received 1, created 1, failed 0');
  });

  it('exits 2 when the file is missing or its format cannot be told', async () => {
    const missing = await fx.cli(['devices', 'import', path.join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^fleetport: usage_error: cannot read .*nope\.csv/);
    const unknown = await fx.cli(['devices', 'import', file('devices.txt', 'id\n')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('pass --format csv or --format ndjson');
  });
});

describe('fleetport devices export', () => {
  it('streams NDJSON to stdout', async () => {
    await fx.cli(['devices', 'create', '--id', 'e-1', '--type', 'meter', '--tag', 'export=yes']);
    const result = await fx.cli(['devices', 'export', '--tag', 'export=yes']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ id: 'e-1', typeId: 'meter', tags: { export: 'yes' } });
    expect(result.stderr).toBe('exported 1 device\n');
  });

  it('round-trips NDJSON and CSV exports into another tenant', async () => {
    await fx.cli([
      'devices',
      'create',
      '--id',
      'rt-1',
      '--type',
      'tracker',
      '--name',
      'Quote "and", comma',
      '--tag',
      'site=paris',
      '--attributes',
      '{"nested":{"n":1},"text":"line\\nbreak"}',
    ]);
    const expected = json<{ items: DeviceJson[] }>(
      await fx.cli(['--json', 'devices', 'list', '--all']),
    ).items;

    const ndjsonOut = path.join(dir, 'all.ndjson');
    const csvOut = path.join(dir, 'all.csv');
    const ndjson = await fx.cli(['devices', 'export', '--out', ndjsonOut]);
    expect(ndjson.code).toBe(0);
    expect(ndjson.stderr).toContain(`exported ${expected.length} devices to ${ndjsonOut}`);
    const csv = await fx.cli(['devices', 'export', '--out', csvOut, '--quiet']);
    expect(csv.code).toBe(0);
    expect(csv.stderr).toBe('');
    expect(readFileSync(csvOut, 'utf8').split('\n')[0]).toBe(
      'id,typeId,name,tags,attributes,version,createdAt,updatedAt,deletedAt',
    );
    expect(existsSync(`${csvOut}.partial`)).toBe(false);

    for (const [tenant, exported] of [
      ['from-ndjson', ndjsonOut],
      ['from-csv', csvOut],
    ] as const) {
      await fx.cli(['tenants', 'create', '--id', tenant, '--name', tenant]);
      const key = json<{ secret: string }>(
        await fx.cli([
          '--json',
          'keys',
          'create',
          '--tenant',
          tenant,
          '--name',
          'import',
          '--scope',
          'admin',
        ]),
      ).secret;
      const asTenant = { FLEETPORT_API_KEY: key };
      await fx.cli(['device-types', 'create', '--id', 'tracker', '--name', 'Tracker'], asTenant);
      await fx.cli(['device-types', 'create', '--id', 'meter', '--name', 'Meter'], asTenant);
      const imported = await fx.cli(['--json', 'devices', 'import', exported, '--atomic'], asTenant);
      expect(imported.code, imported.stderr).toBe(0);
      expect(json<Report>(imported)).toMatchObject({ committed: true, created: expected.length, failed: 0 });

      const copied = json<{ items: DeviceJson[] }>(
        await fx.cli(['--json', 'devices', 'list', '--all'], asTenant),
      ).items;
      const shape = (d: DeviceJson) => ({
        id: d.id,
        typeId: d.typeId,
        name: d.name,
        tags: d.tags,
        attributes: d.attributes,
      });
      expect(copied.map(shape)).toEqual(expected.map(shape));
    }
  });

  it('writes an empty CSV with its header when nothing matches', async () => {
    const out = path.join(dir, 'none.csv');
    const result = await fx.cli([
      'devices',
      'export',
      '--out',
      out,
      '--type',
      'tracker',
      '--tag',
      'no-such-tag',
    ]);
    expect(result.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(
      'id,typeId,name,tags,attributes,version,createdAt,updatedAt,deletedAt\n',
    );
    expect(result.stderr).toBe(`exported 0 devices to ${out}\n`);
  });
});
