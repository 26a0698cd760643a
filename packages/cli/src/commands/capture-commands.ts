import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { type Command, InvalidArgumentError } from 'commander';
import type { CallbackSecret, CreatedCallbackSecret, IngestOutcome } from '../capture-types.js';
import { ApiError, FleetportClient } from '../client.js';
import { CommandContext, type GlobalOptions } from '../context.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { integerIn, isoDateTime } from '../options.js';
import { type Column, formatDetails, formatJson, formatTable, formatTime } from '../output.js';
import { resolveServerUrl } from '../profiles.js';
import { Progress } from '../progress.js';
import { DEVICE_ID_DIGITS, SigfoxSimulator, type SimulationReport } from '../sigfox-simulator.js';
import { StatusLine } from '../status-line.js';
import { stopSignal } from '../stop-signal.js';
import { timelinessWord } from './message-commands.js';

/** Most messages in one `POST /v1/ingest` (the API's limit). */
const MAX_BATCH = 1000;
/** Most JSON in one batch: below the server's default body limit (1 MiB), with room to spare. */
const MAX_BATCH_BYTES = 768 * 1024;

// ─── ingest ──────────────────────────────────────────────────────────────────

/** Commander parser for `--json-payload`: any JSON value. */
function jsonValue(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
  }
}

interface IngestOptions {
  token?: string;
  hex?: string;
  base64?: string;
  jsonPayload?: unknown;
  seq?: number;
  time?: string;
  messageId?: string;
  file?: string;
  quiet?: boolean;
}

/** Messages of an NDJSON file, in the order of its lines, as the API takes them. */
interface Batch {
  readonly messages: readonly Readonly<Record<string, unknown>>[];
  /** The file line of each message. */
  readonly lines: readonly number[];
}

/** Reads NDJSON messages in batches; a line that is not a JSON object stops with its number. */
async function* readBatches(source: NodeJS.ReadableStream, name: string): AsyncGenerator<Batch> {
  let messages: Record<string, unknown>[] = [];
  let lines: number[] = [];
  let bytes = 0;
  let lineNumber = 0;
  for await (const line of createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNumber += 1;
    const text = line.trim();
    if (text === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CliError(
        'invalid_input',
        `line ${lineNumber} of ${name} is not JSON: ${(error as Error).message}`,
        ExitCode.invalid,
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new CliError(
        'invalid_input',
        `line ${lineNumber} of ${name} must be a message object, like {"hex":"0a1b","seq":1}`,
        ExitCode.invalid,
      );
    }
    if (messages.length > 0 && (messages.length === MAX_BATCH || bytes + text.length > MAX_BATCH_BYTES)) {
      yield { messages, lines };
      messages = [];
      lines = [];
      bytes = 0;
    }
    messages.push(parsed as Record<string, unknown>);
    lines.push(lineNumber);
    bytes += text.length + 1;
  }
  if (messages.length > 0) yield { messages, lines };
}

/** Totals of a file ingest; also its --json output. */
interface IngestSummary {
  file: string;
  messages: number;
  created: number;
  duplicates: number;
  timeliness: { live: number; late: number; replayed: number };
  batches: number;
}

function summaryText(s: IngestSummary): string {
  return (
    `ingested ${s.messages} message${s.messages === 1 ? '' : 's'} from ${s.file} in ${s.batches} batch${s.batches === 1 ? '' : 'es'}: ` +
    `${s.created} new, ${s.duplicates} already stored; ${s.timeliness.live} live, ${s.timeliness.late} late, ${s.timeliness.replayed} replayed\n`
  );
}

/** Which file line a problem about `messages[i]` (or `/messages/i/…`) is about. */
function lineOfProblem(error: ApiError, batch: Batch): number | undefined {
  const text = `${error.problem.detail} ${JSON.stringify(error.problem.data ?? {})}`;
  const match = /messages(?:\[|\/)(\d+)/.exec(text);
  return match ? batch.lines[Number(match[1])] : undefined;
}

async function ingestFile(
  ctx: CommandContext,
  client: FleetportClient,
  file: string,
  quiet: boolean,
): Promise<void> {
  const fromStdin = file === '-';
  const name = fromStdin ? 'stdin' : file;
  let total: number | undefined;
  if (fromStdin) {
    if (!ctx.io.stdin) throw new UsageError('no standard input to read');
  } else {
    try {
      if (!statSync(file).isFile()) throw new Error('not a regular file');
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    // A first pass finds a broken line before anything is sent, and gives the progress a total.
    total = 0;
    for await (const batch of readBatches(createReadStream(file), name)) total += batch.messages.length;
  }
  const source = fromStdin && ctx.io.stdin ? ctx.io.stdin : createReadStream(file);
  const progress = new Progress(ctx.io.stderr, {
    unit: 'rows',
    total,
    label: `ingesting ${fromStdin ? 'stdin' : path.basename(file)}`,
    enabled: !quiet,
  });
  const summary: IngestSummary = {
    file: name,
    messages: 0,
    created: 0,
    duplicates: 0,
    timeliness: { live: 0, late: 0, replayed: 0 },
    batches: 0,
  };
  try {
    for await (const batch of readBatches(source, name)) {
      let answer: { results: IngestOutcome[] };
      try {
        answer = await client.request<{ results: IngestOutcome[] }>('POST', '/v1/ingest', {
          json: { messages: batch.messages },
        });
      } catch (error) {
        progress.abandon();
        if (error instanceof ApiError && error.status < 500 && error.status !== 401 && error.status !== 403) {
          const first = batch.lines[0] ?? 0;
          const line = lineOfProblem(error, batch);
          ctx.note(
            `the batch of lines ${first}-${batch.lines.at(-1) ?? first} was refused${line === undefined ? '' : ` (at line ${line})`} and none of it stored; ` +
              `the ${summary.messages} message${summary.messages === 1 ? '' : 's'} before line ${first} were stored`,
          );
        } else if (summary.messages > 0) {
          ctx.note(`${summary.messages} messages were stored before the failure`);
        }
        throw error;
      }
      summary.batches += 1;
      for (const outcome of answer.results) {
        summary.messages += 1;
        if (outcome.duplicate) summary.duplicates += 1;
        else summary.created += 1;
        summary.timeliness[outcome.timeliness] += 1;
      }
      progress.advance(batch.messages.length);
    }
  } finally {
    if (source !== ctx.io.stdin && 'destroy' in source && typeof source.destroy === 'function')
      source.destroy();
  }
  progress.finish();
  ctx.show(summary, summaryText);
  if (!ctx.json && summary.messages === 0) ctx.note(`${name} holds no messages`);
}

function registerIngestCommand(program: Command, io: CliIo): void {
  program
    .command('ingest')
    .description('send uplinks as a device, with its device token: one message, or an NDJSON file of them')
    .option('--token <token>', 'the device token, fpd_… (env FLEETPORT_DEVICE_TOKEN)')
    .option('--hex <hex>', 'the payload bytes, as hex')
    .option('--base64 <base64>', 'the payload bytes, as base64')
    .option('--json-payload <json>', 'a JSON payload instead of bytes (any JSON value)', jsonValue)
    .option('--seq <n>', "the device's frame counter", integerIn(0, 4_294_967_295))
    .option('--time <iso>', 'when the device sent it (ISO 8601)', isoDateTime)
    .option('--message-id <id>', 'an id unique per device; a retry with the same id is stored once')
    .option(
      '--file <file>',
      'NDJSON, one message object per line ({hex|base64|json, seq?, time?, messageId?}); - reads stdin',
    )
    .option('--quiet', 'no progress on stderr (--file)')
    .action(async function ingest(options: IngestOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const payloads = [options.hex, options.base64, options.jsonPayload].filter((p) => p !== undefined);
      const single =
        payloads.length > 0 ||
        options.seq !== undefined ||
        options.time !== undefined ||
        options.messageId !== undefined;
      if (options.file !== undefined && single) {
        throw new UsageError(
          '--file takes its messages from the file: give no --hex, --base64, --json-payload, --seq, --time or --message-id',
        );
      }
      if (options.file === undefined && payloads.length !== 1) {
        throw new UsageError('give exactly one of --hex, --base64 or --json-payload (or --file FILE.ndjson)');
      }
      const token = options.token ?? (io.env.FLEETPORT_DEVICE_TOKEN || undefined);
      if (!token) {
        throw new UsageError(
          'no device token: pass --token or set FLEETPORT_DEVICE_TOKEN (`devices credentials add-token` makes one)',
          'missing_device_token',
        );
      }
      // The device's own token, never the API key: the server stores what it sends as that device's.
      const client = new FleetportClient({
        url: resolveServerUrl(command.optsWithGlobals<GlobalOptions>(), io.env),
        apiKey: token,
      });
      if (options.file !== undefined) {
        await ingestFile(ctx, client, options.file, options.quiet === true);
        return;
      }
      const message = {
        ...(options.hex !== undefined ? { hex: options.hex } : {}),
        ...(options.base64 !== undefined ? { base64: options.base64 } : {}),
        ...(options.jsonPayload !== undefined ? { json: options.jsonPayload } : {}),
        ...(options.seq !== undefined ? { seq: options.seq } : {}),
        ...(options.time !== undefined ? { time: options.time } : {}),
        ...(options.messageId !== undefined ? { messageId: options.messageId } : {}),
      };
      const outcome = await client.request<IngestOutcome>('POST', '/v1/ingest', { json: message });
      ctx.show(outcome, (o) =>
        o.duplicate
          ? `already stored: message ${o.id} (${timelinessWord(o.timeliness)}); nothing changed\n`
          : `stored message ${o.id} (${timelinessWord(o.timeliness)})\n`,
      );
    });
}

// ─── device-types callback-secrets ───────────────────────────────────────────

const secretColumns: readonly Column<CallbackSecret>[] = [
  { header: 'id', value: (s) => s.id },
  { header: 'name', value: (s) => s.name || '-' },
  { header: 'created', value: (s) => formatTime(s.createdAt) },
];

const secretsPath = (type: string) => `/v1/device-types/${encodeURIComponent(type)}/callback-secrets`;

function createdSecretText(s: CreatedCallbackSecret): string {
  return [
    `created callback secret ${s.id} for device type ${s.deviceTypeId}`,
    formatTable(secretColumns, [s]),
    'The secret is shown only this once. Configure it as this header of the network-server callback:',
    '',
    `  X-Fleetport-Secret: ${s.secret}`,
    '',
  ].join('\n');
}

/** `device-types callback-secrets create | list | revoke`, under the `device-types` command. */
function registerCallbackSecretCommands(program: Command, io: CliIo): void {
  const types = program.commands.find((c) => c.name() === 'device-types');
  if (!types) throw new Error('register the device-types commands before the callback secrets');
  const secrets = types
    .command('callback-secrets')
    .description("a device type's secrets for network-server callbacks (Sigfox): create, list, revoke");

  secrets
    .command('create')
    .description('create a callback secret; the secret is printed once')
    .argument('<type>', 'device type id')
    .option('--name <name>', 'what the secret is for, like "sigfox backend"')
    .action(async function createSecret(type: string, options: { name?: string }, command: Command) {
      const ctx = new CommandContext(io, command);
      const created = await ctx.client.request<CreatedCallbackSecret>('POST', secretsPath(type), {
        json: options.name !== undefined ? { name: options.name } : {},
      });
      ctx.show(created, createdSecretText);
    });

  secrets
    .command('list')
    .description("list a device type's callback secrets (never the secrets themselves)")
    .argument('<type>', 'device type id')
    .action(async function listSecrets(type: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const page = await ctx.client.request<{ items: CallbackSecret[] }>('GET', secretsPath(type));
      ctx.show(page, (p) => (p.items.length === 0 ? '' : formatTable(secretColumns, p.items)));
      if (!ctx.json && page.items.length === 0) ctx.note(`device type ${type} has no callback secrets`);
    });

  secrets
    .command('revoke')
    .description('revoke a callback secret: callbacks that send it are refused from now on')
    .argument('<type>', 'device type id')
    .argument('<secret-id>', 'the secret id (cbs_…)')
    .action(async function revokeSecret(type: string, secretId: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      await ctx.client.request<undefined>('DELETE', `${secretsPath(type)}/${encodeURIComponent(secretId)}`);
      ctx.io.stdout.write(
        ctx.json
          ? formatJson({ id: secretId, deviceTypeId: type, revoked: true })
          : `revoked callback secret ${secretId}\n`,
      );
    });
}

// ─── simulate sigfox ─────────────────────────────────────────────────────────

/** Commander parser for a positive number, fractions allowed (`--rate 0.5`). */
function positiveNumber(max: number): (value: string) => number {
  return function parsePositive(value) {
    const parsed = Number(value.trim());
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0 || parsed > max) {
      throw new InvalidArgumentError(`expected a number above 0 and at most ${max}, got '${value}'`);
    }
    return parsed;
  };
}

/** Commander parser for a share between 0 and 1 (`--retry-ratio 0.05`). */
function ratio(value: string): number {
  const parsed = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
    throw new InvalidArgumentError(`expected a share between 0 and 1, like 0.05, got '${value}'`);
  }
  return parsed;
}

function hexPrefix(value: string): string {
  if (!new RegExp(`^[0-9A-Fa-f]{1,${DEVICE_ID_DIGITS - 1}}$`).test(value)) {
    throw new InvalidArgumentError(`expected 1 to ${DEVICE_ID_DIGITS - 1} hex digits, got '${value}'`);
  }
  return value.toUpperCase();
}

interface SimulateOptions {
  type: string;
  secret?: string;
  devices: number;
  rate: number;
  duration?: number;
  frames?: number;
  receptions: number;
  retryRatio: number;
  lateRatio: number;
  devicePrefix?: string;
  concurrency: number;
  firstSeq?: number;
  bidirRatio: number;
  alsoTo?: string;
  quiet?: boolean;
}

const ms = (value: number | null) => (value === null ? '-' : `${value} ms`);

function simulationText(r: SimulationReport): string {
  const failed = r.answers['4xx'] + r.answers['5xx'] + r.answers.networkErrors;
  return formatDetails([
    ['server', `${r.url} (device type ${r.typeId})`],
    [
      'devices',
      `${r.devices.count} (${r.devices.first}${r.devices.count > 1 ? ` to ${r.devices.last}` : ''})`,
    ],
    ['frames', `${r.sent.frames} (${r.sent.lateFrames} sent late)`],
    ['callbacks', `${r.sent.callbacks} (${r.sent.retries} retries)`],
    ...(r.sent.bidirFrames > 0
      ? [
          ['bidir frames', String(r.sent.bidirFrames)] as const,
          ['downlinks', `${r.downlinks} received, ${r.sent.downlinkAcks} acknowledged`] as const,
        ]
      : []),
    ['2xx', String(r.answers['2xx'])],
    ['4xx', String(r.answers['4xx'])],
    ['5xx', String(r.answers['5xx'])],
    ['network errors', String(r.answers.networkErrors)],
    ...(r.backup
      ? [['also sent to', `${r.backup.url}: ${r.backup['2xx']} 2xx, ${r.backup.failed} failed`] as const]
      : []),
    ['duplicates', `${r.answers.duplicates} (reported by the server)`],
    ['late', `${r.answers.late} (reported by the server)`],
    ['elapsed', `${r.elapsedSeconds} s`],
    ['callbacks/s', String(r.callbacksPerSecond)],
    ['frames/s', String(r.framesPerSecond)],
    ['latency p50', ms(r.latencyMs.p50)],
    ['latency p99', ms(r.latencyMs.p99)],
    ...(failed > 0 && r.firstFailure ? [['first failure', r.firstFailure] as const] : []),
  ]);
}

function progressText(r: SimulationReport, frames: number): string {
  return (
    `simulating  frames ${r.sent.frames}/${frames}  callbacks ${r.sent.callbacks}  ` +
    `2xx ${r.answers['2xx']}  4xx ${r.answers['4xx']}  5xx ${r.answers['5xx']}  network ${r.answers.networkErrors}  ` +
    `${r.callbacksPerSecond} callbacks/s`
  );
}

/** The refused first answer as the error the API meant, so it exits 6 (secret) or 4 (type). */
function refusalError(refused: NonNullable<SimulationReport['refused']>): ApiError {
  let problem: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(refused.body) as unknown;
    if (parsed !== null && typeof parsed === 'object') problem = parsed as Record<string, unknown>;
  } catch {
    // not a problem document
  }
  const requestId = typeof problem.requestId === 'string' ? problem.requestId : refused.requestId;
  return new ApiError({
    type: 'about:blank',
    title: 'refused',
    status: refused.status,
    code: typeof problem.code === 'string' ? problem.code : `http_${refused.status}`,
    detail: `the first callback was refused, so the simulation stopped: ${
      typeof problem.detail === 'string'
        ? problem.detail
        : refused.body.slice(0, 200) || `HTTP ${refused.status}`
    }`,
    ...(requestId ? { requestId } : {}),
  });
}

function registerSimulateCommands(program: Command, io: CliIo): void {
  const simulate = program
    .command('simulate')
    .description('simulate network servers calling Fleetport, for demos and benchmarks');

  simulate
    .command('sigfox')
    .description(
      'N Sigfox devices sending DATA callbacks at a rate: several receptions per frame, retried callbacks, late frames; BIDIR frames receive and acknowledge their downlinks',
    )
    .requiredOption(
      '--type <type>',
      'the device type the callbacks are for (it should create unknown devices)',
    )
    .option('--secret <secret>', 'a callback secret of the type, fpc_… (env FLEETPORT_CALLBACK_SECRET)')
    .option('--devices <n>', 'simulated devices (default 10)', integerIn(1, 1_000_000), 10)
    .option('--rate <r>', 'frames per second, all devices together (default 10)', positiveNumber(100_000), 10)
    .option('--duration <seconds>', 'how long to send (default 10)', positiveNumber(86_400))
    .option(
      '--frames <f>',
      'send this many frames instead of running for a duration',
      integerIn(1, 100_000_000),
    )
    .option(
      '--receptions <k>',
      'callbacks per frame, from distinct base stations (default 3)',
      integerIn(1, 20),
      3,
    )
    .option('--retry-ratio <share>', 'share of callbacks sent twice (default 0.05)', ratio, 0.05)
    .option('--late-ratio <share>', 'share of frames 15-30 minutes old (default 0.05)', ratio, 0.05)
    .option(
      '--device-prefix <hex>',
      'hex digits the device ids start with (default: 3 random ones)',
      hexPrefix,
    )
    .option('--concurrency <c>', 'most callbacks in flight (default 32)', integerIn(1, 10_000), 32)
    .option(
      '--first-seq <n>',
      "every device's first seqNumber, 0-4095 (default: random); 4094 shows a wrap at once",
      integerIn(0, 4095),
    )
    .option(
      '--bidir-ratio <share>',
      'share of frames sent as BIDIR callbacks asking for a downlink, which the device then receives and acknowledges (default 0)',
      ratio,
      0,
    )
    .option(
      '--also-to <url>',
      'send every callback to this server too, like a second callback of the device type (a fleetport-backup)',
    )
    .option('--quiet', 'no progress on stderr')
    .action(async function simulateSigfox(options: SimulateOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      if (options.duration !== undefined && options.frames !== undefined) {
        throw new UsageError('give --duration or --frames, not both');
      }
      const secret = options.secret ?? (io.env.FLEETPORT_CALLBACK_SECRET || undefined);
      if (!secret) {
        throw new UsageError(
          'no callback secret: pass --secret or set FLEETPORT_CALLBACK_SECRET (`device-types callback-secrets create` makes one)',
          'missing_callback_secret',
        );
      }
      const prefix =
        options.devicePrefix ??
        Math.floor(Math.random() * 0x1000)
          .toString(16)
          .padStart(3, '0')
          .toUpperCase();
      const capacity = 16 ** (DEVICE_ID_DIGITS - prefix.length);
      if (options.devices > capacity) {
        throw new UsageError(
          `--device-prefix ${prefix} leaves room for ${capacity} device ids, not ${options.devices}`,
        );
      }
      const frames = options.frames ?? Math.max(1, Math.round(options.rate * (options.duration ?? 10)));
      const stop = stopSignal(io);
      const simulator = new SigfoxSimulator({
        url: resolveServerUrl(command.optsWithGlobals<GlobalOptions>(), io.env),
        typeId: options.type,
        secret,
        devices: options.devices,
        rate: options.rate,
        frames,
        receptions: options.receptions,
        retryRatio: options.retryRatio,
        lateRatio: options.lateRatio,
        devicePrefix: prefix,
        concurrency: options.concurrency,
        firstSeq: options.firstSeq,
        bidirRatio: options.bidirRatio,
        alsoUrl: options.alsoTo?.replace(/\/+$/, ''),
        // Each downlink as the device got it, on stderr: stdout keeps the report (and --json) clean.
        onDownlink: (downlink) =>
          ctx.note(`downlink for ${downlink.device} (after frame ${downlink.seqNumber}): ${downlink.data}`),
        signal: stop.signal,
      });
      const status = new StatusLine(io.stderr, options.quiet !== true);
      const ticker = setInterval(() => status.update(() => progressText(simulator.report(), frames)), 250);
      let report: SimulationReport;
      try {
        report = await simulator.run();
      } finally {
        clearInterval(ticker);
        status.finish();
        stop.dispose();
      }
      if (report.refused) throw refusalError(report.refused);
      if (stop.signal.aborted) ctx.note(`stopped after ${report.sent.frames} of ${frames} frames`);
      ctx.show(report, simulationText);
      const failed = report.sent.callbacks - report.answers['2xx'];
      if (failed > 0) {
        throw new CliError(
          'callbacks_failed',
          `${failed} of ${report.sent.callbacks} callbacks got no 2xx (first: ${report.firstFailure ?? 'unknown'})`,
          ExitCode.invalid,
        );
      }
    });
}

/** `ingest`, `device-types callback-secrets …` and `simulate sigfox`: sending data in. */
export function registerCaptureCommands(program: Command, io: CliIo): void {
  registerIngestCommand(program, io);
  registerCallbackSecretCommands(program, io);
  registerSimulateCommands(program, io);
}
