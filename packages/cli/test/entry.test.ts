import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, startCliFixture, tempDir } from './support/cli-harness.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

let fx: CliFixture;
beforeAll(async () => {
  fx = await startCliFixture();
});
afterAll(async () => {
  await fx?.close();
});

/** Runs the real entry in a child process; asynchronously, since the server lives in this one. */
function runEntry(args: readonly string[], env: Readonly<Record<string, string>>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'packages/cli/src/main.ts', ...args],
      { cwd: repo, env: { PATH: process.env.PATH ?? '', FLEETPORT_CONFIG_HOME: tempDir(), ...env } },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('the fleetport entry', () => {
  it('runs as a program and sets the exit code', async () => {
    // Two processes at once: each pays for loading tsx and the server once.
    const [ok, missing] = await Promise.all([
      runEntry(['whoami'], fx.env),
      runEntry(['devices', 'get', 'nope'], fx.env),
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^tenant\s+default$/m);

    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^fleetport: not_found: /);
  });
});
