import { formatNumber } from '../support/report-table.js';

/** One row of the summary: a measurement, each broker's median, and the ratios' medians. */
export interface SummaryRow {
  readonly measurement: string;
  readonly unit: string;
  /** By broker name; absent when the broker did not take part or was not available. */
  readonly values: ReadonlyMap<string, number>;
  /** By ratio name (`fleetport / mosquitto`). */
  readonly ratios: ReadonlyMap<string, number>;
}

/**
 * The side-by-side summary the harness's one-metric-per-line table does not give: one
 * line per measurement, a column per broker, then a column per ratio ('-' where absent).
 */
export function formatSummary(rows: readonly SummaryRow[], brokers: readonly string[]): string[] {
  const ratioNames = [...new Set(rows.flatMap((row) => [...row.ratios.keys()]))];
  const header = ['measurement (medians)', ...brokers, ...ratioNames, 'unit'];
  const cells = rows.map((row) => [
    row.measurement,
    ...brokers.map((broker) => {
      const value = row.values.get(broker);
      return value === undefined ? '-' : formatNumber(value);
    }),
    ...ratioNames.map((name) => {
      const value = row.ratios.get(name);
      return value === undefined ? '-' : `${value.toFixed(2)}×`;
    }),
    row.unit,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) =>
        column === 0 || column === row.length - 1
          ? cell.padEnd(widths[column] ?? 0)
          : cell.padStart(widths[column] ?? 0),
      )
      .join(' | ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...cells.map(line)];
}
