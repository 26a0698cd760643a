import { afterAll, beforeAll } from 'vitest';
import { dialectCases, type TestDatabase } from '../../server/test/support/databases.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { createFleetportClient, type FleetportClient } from '../src/index.js';

/** A real server on a fresh SQLite file for the test file, and an SDK client with its bootstrap key. */
export interface SdkFixture {
  readonly server: TestServer;
  readonly database: TestDatabase;
  readonly client: FleetportClient;
}

export function useServer(): SdkFixture {
  const fixture = {} as { -readonly [K in keyof SdkFixture]: SdkFixture[K] };
  beforeAll(async () => {
    const [sqlite] = dialectCases();
    if (!sqlite) throw new Error('no SQLite dialect case');
    fixture.database = await sqlite.create();
    fixture.server = await startTestServer(fixture.database);
    fixture.client = createFleetportClient({ url: fixture.server.url, apiKey: fixture.server.adminKey });
  });
  afterAll(async () => {
    await fixture.server?.close();
    await fixture.database?.drop();
  });
  return fixture;
}

/** Resolves with the first value `poll` returns that is not undefined: waits for something that must happen. */
export async function until<T>(poll: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = poll();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
