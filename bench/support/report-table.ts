import type { BenchResult, MetricSummary } from './benchmark.js';

/** Thousands separators for big figures, a few decimals for small ones. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  // First and last columns are text; the numbers between them align right.
  const pad = (cell: string, column: number) =>
    column === 0 || column === header.length - 1
      ? cell.padEnd(widths[column] ?? 0)
      : cell.padStart(widths[column] ?? 0);
  const line = (cells: readonly string[]) => cells.map(pad).join(' | ').trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('-|-');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * `metric | median | min | max | unit`, with one median/min/max group per database side by
 * side when the benchmark ran on more than one.
 */
export function formatResult(result: BenchResult): string {
  const parameters = Object.entries(result.parameters)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? formatNumber(value) : value}`)
    .join(', ');
  const heading = `${result.benchmark} — ${parameters}, ${result.runs} run${result.runs === 1 ? '' : 's'}`;
  const several = result.databases.length > 1;
  const header = ['metric'];
  for (const database of result.databases) {
    const prefix = several ? `${database.dialect} ` : '';
    header.push(`${prefix}median`, 'min', 'max');
  }
  header.push('unit');

  const metricNames: { metric: string; unit: string }[] = [];
  for (const database of result.databases) {
    for (const summary of database.metrics) {
      if (!metricNames.some((m) => m.metric === summary.metric)) metricNames.push(summary);
    }
  }
  const rows = metricNames.map(({ metric, unit }) => {
    const row = [metric];
    for (const database of result.databases) {
      const summary: MetricSummary | undefined = database.metrics.find((m) => m.metric === metric);
      row.push(...(summary ? [summary.median, summary.min, summary.max].map(formatNumber) : ['-', '-', '-']));
    }
    row.push(unit);
    return row;
  });
  const legend = result.databases.map((database) => `  ${database.label}`).join('\n');
  return `${heading}\n${legend}\n\n${renderTable(header, rows)}`;
}
