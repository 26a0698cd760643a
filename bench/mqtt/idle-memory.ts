import { fileURLToPath } from 'node:url';
import type { RunningBroker } from './broker-under-test.js';
import { deadline, lineReader, readRssBytes, sleep, spawnWithFileLimit } from './processes.js';

const LOAD_SCRIPT = fileURLToPath(new URL('./idle-connections.ts', import.meta.url));
/** Opening every connection may take this long. */
const CONNECT_TIMEOUT_MS = 120_000;
/** RSS is read every SAMPLE_MS; settled once STABLE_SAMPLES readings in a row stay within STABLE_BYTES. */
const SAMPLE_MS = 500;
const STABLE_SAMPLES = 4;
const STABLE_BYTES = 512 * 1024;
/** Settling gives up (and takes the last reading) after this long. */
const SETTLE_LIMIT_MS = 20_000;

/** A broker's resident memory before and with `connections` idle connections. */
export interface IdleMemory {
  readonly connections: number;
  readonly idleRssBytes: number;
  readonly loadedRssBytes: number;
  /** (loaded − idle) scaled to 10,000 connections, in MB (2^20 bytes). */
  readonly mbPer10k: number;
}

/**
 * Waits until the process's RSS stops moving (STABLE_SAMPLES readings within
 * STABLE_BYTES of each other) and returns the last reading; after SETTLE_LIMIT_MS it
 * returns the last one anyway (a Node broker's heap may keep breathing a little).
 */
async function settledRss(pid: number): Promise<number> {
  const readings: number[] = [readRssBytes(pid)];
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  while (Date.now() < deadline) {
    await sleep(SAMPLE_MS);
    readings.push(readRssBytes(pid));
    const recent = readings.slice(-STABLE_SAMPLES);
    if (recent.length === STABLE_SAMPLES && Math.max(...recent) - Math.min(...recent) <= STABLE_BYTES) break;
  }
  return readings[readings.length - 1] ?? 0;
}

function parseObject(line: string): Record<string, unknown> {
  const value: unknown = JSON.parse(line);
  if (value === null || typeof value !== 'object') throw new Error(`expected a JSON object, got ${line}`);
  return value as Record<string, unknown>;
}

/**
 * Measures `broker`'s resident memory per 10k idle connections: its settled RSS first,
 * then `connections` connections opened from a child process (CONNECT, CONNACK, nothing
 * more), its settled RSS again once all are accepted; checks that none was refused or
 * dropped meanwhile.
 */
export async function measureIdleMemory(broker: RunningBroker, connections: number): Promise<IdleMemory> {
  const idleRssBytes = await settledRss(broker.pid);
  const load = spawnWithFileLimit(
    process.execPath,
    ['--import', 'tsx', LOAD_SCRIPT, String(broker.port), String(connections)],
    {
      stdin: 'pipe',
    },
  );
  try {
    const { stdout, stdin } = load.child;
    if (stdout === null || stdin === null) throw new Error('the idle-connection load has no stdout or stdin');
    const nextLine = lineReader(stdout);
    const failed = load.exited.then(
      (status) => new Error(`the idle-connection load exited (${status}): ${load.stderrTail()}`),
    );
    const timeout = deadline(CONNECT_TIMEOUT_MS).then(
      () => new Error(`the idle-connection load took more than ${CONNECT_TIMEOUT_MS / 1000} s`),
    );
    const next = async () => {
      const outcome = await Promise.race([nextLine(), failed, timeout]);
      if (outcome instanceof Error) throw outcome;
      return parseObject(outcome);
    };
    const opened = await next();
    if (opened.connected !== connections) {
      throw new Error(
        `${String(opened.connected)} of ${connections} connections accepted, ${String(opened.refused)} refused; first error: ${String(opened.firstError)}`,
      );
    }
    const loadedRssBytes = await settledRss(broker.pid);
    stdin.write('count\n');
    const still = await next();
    if (still.open !== connections) {
      throw new Error(
        `the broker closed ${connections - Number(still.open)} of ${connections} idle connections`,
      );
    }
    return {
      connections,
      idleRssBytes,
      loadedRssBytes,
      mbPer10k: ((loadedRssBytes - idleRssBytes) / 2 ** 20) * (10_000 / connections),
    };
  } finally {
    load.child.stdin?.end();
    await load.stop();
  }
}
