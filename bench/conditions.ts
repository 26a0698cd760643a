import { performance } from 'node:perf_hooks';
import { parse as bufParse, plan as bufPlan, CelScalar, celEnv, mapType } from '@bufbuild/cel';
import { Environment } from '@marcbachmann/cel-js';
import { build } from 'esbuild';
import { compileCondition, type DeviceFacts } from '../packages/server/src/modules/conditions/index.js';
import { insertDevicesIn, type NewDeviceRow } from '../packages/server/src/modules/devices/device-store.js';
import { startBenchServer } from './support/bench-server.js';
import type { Benchmark, BenchOptions, BenchResult } from './support/benchmark.js';
import { isEntryPoint, runBenchmarkCli } from './support/cli.js';
import { type RunContext, repeatOnDatabases } from './support/repeat-on-databases.js';
import { formatNumber } from './support/report-table.js';
import { perSecond, SampleSet } from './support/stats.js';

/**
 * The two maintained CEL implementations for npm, side by side on device conditions
 * (issue 19 item 5): compile time, evaluations per second over device-like objects, and the
 * minified bundle each adds; then Fleetport's own compiled condition (the chosen engine with
 * its declared environment and the device activation) on the same devices.
 */

const DEVICES = 10_000;
const NOW = Date.UTC(2026, 0, 15, 12);

const EXPRESSIONS: readonly { label: string; source: string }[] = [
  { label: 'ids and tags', source: 'type == "tracker" && tags.site == "paris"' },
  {
    label: 'attributes, in, startsWith',
    source:
      'attributes.fw >= 2.0 && attributes.model in ["T1", "T3"] && id.startsWith("d1") || has(tags.zone)',
  },
  { label: 'comprehension', source: 'attributes.list.exists(x, x > 2.0) && size(tags) >= 2' },
];

interface DeviceObject {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly tags: Record<string, string>;
  readonly attributes: Record<string, unknown>;
}

function deviceAt(i: number): DeviceObject {
  return {
    id: `d${String(i).padStart(7, '0')}`,
    type: i % 3 === 0 ? 'tracker' : 'meter',
    name: `device ${i}`,
    tags: { site: i % 4 === 0 ? 'paris' : 'lyon', ...(i % 10 === 0 ? { zone: 'north' } : {}) },
    attributes: { fw: 1 + (i % 5) * 0.5, model: `T${i % 4}`, list: [i % 3, (i % 7) / 2] },
  };
}

function fleet(): DeviceObject[] {
  return Array.from({ length: DEVICES }, (_, i) => deviceAt(i));
}

function marcEnvironment(): Environment {
  return new Environment()
    .registerVariable('id', 'string')
    .registerVariable('device_type', 'string')
    .registerVariable('name', 'string')
    .registerVariable('tags', 'map<string, string>')
    .registerVariable('attributes', 'map<string, dyn>');
}

const bufEnvironment = celEnv({
  variables: {
    id: CelScalar.STRING,
    type: CelScalar.STRING,
    name: CelScalar.STRING,
    tags: mapType(CelScalar.STRING, CelScalar.STRING),
    attributes: mapType(CelScalar.STRING, CelScalar.DYN),
  },
});

/** Microseconds per compile, over `rounds` distinct sources (a literal varies, so no cache helps). */
function compileMicros(rounds: number, source: string, compile: (text: string) => void): number {
  const started = performance.now();
  for (let i = 0; i < rounds; i++) compile(`${source} || id == "x${i}"`);
  return ((performance.now() - started) * 1000) / rounds;
}

/** Evaluations per second over the fleet, for `ms`; checks the match count first. */
function evalRate(
  ms: number,
  devices: readonly DeviceObject[],
  matches: (d: DeviceObject) => boolean,
): number {
  const started = performance.now();
  let count = 0;
  let now = started;
  while (now - started < ms) {
    for (const device of devices) matches(device);
    count += devices.length;
    now = performance.now();
  }
  return perSecond(count, now - started);
}

async function bundleBytes(contents: string): Promise<number> {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    write: false,
  });
  return result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
}

async function runConditions(options: BenchOptions): Promise<BenchResult> {
  const windowMs = (options.duration * 1000) / 10;
  const devices = fleet();
  const facts: DeviceFacts[] = devices.map((d) => ({
    id: d.id,
    typeId: d.type,
    name: d.name,
    tags: d.tags,
    attributes: d.attributes,
    lifecycle: 'activated',
    lastSeenAt: NOW,
  }));
  const samples = new SampleSet();
  const marc = marcEnvironment();
  for (let run = 1; run <= options.runs; run++) {
    for (const { label, source } of EXPRESSIONS) {
      // @marcbachmann/cel-js cannot declare `type` (CEL's own identifier); Fleetport renames it in the tree.
      const marcSource = source.replaceAll('type ==', 'device_type ==');
      const marcCompile = compileMicros(2000, marcSource, (text) => {
        const parsed = marc.parse(text);
        if (!parsed.check().valid) throw new Error(`does not check: ${text}`);
      });
      const bufCompile = compileMicros(2000, source, (text) => {
        bufPlan(bufEnvironment, bufParse(text));
      });
      const marcEval = marc.parse(marcSource);
      marcEval.check();
      const bufEval = bufPlan(bufEnvironment, bufParse(source));
      const condition = compileCondition(source);
      const marcMatch = (d: DeviceObject) =>
        marcEval({ id: d.id, device_type: d.type, name: d.name, tags: d.tags, attributes: d.attributes }) ===
        true;
      // Plain objects are valid map inputs for @bufbuild/cel at run time; its binding types want CelInput.
      const bufMatch = (d: DeviceObject) => bufEval(d as never) === true;
      const expected = facts.filter((f) => condition.matches(f, NOW)).length;
      const counts = [devices.filter(marcMatch).length, devices.filter(bufMatch).length];
      if (counts.some((c) => c !== expected))
        throw new Error(`${label}: the engines disagree: ${expected}, ${counts}`);
      const marcRate = evalRate(windowMs, devices, marcMatch);
      const bufRate = evalRate(windowMs, devices, bufMatch);
      let index = 0;
      const fleetportRate = evalRate(windowMs, devices, () => {
        const f = facts[index++ % facts.length] as DeviceFacts;
        return condition.matches(f, NOW);
      });
      options.progress(
        `run ${run}: ${label}: compile ${marcCompile.toFixed(1)} / ${bufCompile.toFixed(1)} µs, eval ${formatNumber(marcRate)} / ${formatNumber(bufRate)} /s, Fleetport ${formatNumber(fleetportRate)} /s`,
      );
      samples.add(`${label}: compile, @marcbachmann/cel-js (parse + check)`, 'µs', marcCompile);
      samples.add(`${label}: compile, @bufbuild/cel (parse + plan, no check)`, 'µs', bufCompile);
      samples.add(`${label}: evaluate, @marcbachmann/cel-js`, 'devices/s', marcRate);
      samples.add(`${label}: evaluate, @bufbuild/cel`, 'devices/s', bufRate);
      samples.add(`${label}: Fleetport condition.matches`, 'devices/s', fleetportRate);
    }
  }
  const marcBytes = await bundleBytes(
    "import { Environment } from '@marcbachmann/cel-js'; console.log(new Environment().parse('1 == 1'));",
  );
  const bufBytes = await bundleBytes(
    "import { celEnv, parse, plan } from '@bufbuild/cel'; console.log(plan(celEnv(), parse('1 == 1')));",
  );
  samples.add('bundle, minified: @marcbachmann/cel-js', 'KiB', marcBytes / 1024);
  samples.add('bundle, minified: @bufbuild/cel (with @bufbuild/protobuf, cel-spec)', 'KiB', bufBytes / 1024);
  const stored = await repeatOnDatabases(options, 'conditions', (context) => whereOverApi(options, context));
  return {
    benchmark: 'conditions',
    runs: options.runs,
    parameters: { 'engine devices': DEVICES, 'window s': windowMs / 1000, 'stored devices': options.devices },
    databases: [
      {
        dialect: 'sqlite',
        label: 'no database: CEL engines over device-like objects in memory',
        metrics: samples.summaries(),
      },
      ...stored,
    ],
  };
}

/** `GET /v1/devices?where=` conditions over a stored fleet: one pushed down whole, one SQL cannot help. */
const STORED_CONDITIONS: readonly { label: string; where: string; matches: (i: number) => boolean }[] = [
  {
    label: 'pushed down (type and a tag)',
    where: 'type == "tracker" && tags.site == "paris"',
    matches: (i) => i % 3 === 0 && i % 4 === 0,
  },
  {
    label: 'in process (a comprehension)',
    where: 'attributes.list.exists(x, x > 2.0)',
    matches: (i) => (i % 7) / 2 > 2,
  },
];

async function whereOverApi(options: BenchOptions, context: RunContext): Promise<void> {
  const server = await startBenchServer(context.database);
  try {
    const db = server.store.db;
    await db
      .insertInto('device_types')
      .values(
        ['tracker', 'meter'].map((id) => ({
          tenant_id: 'default',
          id,
          name: id,
          description: '',
          expected_uplink_interval_s: null,
          settings: '{}',
          capture: '{}',
          version: 1,
          created_at: 1,
          updated_at: 1,
        })),
      )
      .execute();
    for (let start = 0; start < options.devices; start += 10_000) {
      const rows: NewDeviceRow[] = [];
      for (let i = start; i < Math.min(options.devices, start + 10_000); i++) {
        const d = deviceAt(i);
        rows.push({
          tenant_id: 'default',
          id: d.id,
          type_id: d.type,
          name: d.name,
          tags: JSON.stringify(d.tags),
          attributes: JSON.stringify(d.attributes),
          version: 1,
          created_at: 1,
          updated_at: 1,
          deleted_at: null,
        });
      }
      await db.transaction().execute((trx) => insertDevicesIn(trx, rows));
    }
    context.say(`${formatNumber(options.devices)} devices stored`);
    for (const { label, where, matches } of STORED_CONDITIONS) {
      const started = performance.now();
      let found = 0;
      let requests = 0;
      let cursor: string | null = null;
      do {
        const query = new URLSearchParams({ where, limit: '1000' });
        if (cursor !== null) query.set('cursor', cursor);
        const response = await fetch(`${server.url}/v1/devices?${query}`, {
          headers: { authorization: `Bearer ${server.adminKey}` },
        });
        if (response.status !== 200) throw new Error(`${label}: ${response.status} ${await response.text()}`);
        const page = (await response.json()) as { items: unknown[]; nextCursor: string | null };
        found += page.items.length;
        requests++;
        cursor = page.nextCursor;
      } while (cursor !== null);
      const elapsed = performance.now() - started;
      let expected = 0;
      for (let i = 0; i < options.devices; i++) if (matches(i)) expected++;
      if (found !== expected) throw new Error(`${label}: found ${found} devices, expected ${expected}`);
      context.say(
        `${label}: ${formatNumber(perSecond(options.devices, elapsed))} devices/s, ${requests} requests`,
      );
      context.record(`where, ${label}: fleet read`, 'devices/s', perSecond(options.devices, elapsed));
      context.record(`where, ${label}: matches returned`, 'devices/s', perSecond(found, elapsed));
    }
  } finally {
    await server.close();
  }
}

/** CEL engines compared on device conditions, and Fleetport's compiled conditions. */
export const conditions: Benchmark = {
  name: 'conditions',
  description:
    'CEL conditions: compile time and evaluations/s of @marcbachmann/cel-js and @bufbuild/cel, bundle sizes, Fleetport matches/s',
  run: runConditions,
};

export default conditions;

if (isEntryPoint(import.meta.url))
  process.exitCode = await runBenchmarkCli([conditions], process.argv.slice(2));
