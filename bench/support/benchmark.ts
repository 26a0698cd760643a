import type { DatabaseTarget } from './database-targets.js';

/** Which device types of the ingest benchmark get a codec (`--codec`). */
export type IngestCodecChoice = 'none' | 'js' | 'sigfox' | 'all';

/** What every benchmark receives from the harness (`bench/run.ts` or its own entry point). */
export interface BenchOptions {
  /** Repetitions per database; the report gives their median, min and max. */
  readonly runs: number;
  /** Fleet size for registry-style benchmarks. */
  readonly devices: number;
  /** Sequential single-device creates in the registry benchmark. */
  readonly creates: number;
  /** Seconds of each measured load window (ingest); a short warm-up precedes it. */
  readonly duration: number;
  /** Concurrent keep-alive connections of the load generator (ingest). */
  readonly connections: number;
  /** Ingest: the device types that get a codec, so that decoding runs under the load. */
  readonly codec: IngestCodecChoice;
  /** When set, a CPU profile of each measured window is written to this directory. */
  readonly profileDir: string | undefined;
  /** SQLite first, then PostgreSQL when `--pg` or FLEETPORT_BENCH_DATABASE_URL was given. */
  readonly databases: readonly DatabaseTarget[];
  /** Writes one progress line (to stderr, so `--json` output stays clean). */
  readonly progress: (line: string) => void;
}

/** One measured quantity over all runs on one database. */
export interface MetricSummary {
  readonly metric: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

/** A benchmark's figures on one database. */
export interface DatabaseResult {
  readonly dialect: DatabaseTarget['dialect'];
  /** The dialect and the settings that decide durability, e.g. `sqlite (WAL, synchronous=FULL)`. */
  readonly label: string;
  readonly metrics: readonly MetricSummary[];
}

export interface BenchResult {
  readonly benchmark: string;
  readonly runs: number;
  readonly parameters: Readonly<Record<string, number | string>>;
  readonly databases: readonly DatabaseResult[];
}

/**
 * A benchmark module's default export shape: `bench/run.ts` lists and runs these, and each
 * module can also run alone (`npx tsx bench/<name>.ts`).
 */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(options: BenchOptions): Promise<BenchResult>;
}
