import { once } from 'node:events';
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import type { ImportReport } from '../api-types.js';
import { ApiError, networkError } from '../client.js';
import { CommandContext } from '../context.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { collect, oneOf } from '../options.js';
import { type Column, formatJson, formatTable, print } from '../output.js';
import { Progress } from '../progress.js';
import { DELETED_MODES } from './device-commands.js';

export const FORMATS = ['csv', 'ndjson'] as const;
export type Format = (typeof FORMATS)[number];
export const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
};
/** How many row errors the human report lists; --json gives all the server returned. */
const SHOWN_ERRORS = 20;

export function formatFromName(file: string): Format | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  return undefined;
}

/** A web stream over a Node stream that reports every chunk's size as fetch pulls it. */
function countingBody(
  source: NodeJS.ReadableStream,
  onChunk: (bytes: number) => void,
): ReadableStream<Uint8Array> {
  const chunks = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) {
        controller.close();
        return;
      }
      const chunk = typeof value === 'string' ? Buffer.from(value) : value;
      onChunk(chunk.byteLength);
      controller.enqueue(chunk);
    },
    async cancel() {
      await chunks.return?.();
    },
  });
}

type RowError = ImportReport['errors'][number];
const errorColumns: readonly Column<RowError>[] = [
  { header: 'line', value: (e) => String(e.line) },
  { header: 'id', value: (e) => e.id ?? '-' },
  { header: 'code', value: (e) => e.code },
  { header: 'message', value: (e) => e.message },
];

function reportText(report: ImportReport, source: string): string {
  const lines = [
    `import of ${source} (${report.mode}): received ${report.received}, created ${report.created}, failed ${report.failed}`,
  ];
  if (report.mode === 'atomic' && !report.committed) lines.push('not committed: no device was created');
  if (report.errors.length > 0) {
    lines.push('', formatTable(errorColumns, report.errors.slice(0, SHOWN_ERRORS)).trimEnd());
    const more = report.failed - Math.min(report.errors.length, SHOWN_ERRORS);
    if (more > 0)
      lines.push(
        `… and ${more} more (--json lists ${report.errorsTruncated ? 'the first ' : ''}${report.errors.length})`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** Counts the records of an export as its bytes go by; CSV newlines inside quotes do not count. */
export class RecordCounter {
  readonly #csv: boolean;
  #inQuotes = false;
  #header: boolean;

  constructor(format: Format) {
    this.#csv = format === 'csv';
    this.#header = this.#csv;
  }

  /** Records completed in this chunk. */
  count(chunk: Uint8Array): number {
    let records = 0;
    for (const byte of chunk) {
      if (this.#csv && byte === 0x22) this.#inQuotes = !this.#inQuotes;
      else if (byte === 0x0a && !this.#inQuotes) {
        if (this.#header) this.#header = false;
        else records += 1;
      }
    }
    return records;
  }
}

/**
 * Copies a streamed response body to `destination` chunk by chunk, waiting for `drain`
 * when it is full, so memory stays flat. A broken download is a network failure (exit 7);
 * a failed write is reported as such.
 */
export async function copyBody(
  response: Response,
  destination: NodeJS.WritableStream,
  url: string,
  onChunk: (chunk: Uint8Array) => void,
  transform?: (chunk: Uint8Array) => Uint8Array,
): Promise<void> {
  if (!response.body) return;
  let writeError: Error | undefined;
  const onError = (error: Error) => {
    writeError = error;
  };
  destination.on('error', onError);
  const chunks = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw networkError(url, error);
      }
      if (next.done) return;
      const chunk =
        transform === undefined ? (next.value as Uint8Array) : transform(next.value as Uint8Array);
      if (chunk.byteLength === 0) continue;
      if (writeError) break;
      // once() rejects when 'error' comes first, and removes its listeners either way.
      if (!destination.write(chunk)) await once(destination, 'drain').catch(() => {});
      if (writeError) break;
      onChunk(chunk);
    }
    throw new CliError('write_failed', `cannot write the export: ${writeError?.message}`, ExitCode.internal);
  } finally {
    destination.off('error', onError);
    await chunks.return?.().catch(() => {});
  }
}

interface ImportOptions {
  format?: Format;
  atomic?: boolean;
  type?: string;
  quiet?: boolean;
}

interface ExportOptions {
  format?: Format;
  out?: string;
  type?: string;
  tag?: string[];
  deleted?: (typeof DELETED_MODES)[number];
  quiet?: boolean;
}

/** `devices import FILE` and `devices export`: streamed both ways, with progress on stderr. */
export function registerTransferCommands(devices: Command, io: CliIo): void {
  devices
    .command('import')
    .description('bulk-create devices from a CSV or NDJSON file, streamed, with a per-row report')
    .argument('<file>', 'the file (.csv, .ndjson or .jsonl); - reads standard input')
    .option('--format <format>', 'csv or ndjson (default: from the file extension)', oneOf(FORMATS))
    .option('--atomic', 'all or nothing: create no device unless every row is good')
    .option('--type <type>', 'device type for rows that name none')
    .option('--quiet', 'no progress on stderr')
    .action(async function importDevices(file: string, options: ImportOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const fromStdin = file === '-';
      const format = options.format ?? (fromStdin ? undefined : formatFromName(file));
      if (format === undefined) {
        throw new UsageError(
          `cannot tell the format of ${fromStdin ? 'standard input' : file}: pass --format csv or --format ndjson`,
        );
      }
      let size: number | undefined;
      let source: NodeJS.ReadableStream;
      if (fromStdin) {
        if (!io.stdin) throw new UsageError('no standard input to read');
        source = io.stdin;
      } else {
        try {
          const stat = statSync(file);
          if (!stat.isFile()) throw new Error('not a regular file');
          size = stat.size;
        } catch (error) {
          throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
        }
        source = createReadStream(file);
      }
      const client = ctx.client;
      const progress = new Progress(io.stderr, {
        unit: 'bytes',
        total: size,
        label: `uploading ${fromStdin ? 'stdin' : path.basename(file)}`,
        enabled: options.quiet !== true,
      });
      let report: ImportReport;
      try {
        report = await client.request<ImportReport>('POST', '/v1/devices/import', {
          query: { format, atomic: options.atomic === true, typeId: options.type },
          headers: { 'content-type': CONTENT_TYPES[format] },
          body: countingBody(source, (bytes) => progress.advance(bytes)),
        });
        progress.finish();
      } catch (error) {
        // A failed atomic import answers 422 import_rejected with its report as the problem's data.
        if (error instanceof ApiError && error.problem.code === 'import_rejected' && error.problem.data) {
          progress.finish();
          report = error.problem.data as unknown as ImportReport;
        } else {
          progress.abandon();
          throw error;
        }
      } finally {
        if ('destroy' in source && typeof source.destroy === 'function' && source !== io.stdin)
          source.destroy();
      }
      ctx.show(report, (r) => reportText(r, fromStdin ? 'stdin' : file));
      if (report.failed > 0 || !report.committed) {
        const what = report.committed
          ? `${report.failed} of ${report.received} rows were rejected`
          : `the atomic import was not committed: ${report.failed} of ${report.received} rows were rejected`;
        throw new CliError('import_rejected', what, ExitCode.invalid);
      }
    });

  devices
    .command('export')
    .description('stream every matching device as NDJSON or CSV (re-importable as is)')
    .option('--format <format>', 'ndjson or csv (default: from --out, else ndjson)', oneOf(FORMATS))
    .option('--out <file>', 'write to this file (default: standard output)')
    .option('--type <type>', 'only devices of this type')
    .option('--tag <key[=value]>', 'only devices with this tag; repeat for AND', collect)
    .option(
      '--deleted <mode>',
      `deleted devices: ${DELETED_MODES.join(', ')} (default exclude)`,
      oneOf(DELETED_MODES),
    )
    .option('--quiet', 'no progress on stderr')
    .action(async function exportDevices(options: ExportOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const toStdout = options.out === undefined || options.out === '-';
      const format = options.format ?? (options.out ? formatFromName(options.out) : undefined) ?? 'ndjson';
      const client = ctx.client;
      const response = await client.send('GET', '/v1/devices/export', {
        query: { format, typeId: options.type, tag: options.tag, deleted: options.deleted },
        headers: { accept: `${CONTENT_TYPES[format]}, application/problem+json` },
      });
      const totalHeader = response.headers.get('x-total-count');
      const total = totalHeader === null ? undefined : Number(totalHeader);
      const progress = new Progress(io.stderr, {
        unit: 'rows',
        total,
        label: 'exporting',
        enabled: options.quiet !== true,
      });
      // A file is written beside its final name and renamed at the end, so a broken
      // export never leaves a file that looks complete.
      const target = toStdout ? undefined : options.out;
      const partial = target === undefined ? undefined : `${target}.partial`;
      const destination = partial === undefined ? io.stdout : createWriteStream(partial);
      const counter = new RecordCounter(format);
      try {
        await copyBody(response, destination, client.url, (chunk) => progress.advance(counter.count(chunk)));
        if (partial !== undefined && target !== undefined) {
          destination.end();
          await once(destination, 'close');
          renameSync(partial, target);
        }
        progress.finish();
      } catch (error) {
        progress.abandon();
        if (partial !== undefined) {
          destination.end();
          rmSync(partial, { force: true });
        }
        throw error;
      }
      if (options.quiet !== true && !ctx.json) {
        print(
          io.stderr,
          `exported ${progress.done} device${progress.done === 1 ? '' : 's'}${target ? ` to ${target}` : ''}`,
        );
      } else if (ctx.json && target !== undefined) {
        io.stdout.write(formatJson({ out: target, format, rows: progress.done, total: total ?? null }));
      }
    });
}
