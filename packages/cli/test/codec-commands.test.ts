import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, json, startCliFixture, tempDir } from './support/cli-harness.js';

let fx: CliFixture;
let codecFile: string;

/**
 * A thermostat codec in the TS013 style: decodeUplink for readings, encodeDownlink for a
 * set point (its mode read from `input.mode`, a key of its own), and decodeDownlink to show
 * a queued downlink again.
 */
const THERMOSTAT = `
function decodeUplink(input) {
  return { data: { celsius: input.bytes[0] / 2, site: input.site } };
}
function encodeDownlink(input) {
  var mode = input.mode === 'eco' ? 0x02 : 0x01;
  return { bytes: [mode, Math.round(input.data.celsius * 2)], fPort: 5 };
}
function decodeDownlink(input) {
  if (input.bytes.length !== 2) return { errors: ['a set point is 2 bytes'] };
  return { data: { mode: input.bytes[0] === 2 ? 'eco' : 'comfort', celsius: input.bytes[1] / 2 } };
}`;

beforeAll(async () => {
  fx = await startCliFixture();
  codecFile = path.join(tempDir(), 'thermostat.js');
  writeFileSync(codecFile, THERMOSTAT);
});
afterAll(async () => {
  await fx?.close();
});

describe('fleetport codec test', () => {
  it('decodes a downlink given as --bytes with decodeDownlink, and encodes --data', async () => {
    const decoded = await fx.cli(['--json', 'codec', 'test', codecFile, '--downlink', '--bytes', '022b']);
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(json<{ data: unknown; errors: string[] }>(decoded)).toMatchObject({
      data: { mode: 'eco', celsius: 21.5 },
      errors: [],
    });
    const encoded = await fx.cli([
      '--json',
      'codec',
      'test',
      codecFile,
      '--downlink',
      '--data',
      '{"celsius":21.5}',
    ]);
    expect(encoded.code, encoded.stderr).toBe(0);
    expect(json(encoded)).toEqual({ bytes: '012b', fPort: 5, warnings: [], errors: [] });
  });

  it('passes --input keys to the codec, the explicit options winning over keys of the same name', async () => {
    const encoded = await fx.cli([
      '--json',
      'codec',
      'test',
      codecFile,
      '--downlink',
      '--data',
      '{"celsius":18}',
      '--input',
      '{"mode":"eco","data":{"celsius":99}}',
    ]);
    expect(encoded.code, encoded.stderr).toBe(0);
    expect(json<{ bytes: string }>(encoded).bytes).toBe('0224');
    const uplink = await fx.cli([
      '--json',
      'codec',
      'test',
      codecFile,
      '--bytes',
      '2b',
      '--input',
      '{"site":"hall 3","bytes":"ff"}',
    ]);
    expect(uplink.code, uplink.stderr).toBe(0);
    expect(json<{ data: unknown }>(uplink).data).toEqual({ celsius: 21.5, site: 'hall 3' });
  });

  it('fails a downlink decode the codec refuses, and refuses unclear options as usage errors', async () => {
    const refused = await fx.cli(['codec', 'test', codecFile, '--downlink', '--bytes', '02']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('a set point is 2 bytes');
    const both = await fx.cli(['codec', 'test', codecFile, '--downlink', '--bytes', '02', '--data', '{}']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--downlink needs --data JSON (to encode) or --bytes HEX (to decode)');
    const neither = await fx.cli(['codec', 'test', codecFile, '--downlink']);
    expect(neither.code).toBe(2);
    const notObject = await fx.cli(['codec', 'test', codecFile, '--bytes', '02', '--input', '[1]']);
    expect(notObject.code).toBe(2);
  });
});
