import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './support/cli-harness.js';

describe('fleetport migrate', () => {
  it('applies the migrations to a fresh data dir, then finds nothing to do', async () => {
    const dataDir = tempDir();
    const first = await runCli(['migrate', '--data-dir', dataDir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^applied \d+ migrations?:\n {2}0001-registry\n/);
    expect(existsSync(path.join(dataDir, 'fleetport.db'))).toBe(true);

    const again = await runCli(['migrate'], { FLEETPORT_DATA_DIR: dataDir });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('the database is up to date: no migration to apply\n');
  });

  it('exits 2 listing every configuration problem', async () => {
    const config = path.join(tempDir(), 'fleetport.json');
    writeFileSync(config, JSON.stringify({ colour: 'blue' }));
    const result = await runCli(['migrate', '--config', config, '--database-url', 'mysql://db']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('fleetport: config_error: invalid configuration:');
    expect(result.stderr).toContain("unknown key 'colour'");
    expect(result.stderr).toContain('must start with postgres://');
  });

  it('takes its flags from the server config schema', async () => {
    const help = await runCli(['migrate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--data-dir <value>');
    expect(help.stdout).toContain('FLEETPORT_DATABASE_URL');
    expect(help.stdout).not.toContain('--http-port');
    const serveHelp = await runCli(['serve', '--help']);
    expect(serveHelp.stdout).toContain('--http-port <value>');
    expect(serveHelp.stdout).toContain('--log-level <value>');
    const bad = await runCli(['migrate', '--sqlite-synchronous', 'sometimes']);
    expect(bad.code).toBe(2);
  });
});

describe('fleetport serve', () => {
  it('exits 2 on an invalid configuration instead of starting', async () => {
    const result = await runCli([
      'serve',
      '--data-dir',
      tempDir(),
      '--http-port',
      'eighty',
      '--admin-key',
      'short',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--http-port: must be a non-negative integer, got 'eighty'");
    expect(result.stderr).toContain('--admin-key: must be at least 32 characters');
  });
});
