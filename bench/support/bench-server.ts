import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../packages/server/src/config.js';
import { createLogger, startServer } from '../../packages/server/src/server.js';
import type { Store } from '../../packages/server/src/store/store.js';
import type { FreshDatabase } from './database-targets.js';

/** A real Fleetport listening on a free loopback port, in this process. */
export interface BenchServer {
  readonly url: string;
  /** The bootstrap (system) key of the `default` tenant. */
  readonly adminKey: string;
  /** The MQTT broker's TCP port. */
  readonly mqttPort: number | undefined;
  /** The server's own store, for checks that count what was stored. */
  readonly store: Store;
  close(): Promise<void>;
}

/**
 * Starts Fleetport as `fleetport serve` would, on a fresh database, with a known admin
 * key, a silent logger and the durable defaults (SQLite synchronous=FULL). The
 * environment is not read, so a developer's FLEETPORT_* variables cannot skew a run.
 */
export async function startBenchServer(
  database: FreshDatabase,
  /** More `serve` flags, e.g. `{ health: false }`. */
  flags: Readonly<Record<string, unknown>> = {},
): Promise<BenchServer> {
  const adminKey = `fpk_bench_${randomBytes(24).toString('base64url')}`;
  const config = loadConfig({
    env: {},
    flags: {
      'data-dir': database.dataDir,
      'http-port': 0,
      'log-level': 'silent',
      'admin-key': adminKey,
      'sqlite-synchronous': 'full',
      'mqtt-port': 0,
      ...(database.databaseUrl ? { 'database-url': database.databaseUrl } : {}),
      ...flags,
    },
  });
  const server = await startServer(config, createLogger(config));
  return {
    url: server.url,
    adminKey,
    mqttPort: server.mqtt.tcpPort,
    store: server.store,
    close: () => server.close(),
  };
}
