import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ApiClient, ApiError, stringField } from './support/api-client.js';
import { startBenchServer } from './support/bench-server.js';
import type { Benchmark, BenchOptions, BenchResult } from './support/benchmark.js';
import { isEntryPoint, runBenchmarkCli } from './support/cli.js';
import { type RunContext, repeatOnDatabases } from './support/repeat-on-databases.js';
import { formatNumber } from './support/report-table.js';
import { perSecond } from './support/stats.js';

const TYPE_ID = 'bench-meter';
const DEVICES = 20;
/** Messages per ingest request (the route's largest batch). */
const BATCH = 1000;

/** A receiver that answers 204 at once and counts the webhook deliveries it got (ids, so retries count once). */
async function startReceiver(): Promise<{ url: string; ids: Set<string>; close(): Promise<void> }> {
  const ids = new Set<string>();
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const id = request.headers['webhook-id'];
      if (typeof id === 'string') ids.add(id);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    ids,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Stores `perDevice` messages of each device, a thousand per request. */
async function ingest(url: string, tokens: readonly string[], perDevice: number, tag: string): Promise<void> {
  for (const [index, token] of tokens.entries()) {
    const device = new ApiClient(url, token);
    for (let start = 0; start < perDevice; start += BATCH) {
      const count = Math.min(BATCH, perDevice - start);
      await device.json('POST', '/v1/ingest', {
        messages: Array.from({ length: count }, (_, i) => ({
          hex: ((start + i) % 256).toString(16).padStart(2, '0').repeat(8),
          messageId: `${tag}-${index}-${start + i}`,
        })),
      });
    }
  }
}

/** GET /v1/messages/export read as a stream; counts lines without parsing them. */
async function exportAll(client: ApiClient, query: string, expected: number): Promise<number> {
  const started = performance.now();
  const response = await client.request(`/v1/messages/export?${query}`);
  if (!response.ok || !response.body)
    throw new ApiError(response.status, await response.text(), 'GET /v1/messages/export');
  let lines = 0;
  for await (const chunk of response.body) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines += 1;
  }
  const elapsed = performance.now() - started;
  const rows = query.includes('format=csv') ? lines - 1 : lines;
  if (rows !== expected) throw new Error(`export streamed ${rows} rows, expected ${expected}`);
  return elapsed;
}

async function dataOutRun({ database, record, say }: RunContext, options: BenchOptions): Promise<void> {
  const rate = (what: string, count: number, elapsed: number, unit: string) => {
    const value = perSecond(count, elapsed);
    record(what, unit, value);
    say(
      `${what}: ${formatNumber(count)} in ${formatNumber(elapsed / 1000)} s → ${formatNumber(value)} ${unit}`,
    );
  };
  // Health off, as the ingest benchmark's flag allows: this measures what goes out, not the samples.
  const server = await startBenchServer(database, { health: false });
  const receiver = await startReceiver();
  try {
    const admin = new ApiClient(server.url, server.adminKey);
    await admin.json('POST', '/v1/device-types', { id: TYPE_ID, name: 'Benchmark meter' });
    const tokens: string[] = [];
    for (let index = 0; index < DEVICES; index += 1) {
      const id = `meter-${index.toString().padStart(4, '0')}`;
      await admin.json('POST', '/v1/devices', { id, typeId: TYPE_ID });
      tokens.push(
        stringField(await admin.json('POST', `/v1/devices/${id}/credentials`, { kind: 'token' }), 'token'),
      );
    }

    // Export: the whole history, streamed, with and without the decode join, and as CSV.
    const perDevice = Math.max(BATCH, Math.round(options.devices / DEVICES));
    const total = perDevice * DEVICES;
    await ingest(server.url, tokens, perDevice, 'x');
    rate('export NDJSON (decoded=false)', total, await exportAll(admin, 'decoded=false', total), 'rows/s');
    rate('export NDJSON (with decodes)', total, await exportAll(admin, '', total), 'rows/s');
    rate('export CSV', total, await exportAll(admin, 'format=csv', total), 'rows/s');

    // Webhooks: one unordered endpoint on loopback gets every message.created; timed from
    // the first ingest request to the last delivery acknowledged.
    await admin.json('PUT', '/v1/tenants/default/webhook-settings', { allowPrivateTargets: true });
    await admin.json('POST', '/v1/webhooks', { url: receiver.url, eventTypes: ['message.created'] });
    const deliveries = Math.min(total, 20_000);
    const started = performance.now();
    await ingest(server.url, tokens, Math.ceil(deliveries / DEVICES), 'w');
    const expected = Math.ceil(deliveries / DEVICES) * DEVICES;
    const deadline = Date.now() + 300_000;
    while (receiver.ids.size < expected) {
      if (Date.now() > deadline) throw new Error(`webhooks: ${receiver.ids.size} of ${expected} delivered`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    rate('webhook deliveries (ingest → 204 received)', expected, performance.now() - started, 'deliveries/s');
  } finally {
    await receiver.close();
    await server.close();
  }
}

/** Data out: bulk export rows/s and webhook deliveries/s to a loopback receiver. */
export const dataOut: Benchmark = {
  name: 'data-out',
  description:
    'data out: bulk export of messages (NDJSON, CSV) rows/s; webhook deliveries/s to a local receiver',
  async run(options: BenchOptions): Promise<BenchResult> {
    const databases = await repeatOnDatabases(options, 'data-out', (context) => dataOutRun(context, options));
    return {
      benchmark: 'data-out',
      runs: options.runs,
      parameters: { messages: options.devices },
      databases,
    };
  },
};

export default dataOut;

if (isEntryPoint(import.meta.url)) process.exitCode = await runBenchmarkCli([dataOut], process.argv.slice(2));
