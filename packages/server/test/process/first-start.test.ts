import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TLS_DEVICE_KEY, TLS_SERVER_CERT, TLS_SERVER_KEY } from '../../src/mqtt/tls-fixtures.js';
import { dialectCases, type TestDatabase } from '../support/databases.js';
import { freePort } from '../support/ports.js';

// The real `fleetport` entry point, as `npm start` and the README run it (from source).
const cliMain = fileURLToPath(new URL('../../../cli/src/main.ts', import.meta.url));
const repoRoot = path.resolve(path.dirname(cliMain), '../../..');
const STARTUP_EXIT_CODE = 8;
// A built console, so that serve's only output is what these tests are about (an unbuilt
// console is reported with a warning, which `npm test` without a build would add).
const consoleDir = mkdtempSync(path.join(tmpdir(), 'fleetport-first-start-console-'));
writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><title>Fleetport</title>');
afterAll(() => rmSync(consoleDir, { recursive: true, force: true }));

interface Cli {
  readonly process: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

function cli(args: readonly string[], env: Record<string, string>): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', cliMain, ...args], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      FLEETPORT_LOG_LEVEL: 'warn',
      FLEETPORT_HOST: '127.0.0.1',
      FLEETPORT_CONSOLE_DIR: consoleDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

/** A command that is meant to end: its exit code and everything it wrote. */
async function finished(args: readonly string[], env: Record<string, string>) {
  const run = cli(args, env);
  const code = await run.exited;
  return { code, output: run.output() };
}

/** `serve` until /readyz answers; rejects with the output if it exits first. */
async function served(env: Record<string, string>, httpPort: number): Promise<Cli> {
  const run = cli(['serve'], { ...env, FLEETPORT_HTTP_PORT: String(httpPort) });
  let ended = false;
  void run.exited.then(() => {
    ended = true;
  });
  for (;;) {
    if (ended) throw new Error(`serve exited before it was ready:\n${run.output()}`);
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(run: Cli): Promise<void> {
  run.process.kill('SIGTERM');
  expect(await run.exited).toBe(0);
}

async function tenantsStatus(httpPort: number, key: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/v1/tenants`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return response.status;
}

function printedKey(output: string): string {
  const match = /FLEETPORT_API_KEY=(fpk_\S+)/.exec(output);
  if (!match?.[1]) throw new Error(`no key printed:\n${output}`);
  return match[1];
}

/** A port some other program (a local Mosquitto, say) already listens on. */
async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}

const occupied: Server[] = [];
afterEach(() => {
  for (const server of occupied.splice(0)) server.close();
});

async function busyPort(): Promise<number> {
  const { port, server } = await occupiedPort();
  occupied.push(server);
  return port;
}

function expectOneLine(output: string, line: string): void {
  expect(output.trim()).toBe(line);
}

describe.each(dialectCases())(
  'first start and the bootstrap key on $name',
  { timeout: 180_000 },
  (dialect) => {
    let database: TestDatabase;
    let env: Record<string, string>;
    beforeAll(async () => {
      database = await dialect.create();
      env = {
        FLEETPORT_DATA_DIR: database.dataDir,
        ...(database.databaseUrl ? { FLEETPORT_DATABASE_URL: database.databaseUrl } : {}),
      };
    });
    afterAll(async () => {
      await database?.drop();
    });

    it('fails on a busy MQTT port with one line and exit 8, creating no key, so the next start prints it', async () => {
      const busy = await busyPort();
      const failed = await finished(['serve'], {
        ...env,
        FLEETPORT_HTTP_PORT: String(await freePort()),
        FLEETPORT_MQTT_PORT: String(busy),
      });
      expect(failed.code).toBe(STARTUP_EXIT_CODE);
      expectOneLine(
        failed.output,
        `fleetport: port_unavailable: FLEETPORT_MQTT_PORT: 127.0.0.1:${busy} is already in use by another program; set FLEETPORT_MQTT_PORT to a free port`,
      );

      const httpPort = await freePort();
      const server = await served({ ...env, FLEETPORT_MQTT_PORT: '0' }, httpPort);
      try {
        const key = printedKey(server.output());
        expect(await tenantsStatus(httpPort, key)).toBe(200);
      } finally {
        await stop(server);
      }
    });

    it('reset-key revokes the lost key and prints a working one; a stale FLEETPORT_ADMIN_KEY is warned about', async () => {
      // The database of the test above: its bootstrap key is the lost one.
      const reset = await finished(['admin', 'reset-key'], env);
      expect(reset.code).toBe(0);
      const first = printedKey(reset.output);
      expect(reset.output).toContain('Revoked the bootstrap key key_');

      const again = await finished(['admin', 'reset-key', '--json'], env);
      expect(again.code).toBe(0);
      const second = JSON.parse(again.output) as { secret: string; revokedKeyIds: string[] };
      expect(second.revokedKeyIds).toHaveLength(1);

      const httpPort = await freePort();
      const server = await served(
        { ...env, FLEETPORT_MQTT_PORT: 'off', FLEETPORT_ADMIN_KEY: first },
        httpPort,
      );
      try {
        expect(server.output()).toContain('FLEETPORT_ADMIN_KEY is ignored');
        expect(server.output()).not.toContain('FLEETPORT_API_KEY=');
        expect(await tenantsStatus(httpPort, first)).toBe(401);
        expect(await tenantsStatus(httpPort, second.secret)).toBe(200);
      } finally {
        await stop(server);
      }
    });
  },
);

describe('start-up problems the operator can fix (SQLite)', { timeout: 120_000 }, () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'fleetport-first-start-'));
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  function dataDir(name: string): string {
    return path.join(scratch, name);
  }

  it('names FLEETPORT_HTTP_PORT when the HTTP port is busy', async () => {
    const busy = await busyPort();
    const failed = await finished(['serve'], {
      FLEETPORT_DATA_DIR: dataDir('http'),
      FLEETPORT_HTTP_PORT: String(busy),
      FLEETPORT_MQTT_PORT: 'off',
    });
    expect(failed.code).toBe(STARTUP_EXIT_CODE);
    expectOneLine(
      failed.output,
      `fleetport: port_unavailable: FLEETPORT_HTTP_PORT: 127.0.0.1:${busy} is already in use by another program; set FLEETPORT_HTTP_PORT to a free port`,
    );
  });

  it('names FLEETPORT_MQTT_TLS_PORT when the TLS port is busy', async () => {
    writeFileSync(path.join(scratch, 'server.crt'), TLS_SERVER_CERT);
    writeFileSync(path.join(scratch, 'server.key'), TLS_SERVER_KEY);
    const busy = await busyPort();
    const failed = await finished(['serve'], {
      FLEETPORT_DATA_DIR: dataDir('tls'),
      FLEETPORT_HTTP_PORT: String(await freePort()),
      FLEETPORT_MQTT_PORT: '0',
      FLEETPORT_MQTT_TLS_PORT: String(busy),
      FLEETPORT_MQTT_TLS_CERT: path.join(scratch, 'server.crt'),
      FLEETPORT_MQTT_TLS_KEY: path.join(scratch, 'server.key'),
    });
    expect(failed.code).toBe(STARTUP_EXIT_CODE);
    expectOneLine(
      failed.output,
      `fleetport: port_unavailable: FLEETPORT_MQTT_TLS_PORT: 127.0.0.1:${busy} is already in use by another program; set FLEETPORT_MQTT_TLS_PORT to a free port`,
    );
  });

  it('names FLEETPORT_MQTT_TLS_CERT when the certificate file is not a certificate', async () => {
    writeFileSync(path.join(scratch, 'garbage.crt'), 'not a certificate\n');
    writeFileSync(path.join(scratch, 'server.key'), TLS_SERVER_KEY);
    const failed = await finished(['serve'], {
      FLEETPORT_DATA_DIR: dataDir('bad-cert'),
      FLEETPORT_HTTP_PORT: String(await freePort()),
      FLEETPORT_MQTT_PORT: 'off',
      FLEETPORT_MQTT_TLS_PORT: '0',
      FLEETPORT_MQTT_TLS_CERT: path.join(scratch, 'garbage.crt'),
      FLEETPORT_MQTT_TLS_KEY: path.join(scratch, 'server.key'),
    });
    expect(failed.code).toBe(STARTUP_EXIT_CODE);
    expect(failed.output.trim().split('\n')).toHaveLength(1);
    expect(failed.output).toMatch(
      /^fleetport: tls_file_invalid: FLEETPORT_MQTT_TLS_CERT: '.*garbage\.crt' is not a usable PEM file \(/,
    );
    // Nothing was created for a start that could not serve.
    expect(existsSync(dataDir('bad-cert'))).toBe(false);
  });

  it('names FLEETPORT_MQTT_TLS_KEY when the key is not the certificate’s', async () => {
    writeFileSync(path.join(scratch, 'server.crt'), TLS_SERVER_CERT);
    writeFileSync(path.join(scratch, 'other.key'), TLS_DEVICE_KEY);
    const failed = await finished(['serve'], {
      FLEETPORT_DATA_DIR: dataDir('wrong-key'),
      FLEETPORT_HTTP_PORT: String(await freePort()),
      FLEETPORT_MQTT_PORT: 'off',
      FLEETPORT_MQTT_TLS_PORT: '0',
      FLEETPORT_MQTT_TLS_CERT: path.join(scratch, 'server.crt'),
      FLEETPORT_MQTT_TLS_KEY: path.join(scratch, 'other.key'),
    });
    expect(failed.code).toBe(STARTUP_EXIT_CODE);
    expectOneLine(
      failed.output,
      `fleetport: tls_file_invalid: FLEETPORT_MQTT_TLS_KEY: '${path.join(scratch, 'other.key')}' is not the private key of the certificate in FLEETPORT_MQTT_TLS_CERT`,
    );
  });

  it('names FLEETPORT_DATA_DIR when the data dir cannot hold the database', async () => {
    // A file where the directory should be: root may write anywhere, but not into a file.
    const notADirectory = path.join(scratch, 'a-file');
    writeFileSync(notADirectory, '');
    const failed = await finished(['serve'], {
      FLEETPORT_DATA_DIR: path.join(notADirectory, 'data'),
      FLEETPORT_HTTP_PORT: String(await freePort()),
      FLEETPORT_MQTT_PORT: 'off',
    });
    expect(failed.code).toBe(STARTUP_EXIT_CODE);
    expect(failed.output.trim().split('\n')).toHaveLength(1);
    expect(failed.output).toMatch(
      /^fleetport: data_dir_unusable: FLEETPORT_DATA_DIR: cannot keep the database in '.*a-file\/data' \(ENOTDIR: /,
    );
  });

  it('names FLEETPORT_DATABASE_URL when PostgreSQL cannot be reached, without its password, in serve and reset-key', async () => {
    const closed = await freePort();
    const env = {
      FLEETPORT_DATABASE_URL: `postgres://fleetport:hunter2-secret@127.0.0.1:${closed}/fleetport`,
      FLEETPORT_HTTP_PORT: String(await freePort()),
      FLEETPORT_MQTT_PORT: 'off',
    };
    const line = `fleetport: database_unreachable: FLEETPORT_DATABASE_URL: cannot use the PostgreSQL database at 127.0.0.1:${closed}/fleetport (connect ECONNREFUSED 127.0.0.1:${closed})`;
    for (const args of [['serve'], ['admin', 'reset-key']]) {
      const failed = await finished(args, env);
      expect(failed.code).toBe(STARTUP_EXIT_CODE);
      expectOneLine(failed.output, line);
    }
  });

  it('reset-key refuses a data dir without a database instead of making one', async () => {
    const failed = await finished(['admin', 'reset-key', '--data-dir', dataDir('typo')], {});
    expect(failed.code).toBe(STARTUP_EXIT_CODE);
    expect(failed.output.trim()).toMatch(
      /^fleetport: data_dir_unusable: FLEETPORT_DATA_DIR: '.*typo' holds no/,
    );
    expect(existsSync(dataDir('typo'))).toBe(false);
  });
});
