import { captureWrite } from './capture-write.js';
import { codecs } from './codecs.js';
import { commands } from './commands.js';
import { conditions } from './conditions.js';
import { dataOut } from './data-out.js';
import { fleetHealth } from './fleet-health.js';
import { ingest } from './ingest.js';
import { mqtt } from './mqtt.js';
import { registry } from './registry.js';
import type { Benchmark } from './support/benchmark.js';
import { runBenchmarkCli } from './support/cli.js';
import { twins } from './twins.js';

/** Every benchmark, in the order a full run takes them. New ones are added here. */
export const benchmarks: readonly Benchmark[] = [
  registry,
  ingest,
  captureWrite,
  mqtt,
  codecs,
  conditions,
  commands,
  twins,
  fleetHealth,
  dataOut,
];

process.exitCode = await runBenchmarkCli(benchmarks, process.argv.slice(2));
