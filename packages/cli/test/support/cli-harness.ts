import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll } from 'vitest';
import { dialectCases, type TestDatabase } from '../../../server/test/support/databases.js';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import { run } from '../../src/main.js';

/** What one `fleetport …` run printed and how it exited. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A Writable that keeps what is written, standing in for stdout or stderr. */
export class Capture extends Writable {
  readonly #chunks: Buffer[] = [];

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error) => void,
  ): void {
    this.#chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    callback();
  }

  get text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

/** Runs the CLI in process with `env` as its whole environment. */
export async function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  // A config home of its own, so a developer's real profiles never leak into a test.
  const home = env.FLEETPORT_CONFIG_HOME ?? emptyConfigHome;
  const code = await run(args, { stdout, stderr, env: { FLEETPORT_CONFIG_HOME: home, ...env } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const made: string[] = [];
// Registered while the importing test file is collected, so it runs after that file's tests.
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetport-cli-'));
  made.push(dir);
  return dir;
}

const emptyConfigHome = tempDir();

/** A real server on SQLite, and a `fleetport` bound to it with the bootstrap key. */
export interface CliFixture {
  readonly server: TestServer;
  readonly env: Readonly<Record<string, string>>;
  /** Runs `fleetport args` against the server, as the bootstrap admin unless env says otherwise. */
  cli(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<CliResult>;
  close(): Promise<void>;
}

export async function startCliFixture(): Promise<CliFixture> {
  const [sqlite] = dialectCases();
  if (!sqlite) throw new Error('no SQLite dialect case');
  const database: TestDatabase = await sqlite.create();
  const server = await startTestServer(database);
  const env = { FLEETPORT_URL: server.url, FLEETPORT_API_KEY: server.adminKey };
  return {
    server,
    env,
    cli: (args, extra = {}) => runCli(args, { ...env, ...extra }),
    async close() {
      await server.close();
      await database.drop();
    },
  };
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Parses a run's stdout as JSON. */
export function json<T>(result: CliResult): T {
  return JSON.parse(result.stdout) as T;
}
