import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from './config.js';
import { StartupError, systemErrorCode } from './startup-error.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';

// What `serve` checks before it starts, each failure turned into a StartupError that names
// the setting to change (docs/CLI.md lists the exit codes).

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer | undefined;
}

/**
 * The MQTT TLS files, read and checked before anything else starts, so that a wrong one is
 * reported by its setting instead of as OpenSSL's message from deep inside the listener.
 */
export function readTlsFiles(config: Config): TlsFiles | undefined {
  if (config.mqttTlsPort === undefined || config.mqttTlsCert === undefined || config.mqttTlsKey === undefined)
    return undefined;
  const read = (setting: string, file: string, check: (pem: Buffer) => void): Buffer => {
    try {
      const pem = readFileSync(file);
      check(pem);
      return pem;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new StartupError(
        'tls_file_invalid',
        setting,
        `${setting}: '${file}' is not a usable PEM file (${reason})`,
        { cause: error },
      );
    }
  };
  const cert = read('FLEETPORT_MQTT_TLS_CERT', config.mqttTlsCert, (pem) => new X509Certificate(pem));
  const key = read('FLEETPORT_MQTT_TLS_KEY', config.mqttTlsKey, (pem) => createPrivateKey(pem));
  const ca =
    config.mqttTlsCa === undefined
      ? undefined
      : read('FLEETPORT_MQTT_TLS_CA', config.mqttTlsCa, (pem) => new X509Certificate(pem));
  if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key)))
    throw new StartupError(
      'tls_file_invalid',
      'FLEETPORT_MQTT_TLS_KEY',
      `FLEETPORT_MQTT_TLS_KEY: '${config.mqttTlsKey}' is not the private key of the certificate in FLEETPORT_MQTT_TLS_CERT`,
    );
  return { cert, key, ca };
}

/** Opens the store; on SQLite, a data dir that cannot hold the database is the operator's to fix. */
export function openStoreOrExplain(config: Config): Store {
  if (config.databaseUrl) return openStore(config);
  try {
    return openStore(config);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const code = systemErrorCode(error);
    throw new StartupError(
      'data_dir_unusable',
      'FLEETPORT_DATA_DIR',
      `FLEETPORT_DATA_DIR: cannot keep the database in '${config.dataDir}' (${code ? `${code}: ` : ''}${reason})`,
      { cause: error },
    );
  }
}

/** PostgreSQL: a server that cannot be reached or refuses us is the operator's to fix. */
export async function reachDatabase(config: Pick<Config, 'databaseUrl'>, store: Store): Promise<void> {
  if (!config.databaseUrl) return;
  try {
    await store.ping();
  } catch (error) {
    // The URL may hold a password: only its host, port and database are named.
    let where = 'FLEETPORT_DATABASE_URL';
    try {
      const url = new URL(config.databaseUrl);
      where = `${url.host}${url.pathname}`;
    } catch {
      // pg accepted what URL does not parse: name the setting alone.
    }
    const code = systemErrorCode(error);
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(
      'database_unreachable',
      'FLEETPORT_DATABASE_URL',
      `FLEETPORT_DATABASE_URL: cannot use the PostgreSQL database at ${where} (${code && !reason.includes(code) ? `${code}: ` : ''}${reason})`,
      { cause: error },
    );
  }
}
