import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { createLogger, type RunningServer, startServer } from '../../src/server.js';
import type { TestDatabase } from './databases.js';

/** A real server on a free loopback port, with a known bootstrap key. */
export interface TestServer {
  readonly url: string;
  readonly adminKey: string;
  readonly server: RunningServer;
  /** Authenticated JSON request against the server; returns status, headers and parsed body. */
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface RequestOptions {
  readonly key?: string | null;
  readonly json?: unknown;
  readonly body?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
  readonly body: any;
  readonly text: string;
}

export async function startTestServer(
  database: TestDatabase,
  flags: Readonly<Record<string, unknown>> = {},
): Promise<TestServer> {
  const adminKey = `fpk_test_${randomBytes(24).toString('base64url')}`;
  const config = loadConfig({
    env: {},
    flags: {
      'data-dir': database.dataDir,
      'http-port': 0,
      'log-level': 'silent',
      'admin-key': adminKey,
      // A free port: test servers run side by side; 1883 would collide.
      'mqtt-port': 0,
      // No console unless a test gives one: compressing a real build at every start costs.
      'console-dir': `${database.dataDir}/no-console`,
      ...(database.databaseUrl ? { 'database-url': database.databaseUrl, 'database-pool-size': 4 } : {}),
      ...flags,
    },
  });
  const server = await startServer(config, createLogger(config));
  return {
    url: server.url,
    adminKey,
    server,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const key = options.key === undefined ? adminKey : options.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body: string | Buffer | undefined = options.body;
      if (options.json !== undefined) {
        body = JSON.stringify(options.json);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${server.url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    close: () => server.close(),
  };
}
