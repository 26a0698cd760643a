import { performance } from 'node:perf_hooks';
import { parse as bufParse, plan as bufPlan, CelScalar, celEnv, mapType } from '@bufbuild/cel';
import { Environment } from '@marcbachmann/cel-js';
import { build } from 'esbuild';
import { compileCondition, type DeviceFacts } from '../packages/server/src/modules/conditions/index.js';
import type { Benchmark, BenchOptions, BenchResult } from './support/benchmark.js';
import { isEntryPoint, runBenchmarkCli } from './support/cli.js';
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

function fleet(): DeviceObject[] {
  return Array.from({ length: DEVICES }, (_, i) => ({
    id: `d${i}`,
    type: i % 3 === 0 ? 'tracker' : 'meter',
    name: `device ${i}`,
    tags: { site: i % 4 === 0 ? 'paris' : 'lyon', ...(i % 10 === 0 ? { zone: 'north' } : {}) },
    attributes: { fw: 1 + (i % 5) * 0.5, model: `T${i % 4}`, list: [i % 3, (i % 7) / 2] },
  }));
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
  return {
    benchmark: 'conditions',
    runs: options.runs,
    parameters: { devices: DEVICES, 'window s': windowMs / 1000 },
    databases: [
      {
        dialect: 'sqlite',
        label: 'no database: CEL engines over device-like objects in memory',
        metrics: samples.summaries(),
      },
    ],
  };
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
