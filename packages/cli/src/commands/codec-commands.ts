import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CommandContext } from '../context.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { integerIn, isoDateTime, jsonObject, oneOf } from '../options.js';
import { formatDetails } from '../output.js';
import { Progress } from '../progress.js';

type CodecKind = 'javascript' | 'sigfox';

interface Job {
  readonly id: string;
  readonly state: 'queued' | 'running' | 'succeeded' | 'failed' | 'interrupted';
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly error: string | null;
}

interface Decoded {
  readonly data?: unknown;
  readonly bytes?: string | null;
  readonly warnings: readonly string[];
  readonly errors: readonly string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A codec file: `.js` (and `.cjs`, `.mjs`) is JavaScript, anything else a Sigfox format, unless `--kind` says. */
async function readCodec(
  file: string,
  kind: CodecKind | undefined,
): Promise<{ kind: CodecKind; source: string }> {
  const source = await readFile(file, 'utf8').catch((error: Error) => {
    throw new UsageError(`cannot read ${file}: ${error.message}`);
  });
  const guessed: CodecKind = /\.[cm]?js$/i.test(file) ? 'javascript' : 'sigfox';
  return { kind: kind ?? guessed, source: (kind ?? guessed) === 'sigfox' ? source.trim() : source };
}

function jobLine(job: Job): string {
  return formatDetails([
    ['job', job.id],
    ['state', job.state],
    ['progress', `${job.done}/${job.total} decoded, ${job.failed} failed`],
    ...(job.error ? ([['error', job.error]] as [string, string][]) : []),
  ]);
}

/** `codec test | set | versions | redecode`. */
export function registerCodecCommands(program: Command, io: CliIo): void {
  const codec = program
    .command('codec')
    .description('payload codecs: try one, save one on a device type, re-decode');
  const kindOption = oneOf<CodecKind>(['javascript', 'sigfox']);

  codec
    .command('test')
    .description(
      'run a codec file on an uplink (--uplink) or a downlink (--downlink: encodes --data, decodes --bytes), storing nothing',
    )
    .argument('<file>', 'the codec: .js is JavaScript (TS013), anything else a Sigfox format')
    .option('--kind <kind>', 'javascript or sigfox, when the file name does not tell', kindOption)
    .option('--uplink', 'decode an uplink (the default)')
    .option('--downlink', 'a downlink: encode --data (encodeDownlink), or decode --bytes (decodeDownlink)')
    .option('--fport <n>', 'LoRaWAN FPort (0-255)', integerIn(0, 255))
    .option('--bytes <hex>', 'the bytes to decode, hex')
    .option('--data <json>', 'the downlink object to encode, JSON', jsonObject)
    .option('--variables <json>', 'codec variables, a JSON object of strings', jsonObject)
    .option(
      '--input <json>',
      "further keys of the codec's input, a JSON object (some codecs read keys of their own)",
      jsonObject,
    )
    .action(async function testCodec(
      file: string,
      options: {
        kind?: CodecKind;
        uplink?: boolean;
        downlink?: boolean;
        fport?: number;
        bytes?: string;
        data?: Record<string, unknown>;
        variables?: Record<string, unknown>;
        input?: Record<string, unknown>;
      },
      command: Command,
    ) {
      if (options.uplink && options.downlink) throw new UsageError('give --uplink or --downlink, not both');
      const ctx = new CommandContext(io, command);
      const body = await readCodec(file, options.kind);
      // The extras go first: the options given explicitly win over keys of the same name.
      const common = {
        ...options.input,
        ...(options.fport !== undefined ? { fPort: options.fport } : {}),
        ...(options.variables !== undefined ? { variables: options.variables } : {}),
      };
      const bytes = options.bytes?.replace(/^0x/i, '');
      let json: unknown;
      if (options.downlink) {
        if ((options.data === undefined) === (bytes === undefined)) {
          throw new UsageError('--downlink needs --data JSON (to encode) or --bytes HEX (to decode)');
        }
        json = {
          codec: body,
          downlink: bytes === undefined ? { ...common, data: options.data } : { ...common, bytes },
        };
      } else {
        if (bytes === undefined) throw new UsageError('--uplink needs --bytes HEX');
        if (options.data !== undefined) throw new UsageError('--data is for --downlink');
        json = { codec: body, uplink: { ...common, bytes } };
      }
      const result = await ctx.client.request<Decoded>('POST', '/v1/codecs/test', { json });
      ctx.show(result, (r) => JSON.stringify(r, null, 2));
      // A codec that reports errors fails the command, so scripts can test codecs.
      if (result.errors.length > 0) {
        throw new CliError(
          'codec_failed',
          `the codec reported: ${result.errors.join('; ')}`,
          ExitCode.invalid,
        );
      }
    });

  codec
    .command('set')
    .description("save a codec file as a device type's codec (validated; makes a new version)")
    .argument('<file>', 'the codec: .js is JavaScript (TS013), anything else a Sigfox format')
    .requiredOption('--type <id>', 'device type id')
    .option('--kind <kind>', 'javascript or sigfox, when the file name does not tell', kindOption)
    .action(async function setCodec(
      file: string,
      options: { type: string; kind?: CodecKind },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const saved = await ctx.client.request<{ kind: string; version: number }>(
        'PUT',
        `/v1/device-types/${encodeURIComponent(options.type)}/codec`,
        { json: await readCodec(file, options.kind) },
      );
      ctx.show(saved, (s) => `device type ${options.type}: ${s.kind} codec, version ${s.version}`);
    });

  codec
    .command('versions')
    .description("a device type's codec changes, newest first")
    .requiredOption('--type <id>', 'device type id')
    .action(async function codecVersions(options: { type: string }, command: Command) {
      const ctx = new CommandContext(io, command);
      const list = await ctx.client.request<{
        items: { version: number; kind: string | null; changedBy: string; changedAt: string }[];
      }>('GET', `/v1/device-types/${encodeURIComponent(options.type)}/codec/versions`);
      ctx.show(list, (l) =>
        l.items
          .map((v) => `${v.version}\t${v.kind ?? '(removed)'}\t${v.changedAt}\t${v.changedBy}`)
          .join('\n'),
      );
    });

  codec
    .command('redecode')
    .description("decode a device type's or a device's stored messages again with the current codec")
    .option('--type <id>', 'every device of this type')
    .option('--device <id>', 'one device')
    .option('--from <time>', 'messages received at or after this RFC 3339 time', isoDateTime)
    .option('--to <time>', 'messages received before this RFC 3339 time', isoDateTime)
    .option('--wait', 'follow the job to its end, showing progress')
    .action(async function redecode(
      options: { type?: string; device?: string; from?: string; to?: string; wait?: boolean },
      command: Command,
    ) {
      if ((options.type === undefined) === (options.device === undefined)) {
        throw new UsageError('give exactly one of --type or --device');
      }
      const ctx = new CommandContext(io, command);
      const path =
        options.type !== undefined
          ? `/v1/device-types/${encodeURIComponent(options.type)}/redecode`
          : `/v1/devices/${encodeURIComponent(options.device ?? '')}/redecode`;
      let job = await ctx.client.request<Job>('POST', path, {
        json: { ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) },
      });
      if (options.wait) {
        const progress = new Progress(io.stderr, { unit: 'rows', label: 're-decoding', enabled: !ctx.json });
        let shown = 0;
        while (job.state === 'queued' || job.state === 'running') {
          await sleep(250);
          job = await ctx.client.request<Job>('GET', `/v1/jobs/${encodeURIComponent(job.id)}`);
          progress.advance(job.done - shown);
          shown = job.done;
        }
        progress.finish();
      }
      ctx.show(job, jobLine);
      if (job.state === 'failed' || job.state === 'interrupted') {
        throw new CliError(
          'job_failed',
          `the job ${job.state}: ${job.error ?? 'no reason given'}`,
          ExitCode.internal,
        );
      }
    });
}
