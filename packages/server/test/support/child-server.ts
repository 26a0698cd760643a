import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from './databases.js';
import { freePort } from './ports.js';

export { freePort };

const serverMain = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const repoRoot = path.resolve(path.dirname(serverMain), '../../..');

/** A Fleetport server in its own process, to be killed or signalled like a real one. */
export interface ChildServer {
  readonly url: string;
  readonly adminKey: string;
  readonly process: ChildProcess;
  /** Everything the process wrote so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `serve()` in a child process on the test database and waits until /readyz answers.
 * The HTTP port is one `freePort()` found; should another process bind it before the child
 * does, the child is started again on another (unless the test pinned the port in `env`).
 */
export async function spawnServer(
  database: TestDatabase,
  {
    adminKey = `fpk_test_${randomBytes(24).toString('base64url')}`,
    env = {} as Record<string, string>,
    readyTimeoutMs = 30_000,
  } = {},
): Promise<ChildServer> {
  for (let attempt = 1; ; attempt += 1) {
    const port = env.FLEETPORT_HTTP_PORT ? Number(env.FLEETPORT_HTTP_PORT) : await freePort();
    try {
      return await startOnce(database, port, adminKey, env, readyTimeoutMs);
    } catch (error) {
      const raced = error instanceof PortTaken && !env.FLEETPORT_HTTP_PORT && attempt < 5;
      if (!raced) throw error;
    }
  }
}

class PortTaken extends Error {}

async function startOnce(
  database: TestDatabase,
  port: number,
  adminKey: string,
  env: Record<string, string>,
  readyTimeoutMs: number,
): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { serve } = await import(${JSON.stringify(serverMain)}); await serve();`,
    ],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        FLEETPORT_DATA_DIR: database.dataDir,
        FLEETPORT_HTTP_PORT: String(port),
        FLEETPORT_HOST: '127.0.0.1',
        FLEETPORT_ADMIN_KEY: adminKey,
        FLEETPORT_LOG_LEVEL: 'warn',
        // A free port unless the test names one: servers run side by side; 1883 would collide.
        FLEETPORT_MQTT_PORT: '0',
        ...(database.databaseUrl ? { FLEETPORT_DATABASE_URL: database.databaseUrl } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  for (;;) {
    if (ended) {
      const message = `the server exited before it was ready:\n${output}`;
      throw output.includes(`EADDRINUSE: address already in use 127.0.0.1:${port}`)
        ? new PortTaken(message)
        : new Error(message);
    }
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not become ready in ${readyTimeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, adminKey, process: child, output: () => output, exited };
}
