import type { MetricSummary } from './benchmark.js';

/** Median (mean of the middle two for an even count), min and max of a metric's samples. */
export function summarize(metric: string, unit: string, samples: readonly number[]): MetricSummary {
  if (samples.length === 0) throw new Error(`no samples for ${metric}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const at = (index: number) => sorted[index] ?? Number.NaN;
  const median = sorted.length % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
  return { metric, unit, median, min: at(0), max: at(sorted.length - 1), samples };
}

/** Collects per-run samples by metric name, keeping the order metrics were first seen in. */
export class SampleSet {
  readonly #samples = new Map<string, { unit: string; values: number[] }>();

  add(metric: string, unit: string, value: number): void {
    let entry = this.#samples.get(metric);
    if (!entry) {
      entry = { unit, values: [] };
      this.#samples.set(metric, entry);
    }
    entry.values.push(value);
  }

  summaries(): MetricSummary[] {
    return [...this.#samples].map(([metric, { unit, values }]) => summarize(metric, unit, values));
  }
}

/** Items per second, given a count and a duration in milliseconds. */
export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : Number.POSITIVE_INFINITY;
}
