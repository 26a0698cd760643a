import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without types; it returns the built file's path.
import { buildBackup } from '../../../scripts/build-backup.mjs';

const KEY = 'process-test-key-0123456789abcdef';
const cleanup: string[] = [];
let program: string;

beforeAll(async () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'fleetport-backup-build-'));
  cleanup.push(outdir);
  program = (await buildBackup(outdir)) as string;
});

afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts the built program on a free port and waits for its "listening" line. */
async function start(dataDir: string, extra: readonly string[] = []): Promise<Running> {
  const child = spawn(process.execPath, [program, '--port', '0', '--data-dir', dataDir, ...extra], {
    env: { PATH: process.env.PATH ?? '', FLEETPORT_BACKUP_KEY: KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.includes('"fleetport-backup listening"'));
      if (line) resolve(String((JSON.parse(line) as { url: string }).url));
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening:\n${output}`)));
  });
  return { child, url, output: () => output, exited };
}

async function send(url: string, n: number): Promise<Response> {
  return fetch(`${url}/v1/callbacks/sigfox/tracker`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-fleetport-secret': 'fpc_secret' },
    body: JSON.stringify({ device: '1A2B3C', seqNumber: n, time: 1765000000 + n, data: 'c0ffee' }),
  });
}

async function records(url: string): Promise<{ id: string; body: string }[]> {
  const response = await fetch(`${url}/records?since=0&limit=5000`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  return ((await response.json()) as { records: { id: string; body: string }[] }).records;
}

describe('the fleetport-backup program', () => {
  it('keeps every acknowledged request through SIGKILL, then stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fleetport-backup-proc-'));
    cleanup.push(dataDir);
    const first = await start(dataDir);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => send(first.url, i + 1)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(204));
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await start(dataDir);
    const kept = await records(second.url);
    expect(kept.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const seqNumbers = kept.map(
      (r) => (JSON.parse(Buffer.from(r.body, 'base64').toString()) as { seqNumber: number }).seqNumber,
    );
    expect(new Set(seqNumbers).size).toBe(50);
    expect((await send(second.url, 51)).headers.get('fleetport-backup-record')).toBe('51');
    const health = (await (await fetch(`${second.url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', lastRecord: 51 });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain('fleetport-backup stopped');
    expect(readdirSync(dataDir).filter((name) => name.endsWith('.seg'))).toHaveLength(1);
  });

  it('exits 2 naming every bad setting, and 8 when its port is taken', async () => {
    const child = spawn(process.execPath, [program, '--port', 'x', '--retention-days=-1'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('--port (FLEETPORT_BACKUP_PORT) must be a port number');
    expect(stderr).toContain('--retention-days');
    expect(stderr).toContain('--key (FLEETPORT_BACKUP_KEY) is required');

    const dataDir = mkdtempSync(path.join(tmpdir(), 'fleetport-backup-proc-'));
    cleanup.push(dataDir);
    const running = await start(dataDir);
    const port = new URL(running.url).port;
    const clash = spawn(process.execPath, [program, '--port', port, '--data-dir', dataDir], {
      env: { PATH: process.env.PATH ?? '', FLEETPORT_BACKUP_KEY: KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let clashErr = '';
    clash.stderr.on('data', (chunk: Buffer) => {
      clashErr += chunk.toString();
    });
    expect(await new Promise((resolve) => clash.once('exit', resolve))).toBe(8);
    expect(clashErr).toContain('cannot listen');
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });
});
