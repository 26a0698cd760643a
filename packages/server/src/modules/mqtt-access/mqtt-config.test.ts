import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('mqtt configuration', () => {
  it('defaults to TCP on 1883 and WebSocket on, TLS and anonymous clients off', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({
      mqttPort: 1883,
      mqttTlsPort: undefined,
      mqttWebsocket: true,
      mqttTlsRequestCert: false,
      mqttAnonymousTenant: undefined,
      mqttMaxConnections: 100_000,
      mqttMaxPacketSize: 1024 * 1024,
      mqttMaxKeepAlive: 0,
    });
  });

  it('turns the TCP listener off with "off" and reads booleans and limits', () => {
    const config = loadConfig({
      env: {
        FLEETPORT_MQTT_PORT: 'off',
        FLEETPORT_MQTT_WEBSOCKET: 'false',
        FLEETPORT_MQTT_MAX_INFLIGHT: '10',
        FLEETPORT_MQTT_ANONYMOUS_TENANT: 'interop',
      },
    });
    expect(config.mqttPort).toBeUndefined();
    expect(config.mqttWebsocket).toBe(false);
    expect(config.mqttMaxInflight).toBe(10);
    expect(config.mqttAnonymousTenant).toBe('interop');
  });

  it('needs readable certificate and key files for TLS', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetport-mqtt-config-'));
    const cert = path.join(dir, 'cert.pem');
    writeFileSync(cert, 'x');
    expect(problemsOf({ FLEETPORT_MQTT_TLS_PORT: '8883' })).toEqual([
      'FLEETPORT_MQTT_TLS_CERT: required when FLEETPORT_MQTT_TLS_PORT is set',
      'FLEETPORT_MQTT_TLS_KEY: required when FLEETPORT_MQTT_TLS_PORT is set',
    ]);
    const problems = problemsOf({
      FLEETPORT_MQTT_TLS_PORT: '8883',
      FLEETPORT_MQTT_TLS_CERT: cert,
      FLEETPORT_MQTT_TLS_KEY: path.join(dir, 'missing.key'),
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^FLEETPORT_MQTT_TLS_KEY: cannot read the file .*missing\.key/);
    expect(
      loadConfig({
        env: { FLEETPORT_MQTT_TLS_PORT: '8883', FLEETPORT_MQTT_TLS_CERT: cert, FLEETPORT_MQTT_TLS_KEY: cert },
      }).mqttTlsCert,
    ).toBe(cert);
  });

  it('reports every bad MQTT value at once', () => {
    const problems = problemsOf({
      FLEETPORT_MQTT_PORT: '8080',
      FLEETPORT_HTTP_PORT: '8080',
      FLEETPORT_MQTT_WEBSOCKET: 'maybe',
      FLEETPORT_MQTT_MAX_PACKET_SIZE: '10',
      FLEETPORT_MQTT_MAX_CONNECTIONS: '0',
      FLEETPORT_MQTT_ANONYMOUS_TENANT: 'Not A Tenant',
      FLEETPORT_MQTT_TLS_REQUEST_CERT: 'sometimes',
    });
    expect(problems).toEqual([
      "FLEETPORT_MQTT_TLS_REQUEST_CERT: must be true or false (or on/off), got 'sometimes'",
      "FLEETPORT_MQTT_WEBSOCKET: must be true or false (or on/off), got 'maybe'",
      'FLEETPORT_MQTT_MAX_CONNECTIONS: must be between 1 and 10000000, got 0',
      'FLEETPORT_MQTT_MAX_PACKET_SIZE: must be between 1024 and 268435460, got 10',
      'FLEETPORT_MQTT_ANONYMOUS_TENANT: must be a tenant id (lower-case letters, digits, dashes)',
      'FLEETPORT_MQTT_PORT: must differ from FLEETPORT_HTTP_PORT (both 8080)',
    ]);
  });
});
