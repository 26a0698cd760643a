import { once } from 'node:events';
import {
  closeSync,
  createWriteStream,
  existsSync,
  ftruncateSync,
  openSync,
  readSync,
  renameSync,
  statSync,
} from 'node:fs';
import type { Command } from 'commander';
import { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { collect, isoDateTime, oneOf } from '../options.js';
import { formatJson, print } from '../output.js';
import { Progress } from '../progress.js';
import {
  CONTENT_TYPES,
  copyBody,
  FORMATS,
  type Format,
  formatFromName,
  RecordCounter,
} from './transfer-commands.js';

interface MessageExportOptions {
  format?: Format;
  out?: string;
  device?: string;
  type?: string;
  where?: string;
  from?: string;
  to?: string;
  after?: string;
  decoded?: boolean;
  field?: string[];
  deleted?: 'exclude' | 'include';
  resume?: boolean;
  quiet?: boolean;
}

const TAIL_CHUNK = 64 * 1024;

/**
 * The id of the last complete row of a partial export, and the byte length up to the end of
 * that row (what a resumed export keeps). Read backwards from the end, so a large file is
 * not read whole. Undefined when it holds no complete row (nothing, or a CSV header only).
 */
export function lastCompleteRow(file: string, format: Format): { id: string; keep: number } | undefined {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  try {
    let end = size;
    let tail = Buffer.alloc(0);
    // The end of the last complete row: the last newline in the file.
    let lastNewline = -1;
    let position = size;
    while (position > 0 && lastNewline < 0) {
      const length = Math.min(TAIL_CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, position);
      tail = Buffer.concat([chunk, tail]);
      const at = tail.lastIndexOf(0x0a);
      if (at >= 0) lastNewline = position + at;
    }
    if (lastNewline < 0) return undefined;
    end = lastNewline + 1;
    // Its start: the newline before it, or the file's start.
    let start = -1;
    while (start < 0) {
      const inTail = tail.lastIndexOf(0x0a, lastNewline - position - 1);
      if (inTail >= 0) {
        start = position + inTail + 1;
        break;
      }
      if (position === 0) {
        start = 0;
        break;
      }
      const length = Math.min(TAIL_CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, position);
      tail = Buffer.concat([chunk, tail]);
    }
    const line = tail.subarray(start - position, end - 1 - position).toString('utf8');
    if (format === 'csv') {
      if (start === 0) return undefined; // the header alone
      const id = line.slice(0, line.indexOf(','));
      return id.length > 0 ? { id, keep: end } : undefined;
    }
    const row = JSON.parse(line) as { id?: unknown };
    return typeof row.id === 'string' ? { id: row.id, keep: end } : undefined;
  } finally {
    closeSync(fd);
  }
}

/** Drops the first line of a stream's bytes (a resumed CSV export's repeated header). */
function withoutFirstLine(): (chunk: Uint8Array) => Uint8Array {
  let skipping = true;
  return function skipHeader(chunk) {
    if (!skipping) return chunk;
    const at = Buffer.from(chunk).indexOf(0x0a);
    if (at < 0) return new Uint8Array(0);
    skipping = false;
    return chunk.subarray(at + 1);
  };
}

/** `fleetport export messages`: the bulk export of stored messages, streamed, resumable. */
export function registerExportCommands(program: Command, io: CliIo): void {
  const exporting = program.command('export').description('bulk export: stored messages as NDJSON or CSV');
  exporting
    .command('messages')
    .description('stream stored messages (with their decodes) as NDJSON or CSV, with progress; resumable')
    .option('--format <format>', 'ndjson or csv (default: from --out, else ndjson)', oneOf(FORMATS))
    .option('--out <file>', 'write to this file (default: standard output)')
    .option('--device <id>', "only this device's messages")
    .option('--type <type>', 'only devices of this type')
    .option('--where <cel>', 'only the devices this condition selects (docs/CONDITIONS.md)')
    .option('--from <time>', 'received at or after this instant', isoDateTime)
    .option('--to <time>', 'received before this instant', isoDateTime)
    .option('--after <message-id>', 'go on after this message (the last row of an earlier export)')
    .option('--no-decoded', 'leave the decodes out')
    .option('--field <path>', 'CSV: a column for this decoded field (dotted path); repeat', collect)
    .option(
      '--deleted <mode>',
      "exclude or include deleted devices' messages",
      oneOf(['exclude', 'include'] as const),
    )
    .option('--resume', 'with --out: go on after the last complete row of the interrupted FILE.partial')
    .option('--quiet', 'no progress on stderr')
    .action(async function exportMessages(options: MessageExportOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const target = options.out === undefined || options.out === '-' ? undefined : options.out;
      const format = options.format ?? (target ? formatFromName(target) : undefined) ?? 'ndjson';
      if (options.resume === true && target === undefined) throw new UsageError('--resume needs --out FILE');
      if (options.resume === true && options.after !== undefined)
        throw new UsageError('--resume finds where to go on by itself: leave --after out');
      const partial = target === undefined ? undefined : `${target}.partial`;
      let after = options.after;
      let append = false;
      if (options.resume === true && partial !== undefined && existsSync(partial)) {
        const last = lastCompleteRow(partial, format);
        // A torn last row is cut off; what stays ends with a complete row (or a header).
        const fd = openSync(partial, 'r+');
        try {
          ftruncateSync(fd, last?.keep ?? 0);
        } finally {
          closeSync(fd);
        }
        after = last?.id;
        append = last !== undefined;
      }
      const client = ctx.client;
      const response = await client.send('GET', '/v1/messages/export', {
        query: {
          format,
          deviceId: options.device,
          typeId: options.type,
          where: options.where,
          from: options.from,
          to: options.to,
          after,
          decoded: options.decoded === false ? false : undefined,
          field: options.field,
          deleted: options.deleted,
        },
        headers: { accept: `${CONTENT_TYPES[format]}, application/problem+json` },
      });
      const progress = new Progress(io.stderr, {
        unit: 'rows',
        label: append ? `exporting messages after ${after}` : 'exporting messages',
        enabled: options.quiet !== true,
      });
      const destination =
        partial === undefined ? io.stdout : createWriteStream(partial, { flags: append ? 'a' : 'w' });
      // A resumed CSV already has its header: the response's own is dropped.
      const counter = new RecordCounter(append && format === 'csv' ? 'ndjson' : format);
      let lastRow = after;
      const tracker = new LastIdTracker(format, append);
      const skip = append && format === 'csv' ? withoutFirstLine() : undefined;
      try {
        await copyBody(
          response,
          destination,
          client.url,
          (chunk) => {
            progress.advance(counter.count(chunk));
            lastRow = tracker.feed(chunk) ?? lastRow;
          },
          skip,
        );
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
          print(
            io.stderr,
            `the export stopped after ${progress.done} rows; ${partial} keeps them: run the same command with --resume to go on`,
          );
        } else if (lastRow !== undefined) {
          print(io.stderr, `the export stopped after message ${lastRow}: go on with --after ${lastRow}`);
        }
        throw error;
      }
      if (ctx.json && target !== undefined) {
        io.stdout.write(formatJson({ out: target, format, rows: progress.done, last: lastRow ?? null }));
      } else if (options.quiet !== true && !ctx.json) {
        print(
          io.stderr,
          `exported ${progress.done} message${progress.done === 1 ? '' : 's'}${target ? ` to ${target}` : ''}`,
        );
      }
    });
}

/** Follows the bytes of an export and remembers the id of the last complete row. */
class LastIdTracker {
  readonly #csv: boolean;
  #headerPending: boolean;
  #pending = '';

  constructor(format: Format, append: boolean) {
    this.#csv = format === 'csv';
    this.#headerPending = this.#csv && !append;
  }

  feed(chunk: Uint8Array): string | undefined {
    const text = this.#pending + Buffer.from(chunk).toString('latin1');
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.#pending = text;
      return undefined;
    }
    this.#pending = text.slice(end + 1);
    const complete = text.slice(0, end);
    const start = complete.lastIndexOf('\n') + 1;
    if (this.#headerPending) {
      this.#headerPending = false;
      if (start === 0) return undefined;
    }
    const line = complete.slice(start);
    // Rows begin with their id: `{"id":"…"` in NDJSON, the first cell in CSV.
    if (this.#csv) return line.slice(0, line.indexOf(',')) || undefined;
    return /^\{"id":"([^"]+)"/.exec(line)?.[1];
  }
}
