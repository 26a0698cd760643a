import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig } from './config.js';

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

  it('names where a bad value came from: a flag, the environment or a config-file key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetport-config-'));
    const file = path.join(dir, 'fleetport.json');
    writeFileSync(file, JSON.stringify({ adminKey: 'short', bodyLimit: 'big' }));
    expect(
      problemsOf(() =>
        loadConfig({ configFile: file, env: { FLEETPORT_LOG_LEVEL: 'loud' }, flags: { 'http-port': 'x' } }),
      ),
    ).toEqual([
      'FLEETPORT_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
      "config file key 'adminKey': must be at least 32 characters",
      "--http-port: must be a non-negative integer, got 'x'",
      "config file key 'bodyLimit': must be a non-negative integer, got 'big'",
    ]);
  });

  it('declares each key once: no two keys share a name, a variable or a flag', () => {
    const repeated = (names: readonly string[]) =>
      names.filter((name, index) => names.indexOf(name) !== index);
    expect(repeated(configSchema.map((spec) => spec.key))).toEqual([]);
    expect(repeated(configSchema.map((spec) => spec.env))).toEqual([]);
    expect(repeated(configSchema.map((spec) => spec.flag))).toEqual([]);
  });

  it('accepts a PostgreSQL URL', () => {
    expect(loadConfig({ env: { FLEETPORT_DATABASE_URL: 'postgres://u:p@localhost/db' } }).databaseUrl).toBe(
      'postgres://u:p@localhost/db',
    );
  });
});

describe('configuration documentation', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

  /** The variables named in the first column of the table under `heading` (`_KEY` after `FLEETPORT_X_CERT` is `FLEETPORT_X_KEY`). */
  function tableVariables(file: string, heading: string): string[] {
    const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
    const start = lines.indexOf(heading);
    expect(start, `${file} has a "${heading}" section`).toBeGreaterThanOrEqual(0);
    const rows = lines.slice(start + 1).filter((line, index, all) => {
      const previous = all.slice(0, index);
      return line.startsWith('|') && !previous.some((earlier) => earlier.startsWith('## '));
    });
    const names: string[] = [];
    for (const row of rows) {
      const firstCell = row.split('|')[1] ?? '';
      let last = '';
      for (const [, name] of firstCell.matchAll(/`([A-Z_]+)`/g)) {
        if (name === undefined) continue;
        last = name.startsWith('_') ? last.replace(/_[A-Z]+$/, name) : name;
        names.push(last);
      }
    }
    return names;
  }

  const envOf = (section: (typeof configSchema)[number]['section'] | 'not-mqtt') =>
    configSchema
      .filter((spec) => (section === 'not-mqtt' ? spec.section !== 'mqtt' : spec.section === section))
      .map((spec) => spec.env);
  const known = new Set(configSchema.map((spec) => spec.env));

  it("lists every key but MQTT's in the README's table, and nothing that is not a key", () => {
    const listed = tableVariables('README.md', '## Configuration');
    expect(envOf('not-mqtt').filter((env) => !listed.includes(env))).toEqual([]);
    expect(listed.filter((env) => !known.has(env))).toEqual([]);
  });

  it("lists every MQTT key in docs/MQTT.md's table, and nothing that is not a key", () => {
    const listed = tableVariables('docs/MQTT.md', '## Configuration');
    expect(envOf('mqtt').filter((env) => !listed.includes(env))).toEqual([]);
    expect(listed.filter((env) => !known.has(env))).toEqual([]);
  });
});
