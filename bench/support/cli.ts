import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { limitYoungGeneration } from '../../packages/server/src/kernel/young-generation.js';
import type { Benchmark, BenchOptions, BenchResult, IngestCodecChoice } from './benchmark.js';
import { runOwedCleanups } from './cleanup.js';
import { type DatabaseTarget, postgresTarget, sqliteTarget, startAutoPostgres } from './database-targets.js';
import { formatNumber, formatResult } from './report-table.js';
import { processRssPeakBytes } from './rss-sampler.js';

/** Exit codes: 0 done, 1 a benchmark failed (or a check did), 2 bad command line. */
export type ExitCode = 0 | 1 | 2;

const USAGE = `usage: npm run bench -- [name ...] [options]
       npx tsx bench/<name>.ts [options]

Runs the named benchmarks (all of them without a name) against an in-process Fleetport.

options:
  --runs N         repetitions per database; reports median, min and max (default 3)
  --devices N      fleet size for the registry benchmark (default 100000)
  --creates N      sequential single-device creates in the registry benchmark (default 2000)
  --duration S     seconds of each measured load window in the ingest benchmark (default 10)
  --connections N  load generator connections in the ingest benchmark (default 100)
  --codec KIND     ingest: save a codec on the device types it provisions, so that decoding
                   runs under the load: none, js (the HTTP type), sigfox (the Sigfox type)
                   or all (default none)
  --profile DIR    ingest: write a CPU profile of the server over each measured window to
                   DIR and print its top functions; mqtt: profile each Node broker process
                   (start-up included) into a folder of DIR per measurement, print them
  --pg URL|auto    also run on PostgreSQL (URL of a role that may create databases; auto
                   starts a throwaway cluster from /usr/lib/postgresql). Default:
                   FLEETPORT_BENCH_DATABASE_URL when set.
  --json           print the results as JSON on stdout instead of tables
  --list           list the benchmarks and exit
  --help           show this help`;

class UsageError extends Error {}

const CODEC_CHOICES: readonly IngestCodecChoice[] = ['none', 'js', 'sigfox', 'all'];

function codecChoice(raw: string | undefined): IngestCodecChoice {
  if (raw === undefined) return 'none';
  const found = CODEC_CHOICES.find((choice) => choice === raw);
  if (found === undefined)
    throw new UsageError(`--codec must be one of ${CODEC_CHOICES.join(', ')}, got '${raw}'`);
  return found;
}

function positiveInteger(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new UsageError(`--${name} must be an integer of at least ${min}, got '${raw}'`);
  }
  return Number(raw);
}

function listing(benchmarks: readonly Benchmark[]): string {
  const width = Math.max(...benchmarks.map((b) => b.name.length));
  return benchmarks.map((b) => `  ${b.name.padEnd(width)}  ${b.description}`).join('\n');
}

/**
 * The command line shared by `bench/run.ts` and every benchmark run alone: parses the
 * options, resolves the databases, runs the chosen benchmarks in order and prints their
 * tables (or JSON). Returns the exit code.
 */
export async function runBenchmarkCli(
  available: readonly Benchmark[],
  argv: readonly string[],
): Promise<ExitCode> {
  // The in-process servers (and the bare routes beside them) run with V8's young generation
  // limited as `fleetport serve` runs it, so that the figures are those users get.
  limitYoungGeneration();
  let parsed: ReturnType<typeof parse>;
  let selected: Benchmark[];
  let runs: number;
  let devices: number;
  let creates: number;
  let duration: number;
  let connections: number;
  let codec: IngestCodecChoice;
  try {
    parsed = parse(argv);
    if (parsed.values.help) {
      process.stdout.write(`${USAGE}\n\nbenchmarks:\n${listing(available)}\n`);
      return 0;
    }
    if (parsed.values.list) {
      process.stdout.write(`${listing(available)}\n`);
      return 0;
    }
    const unknown = parsed.positionals.filter((name) => !available.some((b) => b.name === name));
    if (unknown.length > 0) {
      process.stderr.write(
        `unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}\navailable:\n${listing(available)}\n`,
      );
      return 2;
    }
    selected =
      parsed.positionals.length === 0
        ? [...available]
        : available.filter((b) => parsed.positionals.includes(b.name));
    runs = positiveInteger('runs', parsed.values.runs, 3, 1);
    devices = positiveInteger('devices', parsed.values.devices, 100_000, 1);
    creates = positiveInteger('creates', parsed.values.creates, 2000, 0);
    duration = positiveInteger('duration', parsed.values.duration, 10, 1);
    connections = positiveInteger('connections', parsed.values.connections, 100, 1);
    codec = codecChoice(parsed.values.codec);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }

  const pgSetting = parsed.values.pg ?? process.env.FLEETPORT_BENCH_DATABASE_URL;
  if (pgSetting !== undefined && pgSetting !== 'auto' && !/^postgres(ql)?:\/\//.test(pgSetting)) {
    process.stderr.write(`--pg must be a postgres:// URL or 'auto', got '${pgSetting}'\n`);
    return 2;
  }

  const progress = (line: string) => {
    process.stderr.write(`${line}\n`);
  };
  const interrupted = () => {
    progress('interrupted: cleaning up');
    void runOwedCleanups().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  let stopAutoPostgres: (() => Promise<void>) | undefined;
  try {
    const databases: DatabaseTarget[] = [sqliteTarget()];
    if (pgSetting === 'auto') {
      progress('starting a throwaway PostgreSQL cluster');
      const cluster = await startAutoPostgres();
      stopAutoPostgres = cluster.stop;
      databases.push(await postgresTarget(cluster.adminUrl, 'throwaway cluster'));
    } else if (pgSetting !== undefined) {
      databases.push(await postgresTarget(pgSetting, 'given URL'));
    }
    const options: BenchOptions = {
      runs,
      devices,
      creates,
      duration,
      connections,
      codec,
      profileDir: parsed.values.profile,
      databases,
      progress,
    };
    const results: BenchResult[] = [];
    for (const benchmark of selected) {
      progress(`== ${benchmark.name}: ${benchmark.description}`);
      const result = await benchmark.run(options);
      results.push(result);
      if (!parsed.values.json) process.stdout.write(`\n${formatResult(result)}\n`);
    }
    const rssPeak = processRssPeakBytes();
    if (parsed.values.json) {
      process.stdout.write(`${JSON.stringify({ results, processRssPeakBytes: rssPeak }, null, 2)}\n`);
    } else {
      process.stdout.write(
        `\nprocess RSS peak (whole run, this process: the server and any in-process client): ${formatNumber(rssPeak / 2 ** 20)} MB\n`,
      );
    }
    return 0;
  } catch (error) {
    process.stderr.write(
      `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  } finally {
    await stopAutoPostgres?.().catch(() => {});
    await runOwedCleanups();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      runs: { type: 'string' },
      devices: { type: 'string' },
      creates: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      codec: { type: 'string' },
      profile: { type: 'string' },
      pg: { type: 'string' },
      json: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** True when the module at `moduleUrl` is the script node (or tsx) was started with. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}
