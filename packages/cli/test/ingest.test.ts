import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, json, startCliFixture, tempDir } from './support/cli-harness.js';

let fx: CliFixture;
/** Device tokens by device id. */
const tokens = new Map<string, string>();

async function deviceWithToken(id: string): Promise<Record<string, string>> {
  await fx.cli(['devices', 'create', '--id', id, '--type', 'meter']);
  const created = await fx.cli(['--json', 'devices', 'credentials', 'add-token', id]);
  const token = json<{ token: string }>(created).token;
  tokens.set(id, token);
  return { FLEETPORT_DEVICE_TOKEN: token };
}

interface MessageJson {
  id: string;
  seq: number | null;
  timeliness: string;
  payload: { hex: string; size: number };
  json: unknown;
  messageId: string | null;
  deviceTime: string | null;
}

async function history(device: string): Promise<MessageJson[]> {
  const result = await fx.cli(['--json', 'messages', 'list', device, '--order', 'asc', '--all']);
  expect(result.code).toBe(0);
  return json<{ items: MessageJson[] }>(result).items;
}

beforeAll(async () => {
  fx = await startCliFixture();
  await fx.cli(['device-types', 'create', '--id', 'meter', '--name', 'Meter']);
});
afterAll(async () => {
  await fx?.close();
});

describe('fleetport ingest, one message', () => {
  it('stores a hex payload sent with the device token from the environment', async () => {
    const env = await deviceWithToken('in-1');
    const result = await fx.cli(['ingest', '--hex', '0a0b0c', '--seq', '7'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^stored message [0-9a-f-]{36} \(live\)\n$/);
    const [stored] = await history('in-1');
    expect(stored).toMatchObject({ seq: 7, timeliness: 'live', payload: { hex: '0a0b0c', size: 3 } });
  });

  it('takes --token over the environment, and base64, JSON, time and message id fields', async () => {
    await deviceWithToken('in-2');
    const token = tokens.get('in-2') ?? '';
    const b64 = await fx.cli(['ingest', '--token', token, '--base64', 'AQID', '--message-id', 'm-1'], {
      FLEETPORT_DEVICE_TOKEN: 'fpd_not_this_one',
    });
    expect(b64.code).toBe(0);
    const jsonPayload = await fx.cli([
      '--json',
      'ingest',
      '--token',
      token,
      '--json-payload',
      '{"temp":21.5}',
      '--time',
      new Date(Date.now() - 3600_000).toISOString(),
    ]);
    expect(jsonPayload.code).toBe(0);
    // One hour old is beyond the type's default lateAfterSeconds (600): stored, labelled late.
    expect(json(jsonPayload)).toMatchObject({ duplicate: false, timeliness: 'late' });
    const stored = await history('in-2');
    expect(stored).toHaveLength(2);
    expect(stored.find((m) => m.messageId === 'm-1')).toMatchObject({ payload: { hex: '010203' } });
    expect(stored.find((m) => m.json !== null)).toMatchObject({ json: { temp: 21.5 }, timeliness: 'late' });
  });

  it('says "already stored" for a retry with the same message id, and stores it once', async () => {
    const env = await deviceWithToken('in-3');
    const first = await fx.cli(['ingest', '--hex', 'ff', '--message-id', 'retry-1'], env);
    const again = await fx.cli(['ingest', '--hex', 'ff', '--message-id', 'retry-1'], env);
    expect(first.code).toBe(0);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^already stored: message [0-9a-f-]{36} \(live\); nothing changed\n$/);
    expect(again.stdout).toContain(first.stdout.split(' ')[2] ?? 'missing');
    expect(await history('in-3')).toHaveLength(1);
  });

  it('exits 6 for a token the server does not know, and 2 without any token', async () => {
    const bad = await fx.cli(['ingest', '--hex', '00', '--token', 'fpd_nobody']);
    expect(bad.code).toBe(6);
    expect(bad.stderr).toMatch(/^fleetport: unauthenticated: /);
    const none = await fx.cli(['ingest', '--hex', '00']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^fleetport: missing_device_token: /);
  });

  it('does not fall back to the API key when no device token is given', async () => {
    // The fixture's environment holds the admin key; with no device token, nothing is sent.
    const result = await fx.cli(['ingest', '--hex', '00'], { FLEETPORT_API_KEY: fx.server.adminKey });
    expect(result.code).toBe(2);
  });

  it('exits 3 with the server problem for a payload the API refuses, and stores nothing', async () => {
    const env = await deviceWithToken('in-4');
    const oddHex = await fx.cli(['ingest', '--hex', 'abc'], env);
    expect(oddHex.code).toBe(3);
    expect(oddHex.stderr).toMatch(/^fleetport: validation_failed: .*hex/);
    const absurd = await fx.cli(['ingest', '--hex', '00', '--time', '1990-01-01T00:00:00Z'], env);
    expect(absurd.code).toBe(3);
    expect(absurd.stderr).toMatch(/time is not a plausible device time/);
    expect(await history('in-4')).toHaveLength(0);
  });

  it('exits 2 for flags that cannot make one message', async () => {
    const env = await deviceWithToken('in-5');
    const cases = [
      [['ingest'], /exactly one of --hex, --base64 or --json-payload/],
      [['ingest', '--hex', '00', '--base64', 'AA=='], /exactly one of/],
      [['ingest', '--json-payload', '{oops'], /not valid JSON/],
      [['ingest', '--hex', '00', '--seq', '-1'], /expected a whole number/],
      [['ingest', '--hex', '00', '--seq', '4294967296'], /must be between 0 and 4294967295/],
      [['ingest', '--hex', '00', '--time', 'yesterday'], /expected an ISO 8601 date-time/],
      [['ingest', '--file', 'x.ndjson', '--hex', '00'], /--file takes its messages from the file/],
    ] as const;
    for (const [args, message] of cases) {
      const result = await fx.cli(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect(await history('in-5')).toHaveLength(0);
  });
});

describe('fleetport ingest --file', () => {
  it('sends an NDJSON file in batches of at most 1000 and reports the totals', async () => {
    const env = await deviceWithToken('file-1');
    const lines = Array.from({ length: 2500 }, (_, i) =>
      JSON.stringify({ hex: (i % 256).toString(16).padStart(2, '0'), seq: i + 1 }),
    );
    // Blank lines are skipped; an old device time makes a message late.
    lines.splice(10, 0, '', JSON.stringify({ json: { n: 1 }, time: '2024-01-01T00:00:00Z' }));
    const file = path.join(tempDir(), 'uplinks.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const result = await fx.cli(['ingest', '--file', file], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `ingested 2501 messages from ${file} in 3 batches: 2501 new, 0 already stored; 2500 live, 1 late, 0 replayed\n`,
    );
    const stored = await history('file-1');
    expect(stored).toHaveLength(2501);

    // The same file again: every message is already stored (same sequence numbers and payloads).
    const again = await fx.cli(['--json', 'ingest', '--file', file, '--quiet'], env);
    expect(again.code).toBe(0);
    expect(json(again)).toEqual({
      file,
      messages: 2501,
      created: 0,
      duplicates: 2501,
      timeliness: { live: 2500, late: 1, replayed: 0 },
      batches: 3,
    });
    expect(await history('file-1')).toHaveLength(2501);
  });

  it('reads standard input with --file -', async () => {
    const env = await deviceWithToken('file-2');
    const { Readable } = await import('node:stream');
    const { run } = await import('../src/main.js');
    const { Capture } = await import('./support/cli-harness.js');
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await run(['ingest', '--file', '-'], {
      stdout,
      stderr,
      env: { ...fx.env, ...env, FLEETPORT_CONFIG_HOME: tempDir() },
      stdin: Readable.from(['{"hex":"01"}\n{"hex":"02"}\n']),
    });
    expect(stderr.text).toBe('');
    expect(code).toBe(0);
    expect(stdout.text).toMatch(/^ingested 2 messages from stdin in 1 batch: 2 new/);
  });

  it('exits 3 naming the line when a line is not a message object, before sending anything', async () => {
    const env = await deviceWithToken('file-3');
    const file = path.join(tempDir(), 'broken.ndjson');
    writeFileSync(file, '{"hex":"01"}\n{"hex":"02"}\n[1,2]\n');
    const result = await fx.cli(['ingest', '--file', file], env);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^fleetport: invalid_input: line 3 of .*broken\.ndjson must be a message object/,
    );
    const notJson = path.join(tempDir(), 'not-json.ndjson');
    writeFileSync(notJson, '{"hex":"01"}\n{hex:02}\n');
    const second = await fx.cli(['ingest', '--file', notJson], env);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/line 2 of .* is not JSON/);
    expect(await history('file-3')).toHaveLength(0);
  });

  it('exits 3 when the server refuses a batch, saying which line and what was stored before it', async () => {
    const env = await deviceWithToken('file-4');
    const lines = Array.from({ length: 1005 }, (_, i) => JSON.stringify({ hex: '00', seq: i + 1 }));
    lines[1002] = JSON.stringify({ hex: 'zz', seq: 1003 });
    const file = path.join(tempDir(), 'refused.ndjson');
    writeFileSync(file, lines.join('\n'));
    const result = await fx.cli(['ingest', '--file', file, '--quiet'], env);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'the batch of lines 1001-1005 was refused (at line 1003) and none of it stored; the 1000 messages before line 1001 were stored',
    );
    expect(result.stderr).toMatch(/^fleetport: validation_failed: /m);
    expect(await history('file-4')).toHaveLength(1000);
  });

  it('exits 2 for a file that cannot be read', async () => {
    const env = await deviceWithToken('file-5');
    const result = await fx.cli(['ingest', '--file', path.join(tempDir(), 'missing.ndjson')], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read .*missing\.ndjson/);
  });
});
