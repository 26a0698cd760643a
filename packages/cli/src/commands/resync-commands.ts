import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { BackupClient, type BackupFault, type BackupRecord } from '../backup-client.js';
import { CommandContext } from '../context.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { integerIn, isoDateTime } from '../options.js';
import { formatDetails } from '../output.js';
import { Progress } from '../progress.js';
import { stopSignal } from '../stop-signal.js';

/** Most records in one `POST /v1/resync/records` (the API's limit). */
const MAX_RECORDS = 1000;
/** Most JSON in one call: well below the route's 16 MiB, so one large record still fits. */
const MAX_CALL_BYTES = 6 * 1024 * 1024;
/** Refusals printed one per line; --json has them all. */
const SHOWN_REFUSALS = 20;

interface ResyncOptions {
  from: string;
  backupKey?: string;
  since?: string;
  until?: string;
  after?: number;
  cursorFile?: string;
  page: number;
  quiet?: boolean;
}

/** What a resync did; also its --json output. */
interface ResyncReport {
  backup: string;
  /** The cursor it started after, and the one to resume after. */
  startedAfter: string;
  next: string;
  records: number;
  messages: { new: number; duplicate: number };
  refused: { id: string; code: string; detail: string }[];
  skipped: number;
  faults: BackupFault[];
  deleted: { first: number; last: number }[];
  stopped: boolean;
}

type Result =
  | { id: string; outcome: 'new' | 'duplicate'; messages: { duplicate: boolean }[] }
  | { id: string; outcome: 'skipped'; reason: string }
  | {
      id: string;
      outcome: 'refused';
      problem: { code: string; detail: string };
      messages?: { duplicate: boolean }[];
    };

function reportText(r: ResyncReport): string {
  const lines = formatDetails([
    ['backup', r.backup],
    ['records', `${r.records} read (after ${r.startedAfter}, up to ${r.next})`],
    ['new', `${r.messages.new} messages stored, labelled replayed`],
    ['duplicate', `${r.messages.duplicate} messages the server already had`],
    ['refused', `${r.refused.length} records (the server refuses them as it would have then)`],
    ['skipped', `${r.skipped} records that are not messages (Sigfox SERVICE and ERROR callbacks)`],
    ...(r.faults.length > 0
      ? [['damaged', `${r.faults.length} ranges of the backup's files are not records`] as const]
      : []),
  ]);
  const refusals = r.refused
    .slice(0, SHOWN_REFUSALS)
    .map((x) => `  record ${x.id}: ${x.code}: ${x.detail}\n`)
    .join('');
  const more =
    r.refused.length > SHOWN_REFUSALS
      ? `  … and ${r.refused.length - SHOWN_REFUSALS} more (--json lists all)\n`
      : '';
  return `${lines}${refusals}${more}`;
}

/** Splits a page into calls under the API's count and size limits. */
function* calls(records: readonly BackupRecord[]): Generator<BackupRecord[]> {
  let batch: BackupRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = record.body.length + record.path.length + 400;
    if (batch.length > 0 && (batch.length === MAX_RECORDS || bytes + size > MAX_CALL_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(record);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

function readCursor(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8').trim();
  if (!/^\d{1,16}$/.test(text))
    throw new UsageError(`${file} does not hold a record number (it holds '${text.slice(0, 40)}')`);
  return text;
}

/** `fleetport resync`: replays what a fleetport-backup kept through the server's capture. */
export function registerResyncCommands(program: Command, io: CliIo): void {
  program
    .command('resync')
    .description(
      "replay the requests a fleetport-backup kept (Sigfox callbacks, HTTP uplinks) through the server's capture: what the server missed is stored labelled replayed, what it has is counted as duplicate",
    )
    .requiredOption('--from <url>', 'the backup, like http://backup-host:8090')
    .option('--backup-key <key>', "the backup's key (env FLEETPORT_BACKUP_KEY)")
    .option('--since <iso>', 'only requests the backup received at or after this time', isoDateTime)
    .option('--until <iso>', 'only requests the backup received before this time', isoDateTime)
    .option(
      '--after <record>',
      'resume after this record number (printed when a resync stops)',
      integerIn(0, Number.MAX_SAFE_INTEGER),
    )
    .option(
      '--cursor-file <file>',
      'read the record to resume after from this file, and write it after every page',
    )
    .option('--page <n>', 'records read from the backup at a time (default 500)', integerIn(1, 5000), 500)
    .option('--quiet', 'no progress on stderr')
    .action(async function resync(options: ResyncOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const key = options.backupKey ?? (io.env.FLEETPORT_BACKUP_KEY || undefined);
      if (!key)
        throw new UsageError(
          "no backup key: pass --backup-key or set FLEETPORT_BACKUP_KEY (the backup's --key)",
          'missing_backup_key',
        );
      const from = options.since === undefined ? undefined : Date.parse(options.since);
      const to = options.until === undefined ? undefined : Date.parse(options.until);
      if (from !== undefined && from > Date.now())
        throw new UsageError(`--since ${options.since} is in the future: nothing was received then yet`);
      if (from !== undefined && to !== undefined && to <= from)
        throw new UsageError('--until must be after --since');
      if (options.after !== undefined && options.cursorFile !== undefined && existsSync(options.cursorFile))
        throw new UsageError('give --after or a --cursor-file that exists, not both');
      let url: URL;
      try {
        url = new URL(options.from);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      } catch {
        throw new UsageError(`--from must be the backup's http(s) URL, got '${options.from}'`);
      }
      const backup = new BackupClient(url.href, key);
      const startedAfter =
        options.after !== undefined
          ? String(options.after)
          : ((options.cursorFile !== undefined ? readCursor(options.cursorFile) : undefined) ?? '0');

      const health = await backup.health();
      for (const fault of health.recoveries) {
        ctx.note(
          `the backup reports ${fault.bytes} bytes of ${fault.segment} at ${fault.offset} that are not records: ${fault.reason}${fault.savedTo ? ` (kept in ${fault.savedTo})` : ''}`,
        );
      }
      if (health.status !== 'ok')
        ctx.note(`the backup says its writes fail (status ${health.status}): what it holds is read anyway`);

      const report: ResyncReport = {
        backup: backup.url,
        startedAfter,
        next: startedAfter,
        records: 0,
        messages: { new: 0, duplicate: 0 },
        refused: [],
        skipped: 0,
        faults: [],
        deleted: [],
        stopped: false,
      };
      const progress = new Progress(ctx.io.stderr, {
        unit: 'rows',
        total: Math.max(0, health.lastRecord - Number(startedAfter)),
        label: `resync from ${url.host}`,
        enabled: options.quiet !== true,
      });
      const stop = stopSignal(io);
      try {
        for (;;) {
          if (stop.signal.aborted) {
            report.stopped = true;
            break;
          }
          const page = await backup.records({ since: report.next, from, to, limit: options.page });
          report.faults.push(...page.faults);
          if (page.deleted) {
            report.deleted.push(page.deleted);
            ctx.note(
              `records ${page.deleted.first} to ${page.deleted.last} are no longer in the backup (its retention deleted them)`,
            );
          }
          for (const batch of calls(page.records)) {
            const answer = (await ctx.client.call((api) =>
              api.POST('/v1/resync/records', { body: { records: batch } }),
            )) as { results: Result[] };
            for (const result of answer.results) {
              report.records += 1;
              if (result.outcome === 'skipped') report.skipped += 1;
              if (result.outcome === 'refused')
                report.refused.push({
                  id: result.id,
                  code: result.problem.code,
                  detail: result.problem.detail,
                });
              for (const message of 'messages' in result ? (result.messages ?? []) : []) {
                if (message.duplicate) report.messages.duplicate += 1;
                else report.messages.new += 1;
              }
            }
          }
          progress.advance(Number(page.next) - Number(report.next));
          report.next = page.next;
          // Only once the page is stored: a resync that stops resumes after what it replayed.
          if (options.cursorFile !== undefined) writeFileSync(options.cursorFile, `${report.next}\n`);
          if (!page.more) break;
        }
      } catch (error) {
        progress.abandon();
        ctx.note(
          `the resync stopped after record ${report.next}: run it again with --after ${report.next} to go on`,
        );
        throw error;
      } finally {
        stop.dispose();
      }
      progress.finish();
      if (report.stopped) ctx.note(`stopped: run again with --after ${report.next} to go on`);
      ctx.show(report, reportText);
      if (report.faults.length > 0) {
        const bytes = report.faults.reduce((sum, f) => sum + f.bytes, 0);
        throw new CliError(
          'backup_damaged',
          `the backup's files hold ${report.faults.length} damaged ranges (${bytes} bytes) that are not records: ${report.faults
            .slice(0, 3)
            .map((f) => `${f.segment} at ${f.offset}: ${f.reason}`)
            .join('; ')}`,
          ExitCode.internal,
        );
      }
    });
}
