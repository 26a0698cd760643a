import type { OutputStream } from './io.js';

/** One column of a table: its header and how to read a cell from a row. */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
}

/** Aligned text columns separated by two spaces, headers in capitals, no trailing blanks. */
export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = [
    columns.map((c) => c.header.toUpperCase()),
    ...rows.map((row) => columns.map((c) => oneLine(c.value(row)))),
  ];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => (line[index] ?? '').length)));
  return cells
    .map((line) =>
      line
        .map((cell, index) => (index === line.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** `label  value` lines, labels aligned, for one resource. */
export function formatDetails(entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(...entries.map(([label]) => label.length));
  return entries
    .map(([label, value]) => `${label.padEnd(width)}  ${oneLine(value)}`.trimEnd())
    .join('\n')
    .concat('\n');
}

/** Machine output: the API's JSON, indented, one document. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Control characters would break a table's alignment (or a terminal): show them escaped. */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** `k=v,k2=v2`, or `-` when empty. */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  const entries = Object.entries(tags);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(',');
}

/** An ISO timestamp shortened to the second, or `-`. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

/** Writes text to a stream (tables, messages); a helper so commands read as output, not plumbing. */
export function print(stream: OutputStream, text: string): void {
  stream.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
}

/** Bytes for people: 1.2 MiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
