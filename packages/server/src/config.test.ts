import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({ env: {} });
    expect(config.httpPort).toBe(8080);
    expect(config.mqttPort).toBe(1883);
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.adminKey).toBeUndefined();
    expect(config.logLevel).toBe('info');
    expect(config.sqliteSynchronous).toBe('full');
  });

  it('lets flags beat the environment, and the environment beat the config file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetport-config-'));
    const file = path.join(dir, 'fleetport.json');
    writeFileSync(file, JSON.stringify({ httpPort: 7000, mqttPort: 7001, logLevel: 'debug' }));
    const config = loadConfig({
      configFile: file,
      env: { FLEETPORT_HTTP_PORT: '7100', FLEETPORT_MQTT_PORT: '7101' },
      flags: { 'http-port': '7200' },
    });
    expect(config.httpPort).toBe(7200);
    expect(config.mqttPort).toBe(7101);
    expect(config.logLevel).toBe('debug');
  });

  it('reads the config file named by FLEETPORT_CONFIG', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetport-config-'));
    const file = path.join(dir, 'f.json');
    writeFileSync(file, JSON.stringify({ host: '0.0.0.0' }));
    expect(loadConfig({ env: { FLEETPORT_CONFIG: file } }).host).toBe('0.0.0.0');
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          FLEETPORT_HTTP_PORT: 'eighty',
          FLEETPORT_MQTT_PORT: '70000',
          FLEETPORT_LOG_LEVEL: 'loud',
          FLEETPORT_DATABASE_URL: 'mysql://x',
          FLEETPORT_ADMIN_KEY: 'short',
        },
      }),
    );
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/FLEETPORT_HTTP_PORT.*non-negative integer/);
    expect(problems.join('\n')).toMatch(/FLEETPORT_MQTT_PORT.*between 0 and 65535/);
    expect(problems.join('\n')).toMatch(/FLEETPORT_LOG_LEVEL.*one of/);
    expect(problems.join('\n')).toMatch(/FLEETPORT_DATABASE_URL/);
    expect(problems.join('\n')).toMatch(/FLEETPORT_ADMIN_KEY.*32/);
  });

  it('refuses unknown keys and invalid JSON in the config file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetport-config-'));
    const unknown = path.join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ htpPort: 1 }));
    expect(problemsOf(() => loadConfig({ env: {}, configFile: unknown }))[0]).toMatch(
      /unknown key 'htpPort'/,
    );
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{ nope');
    expect(problemsOf(() => loadConfig({ env: {}, configFile: broken }))[0]).toMatch(/broken\.json/);
    expect(problemsOf(() => loadConfig({ env: {}, configFile: path.join(dir, 'missing.json') }))[0]).toMatch(
      /ENOENT/,
    );
  });

  it('returns a frozen object', () => {
    const config = loadConfig({ env: {} });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads CORS origins as an exact list, off by default, and refuses paths and wildcards', () => {
    expect(loadConfig({ env: {} }).corsOrigins).toEqual([]);
    expect(
      loadConfig({ env: { FLEETPORT_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' } })
        .corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(problemsOf(() => loadConfig({ env: { FLEETPORT_CORS_ORIGINS: '*' } }))[0]).toMatch(
      /FLEETPORT_CORS_ORIGINS: '\*' is not an origin/,
    );
    expect(
      problemsOf(() => loadConfig({ env: { FLEETPORT_CORS_ORIGINS: 'https://app.example.com/' } }))[0],
    ).toMatch(/is not an origin/);
  });

  it('refuses a metrics token that is short or holds spaces', () => {
    expect(loadConfig({ env: {} }).metricsToken).toBeUndefined();
    expect(problemsOf(() => loadConfig({ env: { FLEETPORT_METRICS_TOKEN: 'short' } }))[0]).toMatch(
      /FLEETPORT_METRICS_TOKEN/,
    );
    expect(loadConfig({ env: { FLEETPORT_METRICS_TOKEN: 'a-long-enough-metrics-token' } }).metricsToken).toBe(
      'a-long-enough-metrics-token',
    );
  });

  it('accepts a PostgreSQL URL', () => {
    expect(loadConfig({ env: { FLEETPORT_DATABASE_URL: 'postgres://u:p@localhost/db' } }).databaseUrl).toBe(
      'postgres://u:p@localhost/db',
    );
  });
});
