import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, json, startCliFixture, tempDir } from './support/cli-harness.js';

let fx: CliFixture;
beforeAll(async () => {
  fx = await startCliFixture();
  await fx.cli(['device-types', 'create', '--id', 'tracker', '--name', 'Tracker']);
});
afterAll(async () => {
  await fx?.close();
});

interface DeviceJson {
  id: string;
  typeId: string;
  name: string;
  tags: Record<string, string>;
  attributes: Record<string, unknown>;
  version: number;
  deletedAt: string | null;
}

describe('fleetport device-types', () => {
  it('creates, lists, gets, updates and deletes a device type', async () => {
    const created = await fx.cli([
      'device-types',
      'create',
      '--id',
      'meter',
      '--name',
      'Meter',
      '--description',
      'water meter',
      '--expected-interval',
      '3600',
      '--settings',
      '{"unit":"m3"}',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^expected interval\s+3600s$/m);

    const list = await fx.cli(['device-types', 'list']);
    expect(list.stdout).toMatch(/^meter\s+Meter\s+3600s\s+1\s+water meter$/m);

    const updated = await fx.cli([
      '--json',
      'device-types',
      'update',
      'meter',
      '--name',
      'Meter v2',
      '--if-match',
      '1',
      '--expected-interval',
      '60',
    ]);
    expect(updated.code).toBe(0);
    expect(json(updated)).toMatchObject({
      name: 'Meter v2',
      version: 2,
      expectedUplinkIntervalSeconds: 60,
      settings: { unit: 'm3' },
    });

    const got = await fx.cli(['--json', 'device-types', 'get', 'meter']);
    expect(json(got)).toMatchObject({ id: 'meter', description: 'water meter' });

    const deleted = await fx.cli(['device-types', 'delete', 'meter', '--if-match', '2']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe('deleted device type meter\n');
    expect((await fx.cli(['device-types', 'get', 'meter'])).code).toBe(4);
  });

  it('clears the expected interval with --expected-interval none', async () => {
    await fx.cli([
      'device-types',
      'create',
      '--id',
      'sleepy',
      '--name',
      'Sleepy',
      '--expected-interval',
      '60',
    ]);
    const result = await fx.cli([
      '--json',
      'device-types',
      'update',
      'sleepy',
      '--expected-interval',
      'none',
    ]);
    expect(result.code).toBe(0);
    expect(json(result)).toMatchObject({ expectedUplinkIntervalSeconds: null });
  });

  it('exits 5 when If-Match names an old version', async () => {
    await fx.cli(['device-types', 'create', '--id', 'gateway', '--name', 'Gateway']);
    const result = await fx.cli(['device-types', 'update', 'gateway', '--name', 'GW', '--if-match', '7']);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^fleetport: precondition_failed: device type 'gateway' has changed/);
  });

  it('exits 5 when deleting a type that still has devices', async () => {
    await fx.cli(['devices', 'create', '--id', 'held-1', '--type', 'tracker']);
    const result = await fx.cli(['device-types', 'delete', 'tracker']);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^fleetport: conflict: /);
  });

  it('sets capture settings on create, patches only the fields given, and shows them', async () => {
    const created = await fx.cli([
      'device-types',
      'create',
      '--id',
      'sfx-auto',
      '--name',
      'Sigfox auto',
      '--capture',
      '{"sequenceBits":12,"autoCreateDevices":true}',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(json(created)).toMatchObject({
      capture: { sequenceBits: 12, autoCreateDevices: true, lateAfterSeconds: 600 },
    });
    const updated = await fx.cli([
      'device-types',
      'update',
      'sfx-auto',
      '--capture',
      '{"lateAfterSeconds":30}',
      '--json',
    ]);
    expect(json(updated)).toMatchObject({
      capture: { sequenceBits: 12, autoCreateDevices: true, lateAfterSeconds: 30 },
    });
    const shown = await fx.cli(['device-types', 'get', 'sfx-auto']);
    expect(shown.stdout).toMatch(/late after 30s, 12-bit sequence, auto-create on/);
    const refused = await fx.cli(['device-types', 'update', 'sfx-auto', '--capture', '{"sequenceBits":13}']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/validation_failed/);
  });

  it('exits 2 when --settings is not a JSON object, or nothing is to change', async () => {
    const bad = await fx.cli(['device-types', 'create', '--id', 'x', '--name', 'X', '--settings', '[1]']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be a JSON object');
    const nothing = await fx.cli(['device-types', 'update', 'tracker']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to change');
  });

  it('follows every page with --all', async () => {
    for (const id of ['page-a', 'page-b', 'page-c'])
      await fx.cli(['device-types', 'create', '--id', id, '--name', id]);
    const one = await fx.cli(['device-types', 'list', '--limit', '2']);
    expect(one.stdout.trim().split('\n')).toHaveLength(3);
    expect(one.stderr).toContain('more device types: --all, or --cursor ');
    const all = await fx.cli(['--json', 'device-types', 'list', '--limit', '2', '--all']);
    const page = json<{ items: { id: string }[]; nextCursor: string | null }>(all);
    expect(page.items.map((t) => t.id)).toEqual(
      expect.arrayContaining(['page-a', 'page-b', 'page-c', 'tracker']),
    );
    expect(page.nextCursor).toBeNull();
  });
});

describe('fleetport devices', () => {
  it('creates a device with tags and attributes and shows it', async () => {
    const created = await fx.cli([
      'devices',
      'create',
      '--id',
      'AB-01',
      '--type',
      'tracker',
      '--name',
      'Truck 1',
      '--tag',
      'site=paris',
      '--tag',
      'fleet=north',
      '--attributes',
      '{"firmware":"1.2.0"}',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^tags\s+site=paris,fleet=north$/m);

    const got = await fx.cli(['--json', 'devices', 'get', 'AB-01']);
    expect(json<DeviceJson>(got)).toMatchObject({
      id: 'AB-01',
      typeId: 'tracker',
      name: 'Truck 1',
      tags: { site: 'paris', fleet: 'north' },
      attributes: { firmware: '1.2.0' },
      version: 1,
    });
  });

  it('lists devices filtered by tag, as a table', async () => {
    await fx.cli([
      'devices',
      'create',
      '--id',
      'f-1',
      '--type',
      'tracker',
      '--tag',
      'zone=east',
      '--tag',
      'spare',
    ]);
    await fx.cli(['devices', 'create', '--id', 'f-2', '--type', 'tracker', '--tag', 'zone=west']);
    const east = await fx.cli(['devices', 'list', '--tag', 'zone=east']);
    expect(east.code).toBe(0);
    expect(east.stdout).toBe(
      [
        'ID   TYPE     NAME  TAGS             LIFECYCLE     VERSION',
        'f-1  tracker  -     zone=east,spare  manufactured  1',
        '',
      ].join('\n'),
    );
    const zoned = json<{ items: DeviceJson[] }>(await fx.cli(['--json', 'devices', 'list', '--tag', 'zone']));
    expect(zoned.items.map((d) => d.id)).toEqual(['f-1', 'f-2']);
    const both = json<{ items: DeviceJson[] }>(
      await fx.cli(['--json', 'devices', 'list', '--tag', 'zone', '--tag', 'spare']),
    );
    expect(both.items.map((d) => d.id)).toEqual(['f-1']);
  });

  it('lists devices a condition selects with --where, and exits 3 naming where a bad one fails', async () => {
    await fx.cli([
      'devices',
      'create',
      '--id',
      'w-1',
      '--type',
      'tracker',
      '--tag',
      'site=paris',
      '--attributes',
      '{"fw":2.5}',
    ]);
    await fx.cli([
      'devices',
      'create',
      '--id',
      'w-2',
      '--type',
      'tracker',
      '--tag',
      'site=lyon',
      '--attributes',
      '{"fw":3}',
    ]);
    await fx.cli([
      'devices',
      'create',
      '--id',
      'w-3',
      '--type',
      'tracker',
      '--tag',
      'site=paris',
      '--attributes',
      '{"fw":1}',
    ]);
    const paris = json<{ items: DeviceJson[] }>(
      await fx.cli([
        '--json',
        'devices',
        'list',
        '--all',
        '--where',
        'tags.site == "paris" && attributes.fw >= 2.0',
      ]),
    );
    expect(paris.items.map((d) => d.id)).toEqual(['w-1']);
    const paged = json<{ items: DeviceJson[] }>(
      await fx.cli(['--json', 'devices', 'list', '--all', '--limit', '1', '--where', 'id.startsWith("w-")']),
    );
    expect(paged.items.map((d) => d.id)).toEqual(['w-1', 'w-2', 'w-3']);
    const bad = await fx.cli(['devices', 'list', '--where', 'tags.site ==\n  "paris" &&']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^fleetport: invalid_condition: where: .*\(line 2, column \d+\)/);
    expect(bad.stdout).toBe('');
  });

  it('updates a device, replacing its tags, with a matching If-Match', async () => {
    await fx.cli(['devices', 'create', '--id', 'u-1', '--type', 'tracker', '--tag', 'a=1', '--tag', 'b=2']);
    const updated = await fx.cli([
      '--json',
      'devices',
      'update',
      'u-1',
      '--tag',
      'c=3',
      '--name',
      'renamed',
      '--if-match',
      '1',
    ]);
    expect(updated.code).toBe(0);
    expect(json<DeviceJson>(updated)).toMatchObject({ name: 'renamed', tags: { c: '3' }, version: 2 });
    const cleared = await fx.cli(['--json', 'devices', 'update', 'u-1', '--clear-tags']);
    expect(json<DeviceJson>(cleared).tags).toEqual({});
  });

  it('exits 5 when If-Match does not match the version', async () => {
    await fx.cli(['devices', 'create', '--id', 'm-1', '--type', 'tracker']);
    const result = await fx.cli(['devices', 'update', 'm-1', '--name', 'late', '--if-match', '9']);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(
      /^fleetport: precondition_failed: device 'm-1' has changed \(version 1, If-Match 9\)/,
    );
    const deleting = await fx.cli(['devices', 'delete', 'm-1', '--if-match', '9']);
    expect(deleting.code).toBe(5);
  });

  it('exits 4 when the device does not exist', async () => {
    const result = await fx.cli(['devices', 'get', 'no-such-device']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      /^fleetport: not_found: device 'no-such-device' was not found \(request id \S+\)\n$/,
    );
  });

  it('exits 5 when the device already exists, and 3 when its type does not', async () => {
    await fx.cli(['devices', 'create', '--id', 'dup-1', '--type', 'tracker']);
    expect((await fx.cli(['devices', 'create', '--id', 'dup-1', '--type', 'tracker'])).code).toBe(5);
    const noType = await fx.cli(['devices', 'create', '--id', 'dup-2', '--type', 'ghost']);
    expect(noType.code).toBe(3);
    expect(noType.stderr).toContain("device type 'ghost' does not exist");
  });

  it('deletes a device softly and restores it', async () => {
    await fx.cli(['devices', 'create', '--id', 'del-1', '--type', 'tracker']);
    const deleted = await fx.cli(['devices', 'delete', 'del-1']);
    expect(deleted.code).toBe(0);
    expect((await fx.cli(['devices', 'get', 'del-1'])).code).toBe(4);
    const only = json<{ items: DeviceJson[] }>(
      await fx.cli(['--json', 'devices', 'list', '--deleted', 'only']),
    );
    expect(only.items.map((d) => d.id)).toEqual(['del-1']);
    const shown = await fx.cli(['devices', 'get', 'del-1', '--include-deleted']);
    expect(shown.stdout).toMatch(/^deleted\s+\S+Z$/m);

    const restored = await fx.cli(['devices', 'restore', 'del-1']);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('restored device del-1');
    expect((await fx.cli(['devices', 'get', 'del-1'])).code).toBe(0);
    expect((await fx.cli(['devices', 'restore', 'del-1'])).code).toBe(5);
  });

  it('exits 2 on bad flag values before calling the server', async () => {
    expect((await fx.cli(['devices', 'list', '--limit', '0'])).code).toBe(2);
    expect((await fx.cli(['devices', 'list', '--deleted', 'maybe'])).code).toBe(2);
    expect(
      (await fx.cli(['devices', 'create', '--id', 'x', '--type', 'tracker', '--attributes', 'nope'])).code,
    ).toBe(2);
    expect((await fx.cli(['devices', 'update', 'x', '--if-match', 'abc', '--name', 'n'])).code).toBe(2);
  });

  it('follows nextCursor with --all', async () => {
    const all = json<{ items: DeviceJson[]; nextCursor: string | null }>(
      await fx.cli(['--json', 'devices', 'list', '--limit', '2', '--all']),
    );
    const one = json<{ items: DeviceJson[]; nextCursor: string | null }>(
      await fx.cli(['--json', 'devices', 'list', '--limit', '2']),
    );
    expect(one.items).toHaveLength(2);
    expect(one.nextCursor).not.toBeNull();
    expect(all.items.length).toBeGreaterThan(2);
    expect(all.nextCursor).toBeNull();
    expect(new Set(all.items.map((d) => d.id)).size).toBe(all.items.length);
  });
});

describe('fleetport devices credentials', () => {
  it('adds a token (printed once), a certificate fingerprint, lists and removes them', async () => {
    await fx.cli(['devices', 'create', '--id', 'cred-1', '--type', 'tracker']);
    const token = await fx.cli([
      '--json',
      'devices',
      'credentials',
      'add-token',
      'cred-1',
      '--name',
      'factory',
    ]);
    expect(token.code).toBe(0);
    const created = json<{ id: string; kind: string; token: string }>(token);
    expect(created.kind).toBe('token');
    expect(created.token.length).toBeGreaterThan(10);

    const human = await fx.cli(['devices', 'credentials', 'add-token', 'cred-1']);
    expect(human.stdout).toContain('The device token is shown only this once');

    const fingerprint = 'ab'.repeat(32);
    const cert = await fx.cli([
      'devices',
      'credentials',
      'add-cert',
      'cred-1',
      '--fingerprint',
      fingerprint,
      '--name',
      'x509',
    ]);
    expect(cert.code).toBe(0);

    const list = await fx.cli(['devices', 'credentials', 'list', 'cred-1']);
    expect(list.stdout).toMatch(new RegExp(`^cred_\\S+\\s+x509\\s+x509\\s+${fingerprint}`, 'm'));
    expect(list.stdout).not.toContain(created.token);

    const removed = await fx.cli(['devices', 'credentials', 'remove', 'cred-1', created.id]);
    expect(removed.code).toBe(0);
    const after = json<{ items: { id: string }[] }>(
      await fx.cli(['--json', 'devices', 'credentials', 'list', 'cred-1']),
    );
    expect(after.items.map((c) => c.id)).not.toContain(created.id);
    expect(after.items).toHaveLength(2);
  });

  it('exits 2 without exactly one of --cert and --fingerprint, and 3 on a file that is no certificate', async () => {
    await fx.cli(['devices', 'create', '--id', 'cred-2', '--type', 'tracker']);
    expect((await fx.cli(['devices', 'credentials', 'add-cert', 'cred-2'])).code).toBe(2);
    const pem = path.join(tempDir(), 'not-a-cert.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n');
    const result = await fx.cli(['devices', 'credentials', 'add-cert', 'cred-2', '--cert', pem]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('certificate is not a PEM X.509 certificate');
  });
});
