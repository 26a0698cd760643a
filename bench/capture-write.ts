import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import SqliteDatabase from 'better-sqlite3';
import { writeCaptureBatch } from '../packages/server/src/modules/capture/capture-batch.js';
import type { Frame } from '../packages/server/src/modules/capture/frame.js';
import { sqliteCaptureStorage } from '../packages/server/src/modules/capture/storage/sqlite-capture-storage.js';
import { openSqliteStore } from '../packages/server/src/store/dialects/sqlite/sqlite-store.js';
import { migrateToLatest } from '../packages/server/src/store/migrate.js';
import { seedTenantWithTypes } from '../packages/server/test/support/seed.js';
import type { Benchmark, BenchOptions, BenchResult } from './support/benchmark.js';
import { oweCleanup } from './support/cleanup.js';
import { isEntryPoint, runBenchmarkCli } from './support/cli.js';
import { formatNumber } from './support/report-table.js';
import { SampleSet } from './support/stats.js';

/** Frames written per shape and run (after a warm-up of a tenth of it). */
const FRAMES = 30_000;
/**
 * The WAL is restarted after about this many frames, outside the timed part, as the
 * checkpoint thread keeps it short in the server: a WAL that only grows makes every commit
 * slower than the server's are.
 */
const CHECKPOINT_EVERY_FRAMES = 2_000;
const PAYLOAD = Buffer.from('0a1b2c3d4e5f60718293a4b5', 'hex');

/** A batch shape the capture writer sees under one of the transports' loads. */
interface Shape {
  readonly label: string;
  readonly batch: number;
  /** The frame at `index` (0, 1, 2 … across the whole run). */
  readonly frame: (index: number, now: number) => Frame;
}

const SHAPES: readonly Shape[] = [
  {
    // `bench mqtt`'s durable run: one device's QoS 1 window arrives in halves of ~49.
    label: 'MQTT uplinks of one device, 48 a batch',
    batch: 48,
    frame: (index, now) => ({
      tenantId: 't',
      deviceId: 'mqtt-1',
      typeId: 'mqtt',
      transport: 'mqtt',
      receivedAt: now,
      payload: Buffer.from(`p0:${index}:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`),
      receptions: [],
      // A connection past its resends: every uplink remembers its packet id.
      delivery: {
        session: 'mqtt-1',
        packetId: (index % 65_535) + 1,
        connection: 'c1',
        dup: false,
        phase: 'steady',
      },
    }),
  },
  {
    // `bench ingest`'s single messages: 100 connections round-robin over 1,000 devices.
    label: 'HTTP messages of 1,000 devices in turn, 60 a batch',
    batch: 60,
    frame: (index, now) => ({
      tenantId: 't',
      deviceId: `http-${index % 1000}`,
      typeId: 'http',
      transport: 'http',
      receivedAt: now,
      deviceTime: now - 1000,
      seq: Math.floor(index / 1000),
      payload: PAYLOAD,
      receptions: [],
    }),
  },
  {
    // `bench ingest`'s batches: ten requests of 100 messages, each request one device's.
    label: 'HTTP batches of 100 from 1,000 devices, 1,000 a batch',
    batch: 1000,
    frame: (index, now) => {
      const request = Math.floor(index / 100);
      return {
        tenantId: 't',
        deviceId: `http-${request % 1000}`,
        typeId: 'http',
        transport: 'http',
        receivedAt: now,
        deviceTime: now - 1000,
        seq: Math.floor(request / 1000) * 100 + (index % 100),
        payload: PAYLOAD,
        receptions: [],
      };
    },
  },
];

/** A fresh database with the schema and one tenant whose two types capture with defaults. */
async function freshDatabase(directory: string): Promise<string> {
  const file = path.join(directory, 'fleetport.db');
  const store = openSqliteStore({ file, backgroundCheckpoints: false });
  try {
    await migrateToLatest(store.db);
    await seedTenantWithTypes(store, 't', { mqtt: {}, http: {} });
  } finally {
    await store.close();
  }
  return file;
}

/** Opens a connection as the capture writer has it: WAL, commits without a sync. */
function writerConnection(file: string): SqliteDatabase.Database {
  const database = new SqliteDatabase(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('wal_autocheckpoint = 0');
  return database;
}

/** µs of the writer's thread per frame: Fleetport's capture batches of this shape. */
async function captureMicros(file: string, shape: Shape): Promise<number> {
  const database = writerConnection(file);
  const storage = sqliteCaptureStorage(database);
  try {
    let index = 0;
    const write = async (frames: number): Promise<number> => {
      let spent = 0;
      let sinceCheckpoint = 0;
      for (let written = 0; written < frames; written += shape.batch) {
        const now = Date.now();
        const batch = Array.from({ length: shape.batch }, () => shape.frame(index++, now));
        const started = performance.now();
        database.exec('begin immediate');
        const result = await writeCaptureBatch(storage, batch, now);
        database.exec('commit');
        spent += performance.now() - started;
        if (result.outcomes.some((outcome) => outcome.duplicate))
          throw new Error('a new frame was taken for a duplicate');
        sinceCheckpoint += shape.batch;
        if (sinceCheckpoint >= CHECKPOINT_EVERY_FRAMES) {
          database.pragma('wal_checkpoint(RESTART)');
          sinceCheckpoint = 0;
        }
      }
      return (spent * 1000) / frames;
    };
    await write(FRAMES / 10);
    return await write(FRAMES);
  } finally {
    database.close();
  }
}

/**
 * µs per row of the floor under the same batches: the same number of rows of the same
 * width, inserted into a table with no index in transactions of the same size.
 */
function floorMicros(file: string, shape: Shape): number {
  const database = writerConnection(file);
  try {
    database.exec(
      'create table floor_rows (tenant_id text, device_id text, type_id text, transport text, dedup_key text, received_at integer, device_time integer, seq integer, payload blob, timeliness text, stored_at integer)',
    );
    const insert = database.prepare('insert into floor_rows values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    let spent = 0;
    let sinceCheckpoint = 0;
    for (let written = 0; written < FRAMES; written += shape.batch) {
      const now = Date.now();
      const started = performance.now();
      database.exec('begin immediate');
      for (let row = 0; row < shape.batch; row += 1) {
        const frame = shape.frame(written + row, now);
        insert.run(
          't',
          frame.deviceId,
          frame.typeId,
          frame.transport,
          `k:${written + row}`,
          now,
          frame.deviceTime ?? null,
          frame.seq ?? null,
          frame.payload,
          'live',
          now,
        );
      }
      database.exec('commit');
      spent += performance.now() - started;
      sinceCheckpoint += shape.batch;
      if (sinceCheckpoint >= CHECKPOINT_EVERY_FRAMES) {
        database.pragma('wal_checkpoint(RESTART)');
        sinceCheckpoint = 0;
      }
    }
    return (spent * 1000) / FRAMES;
  } finally {
    database.close();
  }
}

async function runCaptureWrite(options: BenchOptions): Promise<BenchResult> {
  const samples = new SampleSet();
  for (let run = 1; run <= options.runs; run += 1) {
    for (const shape of SHAPES) {
      const directory = mkdtempSync(path.join(tmpdir(), 'fleetport-bench-capture-write-'));
      const removed = oweCleanup(async () => rmSync(directory, { recursive: true, force: true }));
      try {
        const file = await freshDatabase(directory);
        const capture = await captureMicros(file, shape);
        const floor = floorMicros(file, shape);
        options.progress(
          `run ${run}: ${shape.label}: ${capture.toFixed(1)} µs a frame (${formatNumber(1e6 / capture)} frames/s), floor ${floor.toFixed(1)} µs a row`,
        );
        samples.add(`${shape.label}: capture`, 'µs/frame', capture);
        samples.add(`${shape.label}: capture rate`, 'frames/s', 1e6 / capture);
        samples.add(`${shape.label}: floor (unindexed rows)`, 'µs/row', floor);
        samples.add(`${shape.label}: capture / floor`, '×', capture / floor);
      } finally {
        rmSync(directory, { recursive: true, force: true });
        removed();
      }
    }
  }
  return {
    benchmark: 'capture-write',
    runs: options.runs,
    parameters: { 'frames a run': FRAMES, 'WAL restarted every (frames)': CHECKPOINT_EVERY_FRAMES },
    databases: [
      {
        dialect: 'sqlite',
        label:
          "sqlite (WAL, commits without a sync: the writing thread's own time; the disk's fsync is not in these figures)",
        metrics: samples.summaries(),
      },
    ],
  };
}

/**
 * What writing a capture batch costs the thread that writes it (`writeCaptureBatch` over
 * the prepared SQLite statements, on a real file), per frame, for the batch shapes of the
 * MQTT and HTTP ingest benchmarks, beside the floor of inserting as many unindexed rows:
 * the storage's share of an acknowledgement, without the network's noise.
 */
export const captureWrite: Benchmark = {
  name: 'capture-write',
  description:
    'capture storage alone: µs a frame of writing capture batches (MQTT, HTTP single, HTTP batch shapes) on SQLite, vs unindexed rows',
  run: runCaptureWrite,
};

export default captureWrite;

if (isEntryPoint(import.meta.url))
  process.exitCode = await runBenchmarkCli([captureWrite], process.argv.slice(2));
