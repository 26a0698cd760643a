import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases } from '../../server/test/support/databases.js';
import { startTestServer } from '../../server/test/support/test-server.js';
import { type CliFixture, closedPort, json, startCliFixture, tempDir } from './support/cli-harness.js';
import { startCli } from './support/running-cli.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

let fx: CliFixture;

async function deviceEnv(id: string, type = 'meter'): Promise<Record<string, string>> {
  await fx.cli(['devices', 'create', '--id', id, '--type', type]);
  const created = await fx.cli(['--json', 'devices', 'credentials', 'add-token', id]);
  return { FLEETPORT_DEVICE_TOKEN: json<{ token: string }>(created).token };
}

async function ingest(env: Record<string, string>, ...args: string[]): Promise<string> {
  const result = await fx.cli(['--json', 'ingest', ...args], env);
  expect(result.stderr).toBe('');
  return json<{ id: string }>(result).id;
}

/** The feed's current end, so that a tail started now sees exactly what follows. */
async function feedEnd(): Promise<string> {
  const response = await fx.server.request('GET', '/v1/changes?since=latest&limit=1');
  return response.body.nextCursor as string;
}

interface MessageJson {
  id: string;
  deviceId: string;
  seq: number | null;
  timeliness: string;
  outOfOrder: boolean;
  receptions?: unknown[];
}

const hourAgo = () => new Date(Date.now() - 3600_000).toISOString();

beforeAll(async () => {
  fx = await startCliFixture();
  await fx.cli(['device-types', 'create', '--id', 'meter', '--name', 'Meter']);
  await fx.cli(['device-types', 'create', '--id', 'tracker', '--name', 'Tracker']);
});
afterAll(async () => {
  await fx?.close();
});

describe('fleetport messages list', () => {
  let ids: string[] = [];
  beforeAll(async () => {
    const env = await deviceEnv('hist-1');
    ids = [
      await ingest(env, '--hex', '0102', '--seq', '1'),
      await ingest(env, '--json-payload', '{"temp":20}', '--seq', '2'),
      await ingest(env, '--hex', `${'ab'.repeat(40)}`, '--seq', '3', '--time', hourAgo()),
      await ingest(env, '--hex', '05', '--seq', '6'),
      await ingest(env, '--hex', '04', '--seq', '4'),
    ];
  });

  it('shows the history newest first, with late and out-of-order messages labelled in words', async () => {
    const result = await fx.cli(['messages', 'list', 'hist-1']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^ID\s+RECEIVED\s+SEQ\s+TIMELINESS\s+ORDER\s+TRANSPORT\s+PAYLOAD\s+JSON\s+DECODED$/,
    );
    expect(lines).toHaveLength(6);
    // Newest first: seq 4 came last, after 6, so it is out of order. No codec: not decoded.
    expect(lines[1]).toMatch(
      new RegExp(`^${ids[4]}\\s+\\S+Z\\s+4\\s+live\\s+out-of-order\\s+http\\s+04\\s+-\\s+-$`),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^${ids[3]}\\s+\\S+Z\\s+6 gap\\s+live\\s+-\\s+http\\s+05\\s+-\\s+-$`),
    );
    // An hour old: late, and older than the messages before it, so out of order too.
    expect(lines[3]).toMatch(
      new RegExp(
        `^${ids[2]}\\s+\\S+Z\\s+3\\s+LATE\\s+out-of-order\\s+http\\s+${'ab'.repeat(12)}… \\(40 B\\)\\s+-\\s+-$`,
      ),
    );
    expect(lines[4]).toMatch(/\s2\s+live\s+-\s+http\s+7b2274656d70223a32307d\s+\{"temp":20\}\s+-$/);
  });

  it('pages with --order asc, --limit and --all, and prints the API JSON with --json', async () => {
    const page = await fx.cli(['--json', 'messages', 'list', 'hist-1', '--order', 'asc', '--limit', '2']);
    const first = json<{ items: MessageJson[]; nextCursor: string | null }>(page);
    expect(first.items.map((m) => m.seq)).toEqual([1, 2]);
    expect(first.nextCursor).not.toBeNull();

    const human = await fx.cli(['messages', 'list', 'hist-1', '--order', 'asc', '--limit', '2']);
    expect(human.stderr).toMatch(/^more messages: --all, or --cursor \S+$/m);

    const next = await fx.cli([
      '--json',
      'messages',
      'list',
      'hist-1',
      '--order',
      'asc',
      '--limit',
      '2',
      '--cursor',
      first.nextCursor ?? '',
    ]);
    expect(json<{ items: MessageJson[] }>(next).items.map((m) => m.seq)).toEqual([3, 6]);

    const all = await fx.cli([
      '--json',
      'messages',
      'list',
      'hist-1',
      '--order',
      'asc',
      '--limit',
      '2',
      '--all',
    ]);
    expect(json<{ items: MessageJson[]; nextCursor: null }>(all)).toMatchObject({ nextCursor: null });
    expect(json<{ items: MessageJson[] }>(all).items.map((m) => m.seq)).toEqual([1, 2, 3, 6, 4]);
  });

  it('filters by receive time with --from and --to', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString();
    const none = await fx.cli(['messages', 'list', 'hist-1', '--from', future]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe('no messages from device hist-1\n');
    const all = await fx.cli(['--json', 'messages', 'list', 'hist-1', '--from', hourAgo(), '--to', future]);
    expect(json<{ items: unknown[] }>(all).items).toHaveLength(5);
  });

  it('adds a receptions column and the receptions with --receptions', async () => {
    const result = await fx.cli(['messages', 'list', 'hist-1', '--receptions']);
    expect(result.stdout.split('\n')[0]).toMatch(/\sORDER\s+TRANSPORT\s+RX\s+PAYLOAD\s/);
    const asJson = await fx.cli(['--json', 'messages', 'list', 'hist-1', '--receptions']);
    expect(json<{ items: MessageJson[] }>(asJson).items[0]?.receptions).toEqual([]);
  });

  it('exits 4 for an unknown device and 2 for bad flags', async () => {
    expect((await fx.cli(['messages', 'list', 'ghost'])).code).toBe(4);
    const badOrder = await fx.cli(['messages', 'list', 'hist-1', '--order', 'sideways']);
    expect(badOrder.code).toBe(2);
    expect(badOrder.stderr).toContain('expected one of asc, desc');
    expect((await fx.cli(['messages', 'list', 'hist-1', '--from', 'soon'])).code).toBe(2);
    expect((await fx.cli(['messages', 'list', 'hist-1', '--limit', '0'])).code).toBe(2);
  });
});

describe('fleetport messages get', () => {
  it('shows one message in full', async () => {
    const env = await deviceEnv('get-1');
    const id = await ingest(env, '--hex', 'deadbeef', '--seq', '9', '--message-id', 'abc-1');
    const result = await fx.cli(['messages', 'get', id]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^id\\s+${id}$`, 'm'));
    expect(result.stdout).toMatch(/^device\s+get-1$/m);
    expect(result.stdout).toMatch(/^transport\s+http$/m);
    expect(result.stdout).toMatch(/^timeliness\s+live$/m);
    expect(result.stdout).toMatch(/^seq\s+9 \(first\)$/m);
    expect(result.stdout).toMatch(/^message id\s+abc-1$/m);
    expect(result.stdout).toMatch(/^payload\s+deadbeef \(4 B\)$/m);
    const asJson = await fx.cli(['--json', 'messages', 'get', id]);
    expect(json(asJson)).toMatchObject({ id, deviceId: 'get-1', payload: { hex: 'deadbeef', size: 4 } });
  });

  it('exits 4 for a message that does not exist', async () => {
    const result = await fx.cli(['messages', 'get', '01900000-0000-7000-8000-000000000000']);
    expect(result.code).toBe(4);
  });
});

describe('fleetport devices state', () => {
  it('shows last seen, the latest live message, the counters and the open gaps', async () => {
    const env = await deviceEnv('state-1');
    await ingest(env, '--hex', '01', '--seq', '1');
    const latest = await ingest(env, '--hex', '05', '--seq', '5');
    await ingest(env, '--hex', '05', '--seq', '5');
    await ingest(env, '--hex', '09', '--seq', '3', '--time', hourAgo());
    const result = await fx.cli(['devices', 'state', 'state-1']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^device\s+state-1$/m);
    expect(result.stdout).toMatch(/^last seen\s+\d{4}-\S+Z$/m);
    expect(result.stdout).toMatch(
      new RegExp(`^latest live\\s+${latest} \\(\\S+Z, seq 5 gap, payload 05\\)$`, 'm'),
    );
    expect(result.stdout).toMatch(/^messages\s+3$/m);
    expect(result.stdout).toMatch(/^duplicates\s+1$/m);
    expect(result.stdout).toMatch(/^out of order\s+1$/m);
    expect(result.stdout).toMatch(/^sequence max\s+5$/m);
    expect(result.stdout).toMatch(/^sequence resets\s+0$/m);
    // 2 to 4 were missing; the late 3 filled its place, leaving 2 and 4.
    expect(result.stdout).toMatch(/^open gaps\s+2: 2, 4$/m);

    const asJson = await fx.cli(['--json', 'devices', 'state', 'state-1']);
    expect(json(asJson)).toMatchObject({
      deviceId: 'state-1',
      latestMessage: { id: latest },
      messageCount: 3,
      sequence: { max: 5, resets: 0 },
    });
  });

  it('answers with empty values for a device that never sent anything, and exits 4 for none', async () => {
    await fx.cli(['devices', 'create', '--id', 'state-2', '--type', 'meter']);
    const result = await fx.cli(['devices', 'state', 'state-2']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^last seen\s+-$/m);
    expect(result.stdout).toMatch(/^latest live\s+-$/m);
    expect(result.stdout).toMatch(/^open gaps\s+none$/m);
    expect((await fx.cli(['devices', 'state', 'ghost'])).code).toBe(4);
  });
});

describe('fleetport messages tail', () => {
  it('prints each new message of the chosen devices as one line, until stopped, then the cursor', async () => {
    const one = await deviceEnv('tail-1');
    const two = await deviceEnv('tail-2');
    const since = await feedEnd();
    const tail = startCli(['messages', 'tail', '--since', since, '--device', 'tail-1'], fx.env);
    await ingest(two, '--hex', 'ee', '--seq', '1');
    const id = await ingest(one, '--hex', '0a0b', '--seq', '1');
    await tail.waitFor(/tail-1/);
    const result = await tail.stop();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^\\d{4}-\\S+Z tail-1 seq=1 live hex=0a0b json=- id=${id}\\n$`));
    const stopped = /stopped at cursor (\d+); resume with --since (\d+)\n$/.exec(result.stderr);
    expect(stopped?.[1]).toBeDefined();
    expect(stopped?.[2]).toBe(stopped?.[1]);
    expect(Number(stopped?.[1])).toBeGreaterThan(Number(since));

    // Resuming from the printed cursor sees what came after, and nothing before.
    const later = await ingest(one, '--hex', '0c', '--seq', '2', '--time', hourAgo());
    const resumed = startCli(['--json', 'messages', 'tail', '--since', stopped?.[1] ?? ''], fx.env);
    await resumed.waitFor(/\n/);
    const end = await resumed.stop();
    expect(end.code).toBe(0);
    const lines = end.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      kind: 'message.created',
      entityId: later,
      data: { deviceId: 'tail-1', timeliness: 'late' },
    });
  });

  it('filters by device type, and labels late and out-of-order messages in the line', async () => {
    const tracker = await deviceEnv('tail-3', 'tracker');
    const meter = await deviceEnv('tail-4');
    const since = await feedEnd();
    const tail = startCli(['messages', 'tail', '--since', since, '--type', 'tracker'], fx.env);
    await ingest(meter, '--hex', '01');
    await ingest(tracker, '--hex', '02', '--seq', '10');
    await ingest(tracker, '--hex', '03', '--seq', '8', '--time', hourAgo());
    await tail.waitFor(/seq=8/);
    const result = await tail.stop();
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ tail-3 seq=10 live hex=02 /);
    expect(lines[1]).toMatch(/ tail-3 seq=8 LATE out-of-order hex=03 /);
  });

  it('prints decodes with --decoded, stops by itself after --count lines, and resumes after the last one', async () => {
    await fx.cli(['device-types', 'create', '--id', 'th', '--name', 'T/H']);
    const source =
      "function decodeUplink(input) { if (input.bytes[0] === 255) throw new Error('boom'); return { data: { t: input.bytes[0] } }; }";
    const saved = await fx.server.request('PUT', '/v1/device-types/th/codec', {
      json: { kind: 'javascript', source },
    });
    expect(saved.status).toBeLessThan(300);
    const env = await deviceEnv('dec-1', 'th');
    const since = await feedEnd();
    const ids = [
      await ingest(env, '--hex', '15', '--seq', '1'),
      await ingest(env, '--hex', '16', '--seq', '2'),
      await ingest(env, '--hex', 'ff', '--seq', '3'),
    ];
    const two = await fx.cli(['messages', 'tail', '--since', since, '--decoded', '--count', '2']);
    expect(two.code).toBe(0);
    const resumeAt = /resume with --since (\d+)\n$/.exec(two.stderr)?.[1] ?? '';
    const last = await fx.cli(['messages', 'tail', '--since', resumeAt, '--decoded', '--count', '1']);
    expect(last.code).toBe(0);
    const lines = `${two.stdout}${last.stdout}`.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const byId = new Map(lines.map((line) => [/ id=(\S+)$/.exec(line)?.[1], line]));
    expect([...byId.keys()].sort()).toEqual([...ids].sort());
    expect(byId.get(ids[0])).toMatch(/^\d{4}-\S+Z dec-1 decoded=\{"t":21\} id=/);
    expect(byId.get(ids[1])).toMatch(/ dec-1 decoded=\{"t":22\} id=/);
    expect(byId.get(ids[2])).toMatch(/ dec-1 decoded=error: codec_threw: .*boom.* id=/);

    // Every decode has been seen above, so the table shows them.
    const list = await fx.cli(['messages', 'list', 'dec-1']);
    expect(list.stdout).toMatch(/\shttp\s+15\s+-\s+\{"t":21\}$/m);
    expect(list.stdout).toMatch(/\shttp\s+ff\s+-\s+error: codec_threw: /m);
  });

  it('exits 2 for a bad --since, and 7 when the server cannot be reached at the start', async () => {
    const bad = await fx.cli(['messages', 'tail', '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected a change cursor (digits) or latest');
    const port = await closedPort();
    const tail = startCli(['messages', 'tail'], { ...fx.env, FLEETPORT_URL: `http://127.0.0.1:${port}` });
    const result = await tail.done;
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/^fleetport: unreachable: cannot reach Fleetport/);
  });

  it('exits 6 with a key the server refuses', async () => {
    const tail = startCli(['messages', 'tail'], { ...fx.env, FLEETPORT_API_KEY: 'fpk_wrong' });
    const result = await tail.done;
    expect(result.code).toBe(6);
  });

  it('reconnects when the server goes away and comes back, and misses nothing', async () => {
    const [sqlite] = dialectCases();
    if (!sqlite) throw new Error('no SQLite dialect case');
    const database = await sqlite.create();
    const port = await closedPort();
    let server = await startTestServer(database, { 'http-port': port });
    const key = server.adminKey;
    const tail = startCli(['messages', 'tail', '--since', '0'], {
      FLEETPORT_URL: server.url,
      FLEETPORT_API_KEY: key,
    });
    try {
      const headers = { authorization: `Bearer ${key}` };
      await server.request('POST', '/v1/device-types', { json: { id: 'meter', name: 'Meter' } });
      await server.request('POST', '/v1/devices', { json: { id: 'gone-1', typeId: 'meter' } });
      const token = (
        await server.request('POST', '/v1/devices/gone-1/credentials', { json: { kind: 'token' } })
      ).body.token as string;
      const send = (hex: string) =>
        server.request('POST', '/v1/ingest', { key: token, json: { hex }, headers });
      await send('01');
      await tail.waitFor(/hex=01/);

      await server.close();
      await tail.waitFor(/lost the server \(.+\); reconnecting from cursor \d+/, { stream: 'stderr' });
      server = await startTestServer(database, { 'http-port': port, 'admin-key': key });
      await send('02');
      await tail.waitFor(/hex=02/);
      const result = await tail.stop();
      expect(result.code).toBe(0);
      expect(result.stdout.match(/hex=0\d/g)).toEqual(['hex=01', 'hex=02']);
      expect(result.stderr.match(/lost the server/g)).toHaveLength(1);
      expect(result.stderr).toMatch(/reconnected; following from cursor \d+/);
    } finally {
      await tail.stop();
      await server.close();
      await database.drop();
    }
  });

  it('ends with exit 0 and the cursor on SIGINT, as a real process', async () => {
    const env = await deviceEnv('tail-sig');
    await ingest(env, '--hex', '42');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'packages/cli/src/main.ts',
        'messages',
        'tail',
        '--since',
        '0',
        '--device',
        'tail-sig',
      ],
      {
        cwd: repo,
        env: { PATH: process.env.PATH ?? '', FLEETPORT_CONFIG_HOME: tempDir(), ...fx.env },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!stdout.includes('hex=42') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(stdout).toContain('tail-sig');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/^stopped at cursor \d+; resume with --since \d+\n$/);
  });
});
