import type { BenchOptions, DatabaseResult } from './benchmark.js';
import type { FreshDatabase } from './database-targets.js';
import { RssSampler } from './rss-sampler.js';
import { SampleSet } from './stats.js';

/** What one run gets: its database, a way to record a figure, and a progress line writer. */
export interface RunContext {
  readonly database: FreshDatabase;
  record(metric: string, unit: string, value: number): void;
  say(line: string): void;
}

/**
 * Runs `once` `options.runs` times on every database, each time on a fresh, empty one that
 * is dropped afterwards, and summarizes every metric. Adds the process's RSS peak during
 * each run as a metric of its own.
 */
export async function repeatOnDatabases(
  options: BenchOptions,
  benchmark: string,
  once: (context: RunContext) => Promise<void>,
): Promise<DatabaseResult[]> {
  const results: DatabaseResult[] = [];
  for (const target of options.databases) {
    const samples = new SampleSet();
    for (let run = 1; run <= options.runs; run += 1) {
      const prefix = `[${benchmark} ${target.dialect} ${run}/${options.runs}]`;
      const database = await target.create();
      const sampler = new RssSampler();
      try {
        await once({
          database,
          record: (metric, unit, value) => samples.add(metric, unit, value),
          say: (line) => options.progress(`${prefix} ${line}`),
        });
      } finally {
        samples.add('process RSS peak', 'MB', sampler.stop() / 2 ** 20);
        await database.drop();
      }
    }
    results.push({ dialect: target.dialect, label: target.label, metrics: samples.summaries() });
  }
  return results;
}
