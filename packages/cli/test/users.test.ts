import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, json, runCli, startCliFixture, tempDir } from './support/cli-harness.js';

const PASSWORD = 'correct horse battery staple';

let fx: CliFixture;
beforeAll(async () => {
  fx = await startCliFixture();
  const setup = fx.server.server.firstAdmin?.setupToken ?? '';
  const set = await runCli(['users', 'set-password', '--token', setup], {
    FLEETPORT_URL: fx.server.url,
    FLEETPORT_PASSWORD: PASSWORD,
  });
  expect(set.code, set.stderr).toBe(0);
  expect(set.stdout).toContain('the password of admin@localhost is set');
});
afterAll(async () => {
  await fx?.close();
});

describe('fleetport login, logout and users', () => {
  it('keeps a session in the profile, works with it for reads and writes, and forgets it at logout', async () => {
    const home = tempDir();
    const env = { FLEETPORT_URL: fx.server.url, FLEETPORT_CONFIG_HOME: home };
    const login = await runCli(['login', '--email', 'admin@localhost'], {
      ...env,
      FLEETPORT_PASSWORD: PASSWORD,
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/^signed in as admin@localhost \(tenant default, scope admin\)$/m);
    const file = path.join(home, 'profiles.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      profiles: { default: { session: { secret: string } } };
    };
    expect(stored.profiles.default.session.secret).toMatch(/^fps_/);

    const me = await runCli(['--json', 'whoami'], env);
    expect(me.code, me.stderr).toBe(0);
    expect(json<{ keyId: string; scope: string }>(me)).toMatchObject({
      scope: 'admin',
      keyId: expect.stringMatching(/^usr_/),
    });
    // A write: the CLI sends the session's CSRF token.
    const created = await runCli(
      ['--json', 'users', 'create', '--email', 'ops@example.com', '--scope', 'operator'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(json<{ passwordSet: boolean }>(created).passwordSet).toBe(false);

    const logout = await runCli(['logout'], env);
    expect(logout.code, logout.stderr).toBe(0);
    const after = await runCli(['whoami'], env);
    expect(after.code).toBe(2);
    expect(after.stderr).toMatch(/^fleetport: missing_api_key: /);
  });

  it('refuses a wrong password with exit 6 and stores no session', async () => {
    const home = tempDir();
    const env = { FLEETPORT_URL: fx.server.url, FLEETPORT_CONFIG_HOME: home };
    const result = await runCli(['login', '--email', 'admin@localhost'], {
      ...env,
      FLEETPORT_PASSWORD: 'not it at all',
    });
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(/^fleetport: invalid_credentials: /);
    expect(() => statSync(path.join(home, 'profiles.json'))).toThrow();
  });

  it('prints a reset token that sets a password once; a weak one is refused with exit 3', async () => {
    const made = await fx.cli([
      '--json',
      'users',
      'create',
      '--email',
      'reset@example.com',
      '--scope',
      'reader',
    ]);
    const id = json<{ id: string }>(made).id;
    const reset = await fx.cli(['users', 'reset-password', id]);
    expect(reset.code, reset.stderr).toBe(0);
    const token = /--token (fpr_\S+)/.exec(reset.stdout)?.[1] ?? '';
    const plain = { FLEETPORT_URL: fx.server.url };
    const weak = await runCli(['users', 'set-password', '--token', token], {
      ...plain,
      FLEETPORT_PASSWORD: 'short',
    });
    expect(weak.code).toBe(3);
    expect(weak.stderr).toMatch(/^fleetport: weak_password: /);
    const ok = await runCli(['users', 'set-password', '--token', token], {
      ...plain,
      FLEETPORT_PASSWORD: PASSWORD,
    });
    expect(ok.code, ok.stderr).toBe(0);
    const again = await runCli(['users', 'set-password', '--token', token], {
      ...plain,
      FLEETPORT_PASSWORD: PASSWORD,
    });
    expect(again.stderr).toMatch(/^fleetport: token_invalid: /);
    const list = await fx.cli(['users', 'list']);
    expect(list.stdout).toMatch(/reset@example\.com\s+reset@example\.com\s+reader\s+set/);
  });

  it('admin reset-password prints a working token from the host, without any key', async () => {
    const dataDir = path.dirname(fx.server.server.store.location);
    const result = await runCli(['admin', 'reset-password', 'admin@localhost', '--data-dir', dataDir]);
    expect(result.code, result.stderr).toBe(0);
    const token = /--token (fpr_\S+)/.exec(result.stdout)?.[1] ?? '';
    const set = await runCli(['users', 'set-password', '--token', token], {
      FLEETPORT_URL: fx.server.url,
      FLEETPORT_PASSWORD: 'another good passphrase',
    });
    expect(set.code, set.stderr).toBe(0);
  });
});
