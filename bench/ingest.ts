import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { sql } from 'kysely';
import type { Store } from '../packages/server/src/store/store.js';
import { SMALL_CODEC } from './codecs/small-codec.js';
import { takeListOption } from './mqtt/options.js';
import { ApiClient, ApiError, field, stringField } from './support/api-client.js';
import { startBareRoute } from './support/bare-route.js';
import { startBenchServer } from './support/bench-server.js';
import type { Benchmark, BenchOptions, BenchResult } from './support/benchmark.js';
import { isEntryPoint, runBenchmarkCli } from './support/cli.js';
import { CpuProfiler, formatProfileSummary } from './support/cpu-profile.js';
import { runLoad } from './support/load-generator.js';
import {
  type LoadReport,
  type LoadSpec,
  PAYLOAD_HEX,
  type TokenDevice,
  type Workload,
} from './support/load-workloads.js';
import { MachineCpu } from './support/machine-cpu.js';
import { type RunContext, repeatOnDatabases } from './support/repeat-on-databases.js';
import { formatNumber } from './support/report-table.js';
import { RssSampler } from './support/rss-sampler.js';
import { type CaptureWindow, captureWindow, describeCapture, readMetrics } from './support/server-metrics.js';
import { perSecond } from './support/stats.js';

const HTTP_TYPE = 'bench-http';
const SIGFOX_TYPE = 'bench-sigfox';
/** Devices per fleet: the generator round-robins over them, so each device's frames arrive in order. */
const DEVICES = 1000;
const BATCH = 100;
const WARMUP_SECONDS = 2;
/** Three base stations hear every Sigfox frame. */
const STATIONS = ['0A1B', '0C2D', '0E3F'];
/** Concurrent API calls while provisioning device tokens. */
const PROVISION_CONCURRENCY = 16;
/** The issue's targets. */
const SINGLE_TARGET_RATIO = 60;
const BATCH_TARGET = 200_000;
/**
 * `--codec sigfox|all`: a Sigfox custom-payload format reading every byte of the 12-byte
 * `PAYLOAD_HEX` (two bools share byte 10, which leaves the cursor there, hence `status:11`).
 */
const SIGFOX_FORMAT =
  'temperature::int:16:little-endian humidity::uint:8 pressure::uint:16 battery::uint:8 counter::uint:32 alarm::bool:7 door::bool:0 status:11:uint:8';
/** How long after a window the benchmark waits for decoding to catch up before it says by how much it did not. */
const CATCH_UP_LIMIT_S = 60;
/** Stored decodes compared with the expected one after each phase. */
const DECODE_SAMPLE = 200;
/**
 * `--phases single,batch`: just these Fleetport phases (each with its bare route), e.g. to
 * compare two builds on one load in less time. It leaves the command line before the shared
 * harness parses it strictly.
 */
const PHASE_CHOICES = ['single', 'batch', 'sigfox'] as const;
const phasesOption = takeListOption(process.argv, 'phases', PHASE_CHOICES);

function httpDeviceId(index: number): string {
  return `dev-${index.toString().padStart(6, '0')}`;
}

/** Sigfox device ids are hex. */
function sigfoxDeviceId(index: number): string {
  return (0x1a0000 + index).toString(16).toUpperCase();
}

async function importDevices(admin: ApiClient, typeId: string, ids: readonly string[]): Promise<void> {
  const body = ids.map((id) => JSON.stringify({ id, typeId })).join('\n');
  const response = await admin.request('/v1/devices/import', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, text, 'POST /v1/devices/import');
  const created = field(JSON.parse(text), 'created');
  if (created !== ids.length) throw new Error(`import created ${String(created)} of ${ids.length} devices`);
}

/** A fresh device token for each device, a few API calls at a time. */
async function issueTokens(admin: ApiClient, ids: readonly string[]): Promise<TokenDevice[]> {
  const devices: TokenDevice[] = new Array(ids.length);
  let next = 0;
  async function worker(): Promise<void> {
    for (let index = next++; index < ids.length; index = next++) {
      const deviceId = ids[index] ?? '';
      const credential = await admin.json('POST', `/v1/devices/${deviceId}/credentials`, { kind: 'token' });
      devices[index] = { deviceId, token: stringField(credential, 'token') };
    }
  }
  await Promise.all(Array.from({ length: PROVISION_CONCURRENCY }, worker));
  return devices;
}

/** What the server process did over the measured window. */
interface Measured {
  readonly report: LoadReport;
  readonly serverCpuPercent: number;
  readonly serverRssPeakMb: number;
  /** CPU that neither the server nor the generator used: other processes on the machine. */
  readonly othersCpuPercent: number;
  /** When the phase's device type has a codec: decoding at the window's start and end. */
  readonly decoding: WindowDecoding | undefined;
  /** Fleetport's capture pipeline over the window (not for the bare route). */
  readonly capture: CaptureWindow | undefined;
}

/** The decoder's counters from `/metrics` (all device types). */
interface DecodeMetrics {
  /** `fleetport_codec_decodes_total` by outcome. */
  readonly ok: number;
  readonly failed: number;
  /** `fleetport_codec_decodes_dropped_total`: not queued because the queue was full. */
  readonly dropped: number;
  /** `fleetport_codec_decodes_queued`. */
  readonly queued: number;
}

/** Decoding over one measured window of a device type with a codec. */
interface WindowDecoding {
  readonly typeId: string;
  readonly atStart: DecodeMetrics;
  readonly atEnd: DecodeMetrics;
  /** The type's stored messages and stored decodes right after the window. */
  readonly capturedAtEnd: number;
  readonly decodedAtEnd: number;
  /** `performance.now()` at the window's end (the generator's report arrived). */
  readonly endedAt: number;
}

/** Reads the decoder's counters from the server's (unauthenticated) `/metrics`. */
async function readDecodeMetrics(url: string): Promise<DecodeMetrics> {
  const values = await readMetrics(url);
  const value = (name: string) => {
    const found = values.get(name);
    // Absent until the decoder exists; a server without it has no codecs to measure.
    if (found === undefined) throw new Error(`/metrics has no ${name}: is decoding at capture wired up?`);
    return found;
  };
  return {
    ok: values.get('fleetport_codec_decodes_total{outcome="ok"}') ?? 0,
    failed: values.get('fleetport_codec_decodes_total{outcome="failed"}') ?? 0,
    dropped: value('fleetport_codec_decodes_dropped_total'),
    queued: value('fleetport_codec_decodes_queued'),
  };
}

/** Stored decodes of one device type's messages. */
async function countDecodes(store: Store, typeId: string): Promise<number> {
  const row = await store.db
    .selectFrom('message_decodes')
    .innerJoin('messages', 'messages.id', 'message_decodes.message_id')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('messages.type_id', '=', typeId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function captureOf(measured: Measured): CaptureWindow {
  if (!measured.capture) throw new Error('a Fleetport window was measured without its capture metrics');
  return measured.capture;
}

/** Runs one load against `url`, measuring this (the server's) process over the measured window. */
async function measure(
  spec: LoadSpec,
  profileFile: string | undefined,
  say: (line: string) => void,
  decoded: { readonly store: Store; readonly typeId: string } | undefined,
  { fleetport }: { readonly fleetport: boolean },
): Promise<Measured> {
  let cpuBefore: NodeJS.CpuUsage | undefined;
  let started = 0;
  let sampler: RssSampler | undefined;
  let machine: MachineCpu | undefined;
  let profiler: CpuProfiler | undefined;
  let profiling: Promise<void> | undefined;
  let decodesAtStart: Promise<DecodeMetrics | Error> | undefined;
  let metricsAtStart: Promise<Map<string, number> | Error> | undefined;
  const report = await runLoad(spec, function measuring() {
    if (fleetport) metricsAtStart = readMetrics(spec.url).catch((error: unknown) => toError(error));
    cpuBefore = process.cpuUsage();
    started = performance.now();
    sampler = new RssSampler();
    machine = new MachineCpu();
    // Settled into a value at once: a rejection must wait here until the window is over.
    if (decoded) decodesAtStart = readDecodeMetrics(spec.url).catch((error: unknown) => toError(error));
    if (profileFile !== undefined) {
      profiler = new CpuProfiler();
      profiling = profiler.start();
    }
  });
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const rssPeak = sampler?.stop() ?? process.memoryUsage.rss();
  const machineCpu = machine?.stop() ?? 0;
  let decoding: WindowDecoding | undefined;
  if (decoded) {
    const endedAt = performance.now();
    const atEnd = await readDecodeMetrics(spec.url);
    const capturedAtEnd = await countMessages(decoded.store, decoded.typeId);
    const decodedAtEnd = await countDecodes(decoded.store, decoded.typeId);
    const atStart = await decodesAtStart;
    if (atStart === undefined) throw new Error('the load generator never started its measured window');
    if (atStart instanceof Error) throw atStart;
    decoding = { typeId: decoded.typeId, atStart, atEnd, capturedAtEnd, decodedAtEnd, endedAt };
  }
  if (profiler && profileFile !== undefined) {
    await profiling;
    for (const summary of await profiler.stop(profileFile))
      for (const line of formatProfileSummary(summary)) say(line);
  }
  if (cpuBefore === undefined) throw new Error('the load generator never started its measured window');
  let capture: CaptureWindow | undefined;
  if (fleetport) {
    const atStart = await metricsAtStart;
    if (atStart === undefined) throw new Error('the load generator never started its measured window');
    if (atStart instanceof Error) throw atStart;
    capture = captureWindow(atStart, await readMetrics(spec.url));
  }
  const serverCpuPercent = ((cpu.user + cpu.system) / 1000 / elapsed) * 100;
  return {
    report,
    serverCpuPercent,
    serverRssPeakMb: rssPeak / 2 ** 20,
    othersCpuPercent: Math.max(0, machineCpu - serverCpuPercent - report.measured.generatorCpuPercent),
    decoding,
    capture,
  };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Refuses a run in which the server answered anything but 2xx: the figures would mean nothing. */
function requireOnly2xx(what: string, report: LoadReport): void {
  for (const window of [report.warmup, report.measured]) {
    const failed = Object.entries(window.statuses).filter(([status]) => !status.startsWith('2'));
    if (failed.length > 0) {
      throw new Error(
        `${what}: answers ${JSON.stringify(window.statuses)}; first failure: ${window.firstFailure ?? '?'}`,
      );
    }
  }
}

function describeWindow(report: LoadReport): string {
  const { measured } = report;
  const statuses = Object.entries(measured.statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
  const trouble =
    measured.errors + measured.timeouts > 0
      ? `, ${measured.errors} connection errors, ${measured.timeouts} timeouts`
      : '';
  return `${statuses}${trouble}, p50 ${measured.latencyP50Ms} ms, p99 ${measured.latencyP99Ms} ms, generator CPU ${formatNumber(measured.generatorCpuPercent)}%`;
}

async function countMessages(store: Store, typeId: string): Promise<number> {
  const row = await store.db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('type_id', '=', typeId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function countReceptions(store: Store, typeId: string): Promise<number> {
  const row = await store.db
    .selectFrom('receptions')
    .innerJoin('messages', 'messages.id', 'receptions.message_id')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('messages.type_id', '=', typeId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Waits until requests the generator gave up on (in flight when a window ended) are
 * written or dropped: the server goes on with them after the connection is gone, so the
 * count is only final once it stops moving.
 */
async function quiesce(count: () => Promise<number>): Promise<void> {
  let previous = await count();
  let unchanged = 0;
  // Settled: a full second without a new row (the backlog is at most one request per connection).
  for (let attempt = 0; attempt < 120 && unchanged < 4; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await count();
    unchanged = now === previous ? unchanged + 1 : 0;
    previous = now;
  }
  if (unchanged >= 4) return;
  throw new Error('the stored rows did not settle within 30 s after the load');
}

/**
 * Messages per transaction, estimated: a capture batch stamps all its messages with one
 * `stored_at`, so messages over distinct `stored_at` values is the average batch (an
 * overestimate when two commits fall in the same millisecond).
 */
async function messagesPerCommit(store: Store, typeId: string, since: number): Promise<number> {
  const row = await store.db
    .selectFrom('messages')
    .select((eb) => [
      eb.fn.countAll<number | string | bigint>().as('messages'),
      eb.fn.count<number | string | bigint>('stored_at').distinct().as('commits'),
    ])
    .where('type_id', '=', typeId)
    .where('stored_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.messages) / Math.max(1, Number(row.commits));
}

/**
 * Every acknowledged message stored once, nothing else stored: the rows added by the load
 * must equal the acknowledged messages plus those of unanswered requests that did make it
 * (a request in flight when the generator stopped may or may not have been stored).
 */
async function verifyIngest(
  store: Store,
  before: number,
  report: LoadReport,
  sent: { readonly devices: readonly TokenDevice[]; readonly startSeq: readonly number[] },
): Promise<number> {
  await quiesce(() => countMessages(store, HTTP_TYPE));
  const stored = (await countMessages(store, HTTP_TYPE)) - before;
  let unansweredStored = 0;
  for (const request of report.unanswered) {
    const row = await store.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('type_id', '=', HTTP_TYPE)
      .where('device_id', '=', request.deviceId)
      .where('seq', '>=', request.seq)
      .where('seq', '<', request.seq + request.count)
      .executeTakeFirstOrThrow();
    unansweredStored += Number(row.n);
  }
  const expected = report.acknowledgedMessages + unansweredStored;
  if (stored !== expected) {
    throw new Error(
      `stored ${stored} messages, expected ${expected} (${report.acknowledgedMessages} acknowledged + ${unansweredStored} of unanswered requests); answers ${JSON.stringify(report.warmup.statuses)} then ${JSON.stringify(report.measured.statuses)}; ${await diagnoseIngest(store, report, sent)}`,
    );
  }
  return stored;
}

/** After a failed check: which acknowledged messages are missing, and what is stored twice or unasked. */
async function diagnoseIngest(
  store: Store,
  report: LoadReport,
  { devices, startSeq }: { readonly devices: readonly TokenDevice[]; readonly startSeq: readonly number[] },
): Promise<string> {
  const rows = await store.db
    .selectFrom('messages')
    .select(['device_id', 'seq'])
    .where('type_id', '=', HTTP_TYPE)
    .execute();
  const storedSeqs = new Map<string, Map<number, number>>();
  for (const row of rows) {
    const seqs = storedSeqs.get(row.device_id) ?? new Map<number, number>();
    const seq = Number(row.seq);
    seqs.set(seq, (seqs.get(seq) ?? 0) + 1);
    storedSeqs.set(row.device_id, seqs);
  }
  const unanswered = new Set<string>();
  for (const request of report.unanswered) {
    for (let seq = request.seq; seq < request.seq + request.count; seq += 1) {
      unanswered.add(`${request.deviceId}/${seq}`);
    }
  }
  const missing: string[] = [];
  const extra: string[] = [];
  devices.forEach((device, index) => {
    const from = startSeq[index] ?? 0;
    const to = report.nextSeq[index] ?? from;
    const seqs = storedSeqs.get(device.deviceId) ?? new Map<number, number>();
    for (let seq = from; seq < to; seq += 1) {
      const key = `${device.deviceId}/${seq}`;
      const count = seqs.get(seq) ?? 0;
      if (count === 0 && !unanswered.has(key)) missing.push(key);
      if (count > 1) extra.push(`${key}×${count}`);
    }
    for (const seq of seqs.keys()) if (seq >= to) extra.push(`${device.deviceId}/${seq} (never sent)`);
  });
  const some = (list: string[]) => `${list.length} (${list.slice(0, 10).join(', ')})`;
  return `acknowledged but not stored: ${some(missing)}; stored twice or never sent: ${some(extra)}`;
}

/** As `verifyIngest`, for Sigfox: one message per frame, one reception per callback. */
async function verifySigfox(
  store: Store,
  report: LoadReport,
): Promise<{ messages: number; receptions: number }> {
  await quiesce(() => countReceptions(store, SIGFOX_TYPE));
  const messages = await countMessages(store, SIGFOX_TYPE);
  const receptions = await countReceptions(store, SIGFOX_TYPE);
  let originalsStored = 0;
  let callbacksStored = 0;
  for (const request of report.unanswered) {
    const found = await store.db
      .selectFrom('messages')
      .leftJoin('receptions', (join) =>
        join
          .onRef('receptions.message_id', '=', 'messages.id')
          .on('receptions.station', '=', request.station ?? ''),
      )
      .select(['messages.id', 'receptions.station'])
      .where('messages.type_id', '=', SIGFOX_TYPE)
      .where('messages.device_id', '=', request.deviceId)
      .where('messages.seq', '=', request.seq)
      .execute();
    if (request.original && found.length > 0) originalsStored += 1;
    if (found.some((row) => row.station !== null)) callbacksStored += 1;
  }
  const expectedMessages = report.acknowledgedMessages + originalsStored;
  const expectedReceptions = report.acknowledgedRequests + callbacksStored;
  if (messages !== expectedMessages || receptions !== expectedReceptions) {
    throw new Error(
      `stored ${messages} messages and ${receptions} receptions, expected ${expectedMessages} and ${expectedReceptions}`,
    );
  }
  return { messages, receptions };
}

/** How decoding ended after a window: caught up after `seconds`, or `remaining` messages undecoded at the limit. */
interface CatchUp {
  readonly seconds: number;
  readonly remaining: number;
  /** The decoder's counters when the wait ended. */
  readonly metrics: DecodeMetrics;
  /** Whether the first look already found every message decoded. */
  readonly atFirstLook: boolean;
}

/**
 * Waits until every message of the window's type has a decode, at most `CATCH_UP_LIMIT_S`
 * after the window. Runs while the stored rows settle, so it counts messages as they come;
 * decodes are followed on `/metrics` (every decode of the phase is this type's), which is
 * far cheaper than counting the decodes table several times a second.
 */
async function awaitDecodes(url: string, store: Store, window: WindowDecoding): Promise<CatchUp> {
  const decodesAtEnd = window.atEnd.ok + window.atEnd.failed;
  const deadline = window.endedAt + CATCH_UP_LIMIT_S * 1000;
  for (let look = 1; ; look += 1) {
    const captured = await countMessages(store, window.typeId);
    const metrics = await readDecodeMetrics(url);
    const remaining = captured - window.decodedAtEnd - (metrics.ok + metrics.failed - decodesAtEnd);
    const now = performance.now();
    if (remaining <= 0 || now >= deadline) {
      const seconds = Math.min(CATCH_UP_LIMIT_S, (now - window.endedAt) / 1000);
      return { seconds, remaining, metrics, atFirstLook: look === 1 };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What every message of a codec type must decode to: the server's own answer for the payload they all carry. */
async function expectedDecode(admin: ApiClient, typeId: string): Promise<unknown> {
  const answer = await admin.json('POST', '/v1/codecs/test', {
    codec: { typeId },
    uplink: { bytes: PAYLOAD_HEX },
  });
  const errors = field(answer, 'errors');
  const data = field(answer, 'data');
  if (!Array.isArray(errors) || errors.length > 0 || data === null) {
    throw new Error(`the ${typeId} codec does not decode the benchmark payload: ${JSON.stringify(answer)}`);
  }
  return data;
}

/** A random sample of the type's stored decodes: each without errors and equal to the expected data. */
async function checkDecodeSample(store: Store, typeId: string, expected: unknown): Promise<number> {
  const rows = await store.db
    .selectFrom('message_decodes')
    .innerJoin('messages', 'messages.id', 'message_decodes.message_id')
    .select(['message_decodes.message_id', 'message_decodes.data', 'message_decodes.errors'])
    .where('messages.type_id', '=', typeId)
    .orderBy(sql`random()`)
    .limit(DECODE_SAMPLE)
    .execute();
  for (const row of rows) {
    const errors: unknown = JSON.parse(row.errors);
    const data: unknown = row.data === null ? null : JSON.parse(row.data);
    if (!Array.isArray(errors) || errors.length > 0 || !isDeepStrictEqual(data, expected)) {
      throw new Error(
        `message ${row.message_id} decoded to ${String(row.data)} with errors ${row.errors}, expected ${JSON.stringify(expected)} without errors`,
      );
    }
  }
  return rows.length;
}

/** Whether the Sigfox callback route exists yet: an unauthenticated probe stores nothing. */
async function sigfoxRouteAvailable(url: string): Promise<boolean> {
  const probe = () =>
    fetch(`${url}/v1/callbacks/sigfox/${SIGFOX_TYPE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
  // The probe follows a minute of load from the generator's process, during which this
  // process's keep-alive connection sat idle: one the server closed (Fastify's keep-alive
  // timeout is 72 s) at the moment it is reused fails with "fetch failed". The probe is
  // harmless to send again.
  const response = await probe().catch((error: unknown) => {
    if (error instanceof TypeError) return probe();
    throw error;
  });
  const text = await response.text();
  return !(response.status === 404 && text.includes('route_not_found'));
}

async function ingestRun(
  { database, record, say }: RunContext,
  options: BenchOptions,
  profileFile: (phase: string) => string | undefined,
  phases: ReadonlySet<(typeof PHASE_CHOICES)[number]>,
): Promise<void> {
  const spec = (url: string, workload: Workload): LoadSpec => ({
    url,
    connections: options.connections,
    warmupSeconds: WARMUP_SECONDS,
    durationSeconds: options.duration,
    workload,
  });
  const server = await startBenchServer(database);
  try {
    const admin = new ApiClient(server.url, server.adminKey);
    const setupStarted = performance.now();
    await admin.json('POST', '/v1/device-types', { id: HTTP_TYPE, name: 'Benchmark HTTP device' });
    await admin.json('POST', '/v1/device-types', {
      id: SIGFOX_TYPE,
      name: 'Benchmark Sigfox device',
      capture: { sequenceBits: 12 },
    });
    const httpIds = Array.from({ length: DEVICES }, (_, index) => httpDeviceId(index));
    const sigfoxIds = Array.from({ length: DEVICES }, (_, index) => sigfoxDeviceId(index));
    await importDevices(admin, HTTP_TYPE, httpIds);
    await importDevices(admin, SIGFOX_TYPE, sigfoxIds);
    const devices = await issueTokens(admin, httpIds);
    const secret = stringField(
      await admin.json('POST', `/v1/device-types/${SIGFOX_TYPE}/callback-secrets`, { name: 'bench' }),
      'secret',
    );
    /** The expected decode of each type given a codec (`--codec`). */
    const expected = new Map<string, unknown>();
    if (options.codec === 'js' || options.codec === 'all') {
      await admin.json('PUT', `/v1/device-types/${HTTP_TYPE}/codec`, {
        kind: 'javascript',
        source: SMALL_CODEC,
      });
      expected.set(HTTP_TYPE, await expectedDecode(admin, HTTP_TYPE));
    }
    if (options.codec === 'sigfox' || options.codec === 'all') {
      await admin.json('PUT', `/v1/device-types/${SIGFOX_TYPE}/codec`, {
        kind: 'sigfox',
        source: SIGFOX_FORMAT,
      });
      expected.set(SIGFOX_TYPE, await expectedDecode(admin, SIGFOX_TYPE));
    }
    for (const [typeId, data] of expected)
      say(`codec on ${typeId}: the payload decodes to ${JSON.stringify(data)}`);
    /** `measure`'s decode probe for a phase loading `typeId`, when that type has a codec. */
    const decodeProbe = (typeId: string) =>
      expected.has(typeId) ? { store: server.store, typeId } : undefined;
    /** Starts following decoding once a window is over; settled into a value so that a failed check elsewhere cannot leave it unhandled. */
    const followDecoding = (measured: Measured): Promise<CatchUp | Error> | undefined =>
      measured.decoding === undefined
        ? undefined
        : awaitDecodes(server.url, server.store, measured.decoding).catch((error: unknown) => toError(error));
    say(
      `setup: ${DEVICES} HTTP devices with tokens, ${DEVICES} Sigfox devices in ${formatNumber((performance.now() - setupStarted) / 1000)} s`,
    );

    /** The ceiling: the same load against a bare Fastify route in this process. */
    const ceiling = async (label: string, workload: Workload): Promise<number> => {
      const bare = await startBareRoute();
      try {
        const { report, serverCpuPercent, othersCpuPercent } = await measure(
          spec(bare.url, workload),
          undefined,
          say,
          undefined,
          { fleetport: false },
        );
        requireOnly2xx(`bare route, ${label}`, report);
        const rate = perSecond(report.measured.answered2xx, report.measured.elapsedMs);
        record(`bare route, ${label}`, 'req/s', rate);
        record(`bare route, ${label}: p99 latency`, 'ms', report.measured.latencyP99Ms);
        record(`bare route, ${label}: server CPU`, '% of a core', serverCpuPercent);
        record(`bare route, ${label}: generator CPU`, '% of a core', report.measured.generatorCpuPercent);
        record(`bare route, ${label}: other processes' CPU`, '% of a core', othersCpuPercent);
        say(
          `bare route (Fastify ${bare.fastifyVersion}), ${label}: ${formatNumber(rate)} req/s, server CPU ${formatNumber(serverCpuPercent)}%, other processes ${formatNumber(othersCpuPercent)}%; ${describeWindow(report)}`,
        );
        return rate;
      } finally {
        await bare.close();
      }
    };

    /** One Fleetport phase: the figures every phase records. */
    const recordPhase = (label: string, measured: Measured, perCommit: number) => {
      record(`${label}: p50 latency`, 'ms', measured.report.measured.latencyP50Ms);
      record(`${label}: p99 latency`, 'ms', measured.report.measured.latencyP99Ms);
      record(`${label}: server CPU`, '% of a core', measured.serverCpuPercent);
      record(`${label}: generator CPU`, '% of a core', measured.report.measured.generatorCpuPercent);
      record(`${label}: other processes' CPU`, '% of a core', measured.othersCpuPercent);
      record(`${label}: server RSS peak`, 'MB', measured.serverRssPeakMb);
      record(`${label}: messages per commit (≈)`, 'messages', perCommit);
      const capture = captureOf(measured);
      record(`${label}: capture frames per batch`, 'frames', capture.framesPerBatch);
      record(`${label}: capture batch wait`, 'ms', capture.waitMs);
      record(`${label}: capture batch commit`, 'ms', capture.commitMs);
      record(`${label}: capture batch durable`, 'ms', capture.durableMs);
    };

    /**
     * A phase whose type has a codec: decodes during the window, their ratio to the messages
     * captured, the lag at the window's end, how long after it decoding caught up, drops,
     * and a sample of the stored decodes checked. Returns the progress line's part.
     */
    const recordDecoding = async (
      label: string,
      measured: Measured,
      messagesPerSecond: number,
      following: Promise<CatchUp | Error> | undefined,
    ): Promise<string> => {
      const window = measured.decoding;
      if (window === undefined || following === undefined) return 'no codec';
      let catchUp = await following;
      if (catchUp instanceof Error) throw catchUp;
      // The stored rows are final now (the check has run): a last look, in case a straggler came after the wait ended.
      if (catchUp.remaining <= 0) {
        const again = await awaitDecodes(server.url, server.store, window);
        // Still caught up: the first wait's time stands (this look came only after the check).
        catchUp = again.atFirstLook && again.remaining <= 0 ? { ...again, seconds: catchUp.seconds } : again;
      }
      const { atStart, atEnd } = window;
      const decodes = atEnd.ok + atEnd.failed - (atStart.ok + atStart.failed);
      const decodeRate = perSecond(decodes, measured.report.measured.elapsedMs);
      const ratio = (decodeRate / messagesPerSecond) * 100;
      const lag = window.capturedAtEnd - window.decodedAtEnd;
      const dropped = catchUp.metrics.dropped - atStart.dropped;
      const failed = catchUp.metrics.failed - atStart.failed;
      record(`${label}: decodes in window`, 'decodes', decodes);
      record(`${label}: decodes`, 'decodes/s', decodeRate);
      record(`${label}: decodes / captured`, '%', ratio);
      record(`${label}: decode lag at window end`, 'messages', lag);
      record(`${label}: decode catch-up after window (cap ${CATCH_UP_LIMIT_S} s)`, 's', catchUp.seconds);
      record(`${label}: undecoded when the wait ended`, 'messages', Math.max(0, catchUp.remaining));
      record(`${label}: decodes dropped (queue full)`, 'messages', dropped);
      if (failed > 0)
        throw new Error(
          `${label}: ${failed} decodes stored with errors (fleetport_codec_decodes_total{outcome="failed"})`,
        );
      const caughtUp =
        catchUp.remaining <= 0
          ? `caught up ${formatNumber(catchUp.seconds)} s after the window`
          : `did not catch up in ${CATCH_UP_LIMIT_S} s: ${catchUp.remaining} messages still undecoded`;
      let checked = 'sample not checked (not caught up)';
      if (catchUp.remaining <= 0) {
        const decodedNow = await countDecodes(server.store, window.typeId);
        const capturedNow = await countMessages(server.store, window.typeId);
        if (decodedNow !== capturedNow) {
          throw new Error(
            `${label}: ${capturedNow} messages stored but ${decodedNow} decodes after catching up`,
          );
        }
        const sample = await checkDecodeSample(server.store, window.typeId, expected.get(window.typeId));
        checked = `${sample} random decodes checked (no errors, expected data)`;
      }
      return `decoding: ${decodes} decodes in the window = ${formatNumber(decodeRate)} decodes/s = ${formatNumber(ratio)}% of captured, lag ${lag} at window end, ${caughtUp}, ${dropped} dropped, ${atEnd.queued} queued at window end; ${checked}`;
    };

    /**
     * One HTTP ingest phase after its ceiling: `perRequest` messages a request, each device's
     * sequence continuing from `startSeq`. Records messages/s and the ratio of requests/s to
     * the bare route's; returns the generator's report.
     */
    const httpPhase = async (
      label: string,
      phase: 'single' | 'batch',
      perRequest: number,
      startSeq: readonly number[],
    ): Promise<LoadReport> => {
      const workload: Workload = { kind: 'ingest', devices, perRequest, startSeq };
      const bare = await ceiling(label, workload);
      const before = await countMessages(server.store, HTTP_TYPE);
      const since = Date.now();
      const measured = await measure(
        spec(server.url, workload),
        profileFile(phase),
        say,
        decodeProbe(HTTP_TYPE),
        { fleetport: true },
      );
      const decoding = followDecoding(measured);
      requireOnly2xx(`ingest, ${label}`, measured.report);
      const stored = await verifyIngest(server.store, before, measured.report, { devices, startSeq });
      const requests = perSecond(measured.report.measured.answered2xx, measured.report.measured.elapsedMs);
      const rate = requests * perRequest;
      const ratio = (requests / bare) * 100;
      record(`ingest, ${label}`, 'messages/s', rate);
      record(`ingest, ${label}: ratio to bare route`, '%', ratio);
      recordPhase(`ingest, ${label}`, measured, await messagesPerCommit(server.store, HTTP_TYPE, since));
      const decoded = await recordDecoding(`ingest, ${label}`, measured, rate, decoding);
      const target =
        perRequest === 1
          ? `${formatNumber(rate)} messages/s = ${formatNumber(ratio)}% of the bare route (target ≥ ${SINGLE_TARGET_RATIO}%)`
          : `${formatNumber(rate)} messages/s (${formatNumber(requests)} req/s = ${formatNumber(ratio)}% of the bare route; target ${formatNumber(BATCH_TARGET)} messages/s: ${formatNumber((rate / BATCH_TARGET) * 100)}%)`;
      say(
        `ingest, ${label}: ${target}, server CPU ${formatNumber(measured.serverCpuPercent)}%, other processes ${formatNumber(measured.othersCpuPercent)}%; ${describeWindow(measured.report)}; stored ${stored}, every acknowledged one exactly once; ${describeCapture(captureOf(measured))}; ${decoded}`,
      );
      return measured.report;
    };

    /** Where each device's sequence continues after a phase. */
    let nextSeq: readonly number[] = devices.map(() => 0);
    if (phases.has('single')) nextSeq = (await httpPhase('1 message/request', 'single', 1, nextSeq)).nextSeq;
    if (phases.has('batch')) await httpPhase(`batch of ${BATCH}`, 'batch', BATCH, nextSeq);

    // -- Sigfox: three callbacks per frame --
    if (!(await sigfoxRouteAvailable(server.url))) {
      say('sigfox: route not available (POST /v1/callbacks/sigfox/{deviceTypeId} answers route_not_found)');
      return;
    }
    if (!phases.has('sigfox')) return;
    const sigfoxLabel = `sigfox, ${STATIONS.length} callbacks/frame`;
    const sigfoxWorkload: Workload = {
      kind: 'sigfox',
      typeId: SIGFOX_TYPE,
      secret,
      deviceIds: sigfoxIds,
      stations: STATIONS,
    };
    const bareSigfox = await ceiling('sigfox callback', sigfoxWorkload);
    const since = Date.now();
    const sigfox = await measure(
      spec(server.url, sigfoxWorkload),
      profileFile('sigfox'),
      say,
      decodeProbe(SIGFOX_TYPE),
      { fleetport: true },
    );
    const sigfoxDecoding = followDecoding(sigfox);
    requireOnly2xx(sigfoxLabel, sigfox.report);
    const sigfoxStored = await verifySigfox(server.store, sigfox.report);
    const callbacks = perSecond(sigfox.report.measured.answered2xx, sigfox.report.measured.elapsedMs);
    const sigfoxRatio = (callbacks / bareSigfox) * 100;
    record(`${sigfoxLabel}: callbacks`, 'callbacks/s', callbacks);
    record(`${sigfoxLabel}: frames`, 'messages/s', callbacks / STATIONS.length);
    record(`${sigfoxLabel}: ratio to bare route`, '%', sigfoxRatio);
    recordPhase(sigfoxLabel, sigfox, await messagesPerCommit(server.store, SIGFOX_TYPE, since));
    const sigfoxDecoded = await recordDecoding(
      sigfoxLabel,
      sigfox,
      callbacks / STATIONS.length,
      sigfoxDecoding,
    );
    say(
      `${sigfoxLabel}: ${formatNumber(callbacks)} callbacks/s = ${formatNumber(callbacks / STATIONS.length)} frames/s, ${formatNumber(sigfoxRatio)}% of the bare route, server CPU ${formatNumber(sigfox.serverCpuPercent)}%, other processes ${formatNumber(sigfox.othersCpuPercent)}%; ${describeWindow(sigfox.report)}; stored ${sigfoxStored.messages} messages with ${sigfoxStored.receptions} receptions, as acknowledged; ${describeCapture(captureOf(sigfox))}; ${sigfoxDecoded}`,
    );
  } finally {
    await server.close();
  }
}

/** Durable capture over HTTP and Sigfox callbacks, against a bare Fastify route as the ceiling. */
export const ingest: Benchmark = {
  name: 'ingest',
  description: `durable capture under load: HTTP ingest (1 message and ${BATCH} per request), Sigfox callbacks (${STATIONS.length} receptions per frame), each against a bare Fastify route`,
  async run(options: BenchOptions): Promise<BenchResult> {
    if ('error' in phasesOption) throw new Error(phasesOption.error);
    const phases = new Set(phasesOption.values ?? PHASE_CHOICES);
    const profileDir = options.profileDir;
    if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
    const runs = new Map<string, number>();
    const databases = await repeatOnDatabases(options, 'ingest', (context) => {
      const dialect = context.database.databaseUrl === undefined ? 'sqlite' : 'postgres';
      const run = (runs.get(dialect) ?? 0) + 1;
      runs.set(dialect, run);
      return ingestRun(
        context,
        options,
        (phase) =>
          profileDir === undefined
            ? undefined
            : path.join(profileDir, `ingest-${dialect}-${run}-${phase}.cpuprofile`),
        phases,
      );
    });
    return {
      benchmark: 'ingest',
      runs: options.runs,
      parameters: {
        connections: options.connections,
        'measured s': options.duration,
        'warm-up s': WARMUP_SECONDS,
        devices: DEVICES,
        batch: BATCH,
        codec: options.codec,
      },
      databases,
    };
  },
};

export default ingest;

if (isEntryPoint(import.meta.url)) process.exitCode = await runBenchmarkCli([ingest], process.argv.slice(2));
