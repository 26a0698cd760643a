import { performance } from 'node:perf_hooks';
import { ApiClient, ApiError, field, numberField, stringField } from './support/api-client.js';
import { startBenchServer } from './support/bench-server.js';
import type { Benchmark, BenchOptions, BenchResult } from './support/benchmark.js';
import { isEntryPoint, runBenchmarkCli } from './support/cli.js';
import { type RunContext, repeatOnDatabases } from './support/repeat-on-databases.js';
import { formatNumber } from './support/report-table.js';
import { perSecond } from './support/stats.js';

const TYPE_ID = 'bench-tracker';
const PAGE_LIMIT = 1000;
/** NDJSON lines per chunk of the streamed import body. */
const LINES_PER_CHUNK = 1000;

/** Sorts like the number it carries, so keyset order and generation order agree. */
function deviceId(prefix: string, index: number): string {
  return `${prefix}-${index.toString().padStart(9, '0')}`;
}

/** A device as a fleet export would carry it: a couple of tags and a small attributes object. */
function deviceBody(prefix: string, index: number) {
  return {
    id: deviceId(prefix, index),
    typeId: TYPE_ID,
    name: `Tracker ${index}`,
    tags: { site: `site-${index % 50}`, batch: `b${index % 7}` },
    attributes: { hw: 2, fw: '1.4.2', calibration: { offset: (index % 100) / 100 } },
  };
}

/** The import body, generated chunk by chunk as fetch pulls it: never the whole body in memory. */
async function* ndjsonBody(prefix: string, count: number): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < count; start += LINES_PER_CHUNK) {
    let chunk = '';
    const end = Math.min(count, start + LINES_PER_CHUNK);
    for (let index = start; index < end; index += 1)
      chunk += `${JSON.stringify(deviceBody(prefix, index))}\n`;
    yield Buffer.from(chunk);
  }
}

/** POST /v1/devices/import with a streamed NDJSON body; checks that every row was created. */
async function importFleet(client: ApiClient, count: number, atomic: boolean): Promise<number> {
  const started = performance.now();
  const response = await client.request(`/v1/devices/import?atomic=${atomic}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: ndjsonBody('dev', count),
    duplex: 'half',
  });
  const text = await response.text();
  const elapsed = performance.now() - started;
  if (!response.ok) throw new ApiError(response.status, text, 'POST /v1/devices/import');
  const report: unknown = JSON.parse(text);
  const created = numberField(report, 'created');
  const failed = numberField(report, 'failed');
  if (created !== count || failed !== 0 || field(report, 'committed') !== true) {
    throw new Error(`import (atomic=${atomic}) expected ${count} created, got ${text.slice(0, 500)}`);
  }
  return elapsed;
}

/** GET /v1/devices page by page following nextCursor; checks the count and the id order. */
async function pageThrough(client: ApiClient, expected: number): Promise<number> {
  const started = performance.now();
  let cursor: string | null = null;
  let seen = 0;
  let previous = '';
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page = await client.json('GET', `/v1/devices?limit=${PAGE_LIMIT}${query}`);
    const items = field(page, 'items');
    if (!Array.isArray(items) || items.length > PAGE_LIMIT)
      throw new Error('a page is not a list of at most 1000');
    for (const item of items) {
      const id = stringField(item, 'id');
      if (!(id > previous)) throw new Error(`paging: id '${id}' does not follow '${previous}'`);
      previous = id;
    }
    seen += items.length;
    const next = field(page, 'nextCursor');
    if (next !== null && typeof next !== 'string') throw new Error('nextCursor is neither a string nor null');
    cursor = next;
  } while (cursor !== null);
  const elapsed = performance.now() - started;
  if (seen !== expected) throw new Error(`paging saw ${seen} devices, expected ${expected}`);
  return elapsed;
}

/** GET /v1/devices/export, read as a stream; counts lines without parsing them. */
async function exportAll(client: ApiClient, expected: number): Promise<number> {
  const started = performance.now();
  const response = await client.request('/v1/devices/export?format=ndjson');
  if (!response.ok || !response.body) {
    throw new ApiError(response.status, await response.text(), 'GET /v1/devices/export');
  }
  let lines = 0;
  for await (const chunk of response.body) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines += 1;
  }
  const elapsed = performance.now() - started;
  const total = Number(response.headers.get('x-total-count'));
  if (lines !== expected || total !== expected) {
    throw new Error(`export streamed ${lines} lines (x-total-count ${total}), expected ${expected}`);
  }
  return elapsed;
}

/** POST /v1/devices one at a time, each waiting for the previous answer. */
async function createOneByOne(client: ApiClient, count: number): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < count; index += 1) {
    await client.json('POST', '/v1/devices', deviceBody('new', index));
  }
  return performance.now() - started;
}

/** A tenant of its own with an operator key and the benchmark's device type. */
async function freshTenant(admin: ApiClient, url: string, id: string): Promise<ApiClient> {
  await admin.json('POST', '/v1/tenants', { id, name: `Benchmark ${id}` });
  const key = await admin.json('POST', `/v1/tenants/${id}/keys`, { name: 'bench', scope: 'operator' });
  const client = new ApiClient(url, stringField(key, 'secret'));
  await client.json('POST', '/v1/device-types', { id: TYPE_ID, name: 'Benchmark tracker' });
  return client;
}

async function registryRun({ database, record, say }: RunContext, options: BenchOptions): Promise<void> {
  const n = options.devices;
  const rate = (what: string, count: number, elapsed: number, unit: string) => {
    const value = perSecond(count, elapsed);
    record(what, unit, value);
    say(
      `${what}: ${formatNumber(count)} in ${formatNumber(elapsed / 1000)} s → ${formatNumber(value)} ${unit}`,
    );
  };

  const server = await startBenchServer(database);
  try {
    const admin = new ApiClient(server.url, server.adminKey);
    await admin.json('POST', '/v1/device-types', { id: TYPE_ID, name: 'Benchmark tracker' });

    rate('import NDJSON, best-effort', n, await importFleet(admin, n, false), 'devices/s');
    const atomicTenant = await freshTenant(admin, server.url, 'bench-atomic');
    rate('import NDJSON, atomic (fresh tenant)', n, await importFleet(atomicTenant, n, true), 'devices/s');
    rate(`list, limit=${PAGE_LIMIT} via nextCursor`, n, await pageThrough(admin, n), 'devices/s');
    rate('export NDJSON stream', n, await exportAll(admin, n), 'devices/s');
    if (options.creates > 0) {
      rate(
        'create one by one (sequential)',
        options.creates,
        await createOneByOne(admin, options.creates),
        'creates/s',
      );
    }
  } finally {
    await server.close();
  }
}

/** The device registry over the HTTP API: bulk import, paging, export and single creates. */
export const registry: Benchmark = {
  name: 'registry',
  description: 'device registry over HTTP: bulk import (best-effort, atomic), paging, export, single creates',
  async run(options: BenchOptions): Promise<BenchResult> {
    const databases = await repeatOnDatabases(options, 'registry', (context) =>
      registryRun(context, options),
    );
    return {
      benchmark: 'registry',
      runs: options.runs,
      parameters: { devices: options.devices, creates: options.creates },
      databases,
    };
  },
};

export default registry;

if (isEntryPoint(import.meta.url))
  process.exitCode = await runBenchmarkCli([registry], process.argv.slice(2));
