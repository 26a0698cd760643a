import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchLine } from '../src/commands/job-commands.js';
import { type CliFixture, json, startCliFixture } from './support/cli-harness.js';

let fx: CliFixture;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  fx = await startCliFixture();
  const ok = async (path: string, body: unknown) => {
    const response = await fx.server.request('POST', path, { json: body });
    expect(response.status, response.text).toBeLessThan(300);
    return response.body;
  };
  await ok('/v1/device-types', { id: 'pump', name: 'pump' });
  for (const id of ['P1', 'P2', 'P3']) {
    await ok('/v1/devices', { id, typeId: 'pump', tags: { site: 'north' } });
    tokens[id] = String((await ok(`/v1/devices/${id}/credentials`, { kind: 'token' })).token);
  }
});
afterAll(async () => {
  await fx?.close();
});

interface JobJson {
  id: string;
  status: string;
  reason: string | null;
  progress: { targeted: number; succeeded: number; failed: number; pending: number; cancelled: number };
}

/** Each device polls its commands and answers them, as a sleepy HTTP device would. */
async function answerAll(status: 'acknowledged' | 'failed'): Promise<number> {
  let answered = 0;
  for (const [id, token] of Object.entries(tokens)) {
    const polled = await fx.server.request('GET', '/v1/device/commands', { key: token });
    for (const command of polled.body.items as { id: string }[]) {
      const ack = await fx.server.request('POST', `/v1/device/commands/${command.id}/ack`, {
        key: token,
        json: { status },
      });
      expect(ack.status, `${id}: ${ack.text}`).toBe(200);
      answered++;
    }
  }
  return answered;
}

describe('fleetport jobs', () => {
  it('creates a job, follows it with --watch to completion, lists and shows it', async () => {
    const watching = fx.cli([
      'jobs',
      'create',
      '--name',
      'restart',
      '--hex',
      '0xCAFE',
      '--transport',
      'http',
      '--confirmed',
      '--where',
      'tags.site == "north"',
      '--concurrency',
      '10',
      '--watch',
    ]);
    // The devices answer once their commands are queued.
    let answered = 0;
    const deadline = Date.now() + 10_000;
    while (answered < 3 && Date.now() < deadline) {
      answered += await answerAll('acknowledged');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(answered).toBe(3);
    const watched = await watching;
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/^status\s+completed$/m);
    expect(watched.stdout).toMatch(/^progress\s+3\/3 done \(ok 3, failed 0/m);
    const id = /^id\s+(job_[0-9a-f]+)$/m.exec(watched.stdout)?.[1] ?? '';
    const listed = await fx.cli(['jobs', 'list']);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+KIND\s+STATUS/m);
    expect(listed.stdout).toContain(id);
    const shown = json<JobJson>(await fx.cli(['--json', 'jobs', 'show', id]));
    expect(shown.progress).toMatchObject({ targeted: 3, succeeded: 3 });
    const devices = await fx.cli(['jobs', 'devices', id, '--status', 'succeeded']);
    expect(devices.stdout.match(/^P\d\s+succeeded\s+1\s+cmd_/gm)).toHaveLength(3);
  });

  it('pauses, resumes and cancels; exit 5 once the job has ended', async () => {
    const created = json<JobJson>(
      await fx.cli([
        '--json',
        'jobs',
        'create',
        '--twin',
        '{"mode":"eco"}',
        '--device',
        'P1',
        '--device',
        'P2',
        '--rate',
        '1',
      ]),
    );
    expect((await fx.cli(['jobs', 'pause', created.id])).stdout.trim()).toBe(`${created.id} paused`);
    expect((await fx.cli(['jobs', 'resume', created.id])).stdout.trim()).toBe(`${created.id} in_progress`);
    expect((await fx.cli(['jobs', 'cancel', created.id])).stdout.trim()).toBe(`${created.id} cancelled`);
    const again = await fx.cli(['jobs', 'pause', created.id]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/job_state_conflict/);
  });

  it('exits 1 when a watched job is aborted', async () => {
    const watching = fx.cli([
      'jobs',
      'create',
      '--hex',
      '01',
      '--transport',
      'http',
      '--confirmed',
      '--device',
      'P3',
      '--abort-percent',
      '0',
      '--abort-min',
      '1',
      '--watch',
    ]);
    let answered = 0;
    const deadline = Date.now() + 10_000;
    while (answered < 1 && Date.now() < deadline) {
      answered += await answerAll('failed');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const watched = await watching;
    expect(watched.code).toBe(1);
    expect(watched.stderr).toMatch(/job_failed: the job was aborted: 1 of 1/);
  });

  it('refuses bad input: usage errors exit 2, the API refusals 3 with their codes', async () => {
    expect((await fx.cli(['jobs', 'create', '--device', 'P1'])).code).toBe(2);
    expect((await fx.cli(['jobs', 'create', '--hex', '01'])).code).toBe(2);
    expect(
      (await fx.cli(['jobs', 'create', '--hex', '01', '--device', 'P1', '--abort-percent', '5'])).code,
    ).toBe(2);
    const unknown = await fx.cli(['jobs', 'create', '--hex', '01', '--device', 'P1', '--device', 'GHOST']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/unknown_devices.*GHOST/);
    const cel = await fx.cli(['jobs', 'create', '--hex', '01', '--where', 'tags.site ==']);
    expect(cel.code).toBe(3);
    expect(cel.stderr).toMatch(/invalid_condition.*line 1, column/);
    expect((await fx.cli(['jobs', 'show', 'job_00000000000000000000000000000000'])).code).toBe(4);
  });

  it('draws a bar on a terminal and none in logs', () => {
    const job = {
      id: 'job_1',
      status: 'in_progress',
      resolved: true,
      progress: {
        targeted: 4,
        pending: 1,
        inProgress: 1,
        succeeded: 1,
        failed: 1,
        timedOut: 0,
        cancelled: 0,
      },
    } as never;
    expect(watchLine(job, true)).toBe(
      'job_1  in_progress  [############............]   50.0%  2/4 done (ok 1, failed 1, timed out 0, cancelled 0), 1 in progress, 1 pending',
    );
    expect(watchLine(job, false)).not.toContain('[');
  });
});
