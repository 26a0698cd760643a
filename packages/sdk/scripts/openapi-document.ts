import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, loadConfig, startServer } from '@fleetport/server';

/**
 * The server's OpenAPI document, as `GET /openapi.json` serves it: a server built in this
 * process on a throwaway SQLite folder, listening on a free loopback port only because
 * starting means listening, without MQTT or the console. Reaches no network.
 */
export async function openapiDocument(): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'fleetport-openapi-'));
  try {
    const config = loadConfig({
      env: {},
      flags: {
        'data-dir': dataDir,
        host: '127.0.0.1',
        'http-port': 0,
        'mqtt-port': 'off',
        'log-level': 'silent',
        'console-dir': path.join(dataDir, 'no-console'),
      },
    });
    const server = await startServer(config, createLogger(config));
    try {
      return server.app.swagger() as unknown as Record<string, unknown>;
    } finally {
      await server.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
