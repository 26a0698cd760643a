import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliFixture,
  closedPort,
  json,
  runCli,
  startCliFixture,
  tempDir,
} from './support/cli-harness.js';

let fx: CliFixture;
beforeAll(async () => {
  fx = await startCliFixture();
});
afterAll(async () => {
  await fx?.close();
});

interface Me {
  keyId: string;
  tenantId: string;
  scope: string;
  system: boolean;
}

describe('fleetport whoami', () => {
  it('shows the key, tenant and scope in use', async () => {
    const result = await fx.cli(['whoami']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^tenant\s+default$/m);
    expect(result.stdout).toMatch(/^scope\s+admin$/m);
    expect(result.stdout).toMatch(/^system\s+yes/m);
  });

  it('prints the API JSON with --json', async () => {
    const result = await fx.cli(['--json', 'whoami']);
    expect(result.code).toBe(0);
    expect(json<Me>(result)).toMatchObject({ tenantId: 'default', scope: 'admin', system: true });
  });

  it('exits 2 when no API key is given anywhere', async () => {
    const result = await runCli(['whoami'], { FLEETPORT_URL: fx.server.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^fleetport: missing_api_key: no API key/);
  });

  it('exits 6 when the API key is not valid', async () => {
    const result = await fx.cli(['whoami', '--api-key', 'fpk_not_a_real_key']);
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(
      /^fleetport: unauthenticated: the API key is not valid \(request id .+\)\n$/,
    );
  });

  it('exits 7 with a clear message when the server cannot be reached', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await fx.cli(['whoami', '--url', url]);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain(
      `fleetport: unreachable: cannot reach Fleetport at ${url} (ECONNREFUSED)`,
    );
  });

  it('exits 2 on an unknown option, without calling the server', async () => {
    const result = await fx.cli(['whoami', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("fleetport: usage_error: unknown option '--bogus'");
  });

  it('documents the exit codes in --help', async () => {
    const result = await fx.cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Exit codes:');
    expect(result.stdout).toMatch(/^ {2}5 {2}conflict/m);
  });
});

describe('fleetport tenants', () => {
  it('creates a tenant, lists it and gets it', async () => {
    const created = await fx.cli(['tenants', 'create', '--name', 'Acme Corp', '--id', 'acme']);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('created tenant acme');

    const list = await fx.cli(['tenants', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+CREATED$/m);
    expect(list.stdout).toMatch(/^acme\s+Acme Corp\s+\S+Z$/m);
    expect(list.stdout).toMatch(/^default\s+Default tenant/m);

    const got = await fx.cli(['--json', 'tenants', 'get', 'acme']);
    expect(json<{ id: string; name: string }>(got)).toMatchObject({ id: 'acme', name: 'Acme Corp' });
  });

  it('exits 5 when the tenant already exists', async () => {
    await fx.cli(['tenants', 'create', '--name', 'Twice', '--id', 'twice']);
    const again = await fx.cli(['tenants', 'create', '--name', 'Twice', '--id', 'twice']);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/^fleetport: already_exists: tenant 'twice' already exists/);
  });

  it('exits 4 when the tenant does not exist', async () => {
    const result = await fx.cli(['tenants', 'get', 'nowhere']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^fleetport: not_found: /);
  });

  it('exits 2 when --name is missing', async () => {
    const result = await fx.cli(['tenants', 'create']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--name <name>' not specified");
  });
});

describe('fleetport keys', () => {
  it('creates a key, shows its secret once, and the key works', async () => {
    const created = await fx.cli(['--json', 'keys', 'create', '--name', 'ci', '--scope', 'operator']);
    expect(created.code).toBe(0);
    const key = json<{ id: string; secret: string; scope: string }>(created);
    expect(key.scope).toBe('operator');

    const human = await fx.cli(['keys', 'create', '--name', 'human', '--scope', 'reader']);
    expect(human.stdout).toContain('shown only this once');
    expect(human.stdout).toMatch(/^ {2}FLEETPORT_API_KEY=fpk_\S+$/m);

    const me = await fx.cli(['--json', 'whoami'], { FLEETPORT_API_KEY: key.secret });
    expect(json<Me>(me)).toMatchObject({ keyId: key.id, scope: 'operator', system: false });

    const list = await fx.cli(['keys', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${key.id}\\s+ci\\s+operator\\s+active`, 'm'));
  });

  it('revokes a key, after which the key gets exit 6', async () => {
    const key = json<{ id: string; secret: string }>(
      await fx.cli(['--json', 'keys', 'create', '--name', 'short-lived', '--scope', 'reader']),
    );
    const revoked = await fx.cli(['keys', 'revoke', key.id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked key ${key.id}`);
    expect(revoked.stdout).toMatch(/^status\s+revoked$/m);

    const me = await fx.cli(['whoami'], { FLEETPORT_API_KEY: key.secret });
    expect(me.code).toBe(6);
    expect(me.stderr).toContain('the API key has been revoked');
  });

  it('creates a key in another tenant with --tenant', async () => {
    await fx.cli(['tenants', 'create', '--name', 'Other', '--id', 'other']);
    const key = json<{ tenantId: string; secret: string }>(
      await fx.cli([
        '--json',
        'keys',
        'create',
        '--name',
        'other-admin',
        '--scope',
        'admin',
        '--tenant',
        'other',
      ]),
    );
    expect(key.tenantId).toBe('other');
    const me = await fx.cli(['--json', 'whoami'], { FLEETPORT_API_KEY: key.secret });
    expect(json<Me>(me).tenantId).toBe('other');

    // A tenant's own admin is not the bootstrap key: tenants are not its business.
    const forbidden = await fx.cli(['tenants', 'create', '--name', 'Nope'], {
      FLEETPORT_API_KEY: key.secret,
    });
    expect(forbidden.code).toBe(6);
    expect(forbidden.stderr).toMatch(/^fleetport: forbidden: /);
  });

  it('exits 2 on a scope that does not exist', async () => {
    const result = await fx.cli(['keys', 'create', '--name', 'x', '--scope', 'root']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expected one of reader, operator, admin');
  });

  it('exits 3 when the expiry is in the past', async () => {
    const result = await fx.cli([
      'keys',
      'create',
      '--name',
      'x',
      '--scope',
      'reader',
      '--expires-at',
      '2001-01-01T00:00:00Z',
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^fleetport: validation_failed: expiresAt must be a date-time in the future/,
    );
  });
});

describe('profiles', () => {
  function writeProfiles(profiles: Record<string, { url?: string; apiKey?: string }>): string {
    const home = tempDir();
    mkdirSync(home, { recursive: true });
    writeFileSync(path.join(home, 'profiles.json'), JSON.stringify({ profiles }));
    return home;
  }

  it('connects with the profile named by --profile', async () => {
    const home = writeProfiles({ lab: { url: fx.server.url, apiKey: fx.server.adminKey } });
    const result = await runCli(['--profile', 'lab', 'whoami'], { FLEETPORT_CONFIG_HOME: home });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^tenant\s+default$/m);
  });

  it('uses FLEETPORT_PROFILE, and the profile named default when none is named', async () => {
    const home = writeProfiles({
      default: { url: fx.server.url, apiKey: fx.server.adminKey },
      broken: { url: fx.server.url, apiKey: 'fpk_wrong' },
    });
    expect((await runCli(['whoami'], { FLEETPORT_CONFIG_HOME: home })).code).toBe(0);
    expect(
      (await runCli(['whoami'], { FLEETPORT_CONFIG_HOME: home, FLEETPORT_PROFILE: 'broken' })).code,
    ).toBe(6);
  });

  it('lets the environment beat the profile, and flags beat the environment', async () => {
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const home = writeProfiles({ lab: { url: unreachable, apiKey: 'fpk_wrong' } });
    const env = { FLEETPORT_CONFIG_HOME: home, FLEETPORT_PROFILE: 'lab' };

    expect((await runCli(['whoami'], env)).code).toBe(7);
    // Environment over profile: the right URL, still the profile's wrong key.
    expect((await runCli(['whoami'], { ...env, FLEETPORT_URL: fx.server.url })).code).toBe(6);
    // Flag over environment and profile.
    const withKey = { ...env, FLEETPORT_URL: fx.server.url, FLEETPORT_API_KEY: 'fpk_also_wrong' };
    expect((await runCli(['whoami'], withKey)).code).toBe(6);
    expect((await runCli(['whoami', '--api-key', fx.server.adminKey], withKey)).code).toBe(0);
    expect(
      (await runCli(['whoami', '--url', unreachable], { ...withKey, FLEETPORT_API_KEY: fx.server.adminKey }))
        .code,
    ).toBe(7);
  });

  it('exits 2 when the named profile does not exist', async () => {
    const home = writeProfiles({ lab: { url: fx.server.url } });
    const result = await runCli(['--profile', 'prod', 'whoami'], { FLEETPORT_CONFIG_HOME: home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no profile 'prod'");
    expect(result.stderr).toContain('(it has: lab)');
  });

  it('exits 2 when the profile file is not JSON', async () => {
    const home = tempDir();
    writeFileSync(path.join(home, 'profiles.json'), '{ not json');
    const result = await runCli(['whoami'], { FLEETPORT_CONFIG_HOME: home });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^fleetport: config_error: the profile file .* is not JSON/);
  });
});
