import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/logger.js';
import type { IncomingRequest } from '../src/record-codec.js';
import { type LogOptions, SegmentLog } from '../src/segment-log.js';

const dirs: string[] = [];
const logs: SegmentLog[] = [];
afterEach(async () => {
  for (const log of logs.splice(0)) await log.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Line {
  readonly level: string;
  readonly msg: string;
  readonly fields: unknown;
}

function recordingLogger(lines: Line[]): Logger {
  return {
    info: (msg, fields) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => lines.push({ level: 'error', msg, fields }),
  };
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetport-backup-log-'));
  dirs.push(dir);
  return dir;
}

let clock = Date.UTC(2026, 11, 1);
async function openLog(dir: string, overrides: Partial<LogOptions> = {}, lines: Line[] = []) {
  const log = await SegmentLog.open({
    dir,
    segmentBytes: 64 * 1024 * 1024,
    segmentMs: 3600_000,
    retentionMs: 30 * 86_400_000,
    maxBytes: 1024 ** 3,
    now: () => clock,
    logger: recordingLogger(lines),
    ...overrides,
  });
  logs.push(log);
  return log;
}

function request(n: number, extra: Partial<IncomingRequest> = {}): IncomingRequest {
  return {
    receivedAt: clock,
    method: 'POST',
    path: '/v1/callbacks/sigfox/tracker',
    contentType: 'application/json',
    credentialSha256: 'ab'.repeat(32),
    body: Buffer.from(
      JSON.stringify({ device: '1A2B3C', seqNumber: n, data: 'c0ffee', time: 1765000000 + n }),
    ),
    ...extra,
  };
}

const segmentsOf = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.seg'))
    .sort();

describe('the segment log', () => {
  it('numbers records from 1 and reads them back byte for byte, after a restart too', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    const binary = Buffer.from([0, 255, 10, 13, 0x46, 0x50, 0x42, 0x31]);
    const seqs = await Promise.all([
      log.append(request(1)),
      log.append(request(2, { body: binary, contentType: undefined, credentialSha256: undefined })),
      log.append(request(3, { path: '/v1/ingest?x=1' })),
    ]);
    expect(seqs).toEqual([1, 2, 3]);
    await log.close();
    logs.splice(logs.indexOf(log), 1);

    const reopened = await openLog(dir);
    const page = await reopened.read({ since: 0, limit: 10 });
    expect(page.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(page.records[1]?.body).toEqual(binary);
    expect(page.records[1]?.contentType).toBeUndefined();
    expect(page.records[1]?.credentialSha256).toBeUndefined();
    expect(page.records[2]?.path).toBe('/v1/ingest?x=1');
    expect(page.records[0]?.body.toString()).toContain('"seqNumber":1');
    expect(page).toMatchObject({ next: 3, more: false, faults: [] });
    expect(await reopened.append(request(4))).toBe(4);
  });

  it('pages by cursor and limit, and filters by receive time', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    const start = clock;
    for (let n = 1; n <= 10; n++) await log.append(request(n, { receivedAt: start + n * 1000 }));
    const first = await log.read({ since: 0, limit: 4 });
    expect(first.records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(first).toMatchObject({ next: 4, more: true });
    const second = await log.read({ since: first.next, limit: 100 });
    expect(second.records.map((r) => r.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(second.more).toBe(false);
    const window = await log.read({ since: 0, from: start + 3000, to: start + 6000, limit: 100 });
    expect(window.records.map((r) => r.seq)).toEqual([3, 4, 5]);
  });

  it('cuts a torn last record off at start, keeps its bytes aside, and keeps every record before it', async () => {
    const dir = tempDir();
    const lines: Line[] = [];
    const log = await openLog(dir);
    for (let n = 1; n <= 5; n++) await log.append(request(n));
    await log.close();
    logs.splice(logs.indexOf(log), 1);
    const [segment] = segmentsOf(dir);
    if (!segment) throw new Error('no segment');
    const file = path.join(dir, segment);
    const whole = statSync(file).size;
    // A crash inside the sixth write: half of a record at the end.
    const sixth = readFileSync(file).subarray(0, whole / 5);
    writeFileSync(file, sixth.subarray(0, 30), { flag: 'a' });
    truncateSync(file, whole + 30);

    const reopened = await openLog(dir, {}, lines);
    expect(statSync(file).size).toBe(whole);
    const page = await reopened.read({ since: 0, limit: 10 });
    expect(page.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    const recovery = reopened.stats().recoveries[0];
    expect(recovery).toMatchObject({ segment, offset: whole, bytes: 30 });
    expect(readFileSync(path.join(dir, recovery?.savedTo ?? 'missing'))).toEqual(sixth.subarray(0, 30));
    expect(lines.some((line) => line.level === 'warn' && /torn record/.test(line.msg))).toBe(true);
    // Appends go on after the last whole record, with the next number.
    expect(await reopened.append(request(6))).toBe(6);
    expect((await reopened.read({ since: 5, limit: 10 })).records.map((r) => r.seq)).toEqual([6]);
  });

  it('reports damage between whole records instead of cutting the records after it', async () => {
    const dir = tempDir();
    const lines: Line[] = [];
    const log = await openLog(dir);
    for (let n = 1; n <= 5; n++) await log.append(request(n));
    await log.close();
    logs.splice(logs.indexOf(log), 1);
    const [segment] = segmentsOf(dir);
    if (!segment) throw new Error('no segment');
    const file = path.join(dir, segment);
    const bytes = readFileSync(file);
    const size = bytes.length / 5;
    // Flip a byte inside the third record's body.
    const at = 3 * size - 3;
    bytes.writeUInt8((bytes.readUInt8(at) ^ 0xff) & 0xff, at);
    writeFileSync(file, bytes);

    const reopened = await openLog(dir, {}, lines);
    expect(statSync(file).size).toBe(bytes.length);
    const page = await reopened.read({ since: 0, limit: 10 });
    expect(page.records.map((r) => r.seq)).toEqual([1, 2, 4, 5]);
    expect(page.faults).toEqual([{ segment, offset: 2 * size, bytes: size, reason: 'checksum mismatch' }]);
    expect(reopened.stats().recoveries).toEqual([
      { segment, offset: 2 * size, bytes: size, reason: 'checksum mismatch' },
    ]);
    expect(lines.some((line) => line.level === 'error')).toBe(true);
    // A page whose cursor is past the damage does not report it again.
    expect((await reopened.read({ since: 4, limit: 10 })).faults).toEqual([]);
    expect(await reopened.append(request(6))).toBe(6);
  });

  it('starts a new segment at its size and at its age, and reads across segments', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { segmentBytes: 4096 });
    const big = Buffer.alloc(1500, 7);
    for (let n = 1; n <= 6; n++) await log.append(request(n, { body: big }));
    expect(segmentsOf(dir)).toHaveLength(3);
    expect(segmentsOf(dir)[1]).toMatch(/^0000000000000003-\d{13}\.seg$/);
    clock += 3600_000;
    await log.append(request(7, { receivedAt: clock }));
    expect(segmentsOf(dir)).toHaveLength(4);
    const page = await log.read({ since: 2, limit: 100 });
    expect(page.records.map((r) => r.seq)).toEqual([3, 4, 5, 6, 7]);
    expect((await log.read({ since: 0, from: clock, limit: 100 })).records.map((r) => r.seq)).toEqual([7]);
  });

  it('deletes the oldest segments by age and by total size, never the active one, and says what a cursor missed', async () => {
    const dir = tempDir();
    const lines: Line[] = [];
    const base = clock;
    const log = await openLog(
      dir,
      { segmentBytes: 4096, retentionMs: 86_400_000, maxBytes: 12 * 1024 },
      lines,
    );
    const big = Buffer.alloc(1500, 7);
    for (let n = 1; n <= 10; n++) await log.append(request(n, { body: big }));
    // Five segments of two records (about 3 KB each) against a 12 KB bound: the oldest go.
    const kept = segmentsOf(dir);
    expect(kept.length).toBeLessThan(5);
    expect(kept.length).toBeGreaterThanOrEqual(3);
    const page = await log.read({ since: 0, limit: 100 });
    const firstKept = page.records[0]?.seq ?? 0;
    expect(firstKept).toBeGreaterThan(1);
    expect(page.records.map((r) => r.seq)).toEqual(
      Array.from({ length: 10 - firstKept + 1 }, (_, i) => firstKept + i),
    );
    expect(page.deleted).toEqual({ first: 1, last: firstKept - 1 });
    expect(lines.some((line) => /retention/.test(line.msg))).toBe(true);

    // Two days later every closed segment is past the retention: only the active one stays.
    clock = base + 2 * 86_400_000;
    await log.enforceRetention();
    expect(segmentsOf(dir)).toHaveLength(1);
    expect((await log.read({ since: 0, limit: 100 })).records.map((r) => r.seq)).toEqual([9, 10]);
    clock = base;
  });

  it('refuses appends once closed', async () => {
    const log = await openLog(tempDir());
    await log.close();
    await expect(log.append(request(1))).rejects.toThrow(/closed/);
  });
});
