import { type Command, InvalidArgumentError } from 'commander';
import type { Page } from '../api-types.js';
import type { Change, DeviceState, Message, Reception } from '../capture-types.js';
import { ChangeFollower } from '../change-follower.js';
import { CommandContext, type GlobalOptions } from '../context.js';
import type { CliIo } from '../io.js';
import { collect, integerIn, isoDateTime, oneOf } from '../options.js';
import { type Column, formatDetails, formatTable, formatTime, print } from '../output.js';
import { resolveConnection } from '../profiles.js';
import { stopSignal } from '../stop-signal.js';

const ORDERS = ['asc', 'desc'] as const;
/** Hex digits of a payload shown in a table or a tail line; `messages get` shows them all. */
const PAYLOAD_PREVIEW = 24;
const JSON_PREVIEW = 48;
/** Open gaps listed by `devices state`; --json gives them all. */
const SHOWN_GAPS = 10;

const devicePath = (id: string) => `/v1/devices/${encodeURIComponent(id)}`;

/**
 * Late and replayed messages stand out in words, so that they survive a pipe, a log file
 * and a terminal without colours: `live`, `LATE`, `REPLAYED`.
 */
export function timelinessWord(timeliness: Message['timeliness']): string {
  return timeliness === 'live' ? 'live' : timeliness.toUpperCase();
}

/** The sequence number, with what it meant when it is worth a look (a gap, a wrap, a reset). */
function seqText(m: Message): string {
  if (m.seq === null) return '-';
  const event = m.sequenceEvent;
  return event === 'gap' || event === 'wrap' || event === 'reset' ? `${m.seq} ${event}` : String(m.seq);
}

function payloadPreview(m: Message): string {
  if (m.payload.size === 0) return '-';
  if (m.payload.hex.length <= PAYLOAD_PREVIEW) return m.payload.hex;
  return `${m.payload.hex.slice(0, PAYLOAD_PREVIEW)}… (${m.payload.size} B)`;
}

function jsonPreview(value: unknown): string {
  if (value === null || value === undefined) return '-';
  const text = JSON.stringify(value);
  return text.length <= JSON_PREVIEW ? text : `${text.slice(0, JSON_PREVIEW - 1)}…`;
}

const outOfOrderWord = (m: Message) => (m.outOfOrder ? 'out-of-order' : '-');

type Decoded = NonNullable<Message['decoded']>;

/** What the codec made of a message: its data, its first error, or `-` when not decoded. */
function decodedPreview(decoded: Decoded | null | undefined): string {
  if (decoded === null || decoded === undefined) return '-';
  const [error] = decoded.errors;
  if (error !== undefined)
    return `error: ${error.length <= JSON_PREVIEW ? error : `${error.slice(0, JSON_PREVIEW - 1)}…`}`;
  return jsonPreview(decoded.data);
}

function messageColumns(withReceptions: boolean): Column<Message>[] {
  return [
    { header: 'id', value: (m) => m.id },
    { header: 'received', value: (m) => formatTime(m.receivedAt) },
    { header: 'seq', value: seqText },
    { header: 'timeliness', value: (m) => timelinessWord(m.timeliness) },
    { header: 'order', value: outOfOrderWord },
    { header: 'transport', value: (m) => m.transport },
    ...(withReceptions ? [{ header: 'rx', value: (m: Message) => String(m.receptions?.length ?? 0) }] : []),
    { header: 'payload', value: payloadPreview },
    { header: 'json', value: (m) => jsonPreview(m.json) },
    { header: 'decoded', value: (m) => decodedPreview(m.decoded) },
  ];
}

const number = (value: number | null) => (value === null ? '-' : String(value));

const receptionColumns: readonly Column<Reception>[] = [
  { header: 'station', value: (r) => r.station },
  { header: 'rssi', value: (r) => number(r.rssi) },
  { header: 'snr', value: (r) => number(r.snr) },
  {
    header: 'location',
    value: (r) => (r.lat === null || r.lng === null ? '-' : `${r.lat},${r.lng}`),
  },
  { header: 'received', value: (r) => formatTime(r.receivedAt) },
];

function messageDetails(m: Message): string {
  const details = formatDetails([
    ['id', m.id],
    ['device', m.deviceId],
    ['type', m.typeId],
    ['transport', m.transport],
    ['received', formatTime(m.receivedAt)],
    ['device time', formatTime(m.deviceTime)],
    ['timeliness', timelinessWord(m.timeliness)],
    ['out of order', m.outOfOrder ? 'yes' : 'no'],
    ['seq', m.seq === null ? '-' : `${m.seq}${m.sequenceEvent ? ` (${m.sequenceEvent})` : ''}`],
    ['message id', m.messageId ?? '-'],
    ['payload', m.payload.size === 0 ? '- (0 B)' : `${m.payload.hex} (${m.payload.size} B)`],
    ['json', m.json === null ? '-' : JSON.stringify(m.json)],
    ['decoded', m.decoded ? JSON.stringify(m.decoded.data) : '-'],
    ...(m.decoded && m.decoded.errors.length > 0
      ? [['decode errors', m.decoded.errors.join('; ')] as const]
      : []),
    ['stored', formatTime(m.storedAt)],
  ]);
  const receptions = m.receptions ?? [];
  if (receptions.length === 0) return details;
  return `${details}\nreceptions (${receptions.length})\n${formatTable(receptionColumns, receptions)}`;
}

/** One line per message for `messages tail`: greppable `key=value` fields, late data in capitals. */
export function tailLine(m: Message): string {
  const hex = m.payload.hex;
  const event = m.sequenceEvent;
  return [
    formatTime(m.receivedAt),
    m.deviceId,
    `seq=${m.seq ?? '-'}`,
    ...(event === 'gap' || event === 'wrap' || event === 'reset' ? [event] : []),
    timelinessWord(m.timeliness),
    ...(m.outOfOrder ? ['out-of-order'] : []),
    `hex=${hex.length <= PAYLOAD_PREVIEW ? hex || '-' : `${hex.slice(0, PAYLOAD_PREVIEW)}…`}`,
    `json=${jsonPreview(m.json)}`,
    `id=${m.id}`,
  ].join(' ');
}

/** What a `message.decoded` change carries (docs/CODECS.md). */
interface DecodedChange {
  readonly messageId: string;
  readonly deviceId: string;
  readonly typeId: string;
  readonly decoded: Decoded;
}

/** One line per decode for `messages tail --decoded`. */
function decodedLine(at: string, d: DecodedChange): string {
  return [formatTime(at), d.deviceId, `decoded=${decodedPreview(d.decoded)}`, `id=${d.messageId}`].join(' ');
}

type Gap = DeviceState['sequence']['openGaps'][number];

function gapsText(gaps: readonly Gap[]): string {
  if (gaps.length === 0) return 'none';
  const shown = gaps
    .slice(0, SHOWN_GAPS)
    .map((g) =>
      g.from === g.to ? `${g.from}` : `${g.from}-${g.to}${g.to < g.from ? ' (across a wrap)' : ''}`,
    );
  const more = gaps.length > SHOWN_GAPS ? `, … ${gaps.length - SHOWN_GAPS} more (--json lists them)` : '';
  return `${gaps.length}: ${shown.join(', ')}${more}`;
}

function stateDetails(s: DeviceState): string {
  const latest = s.latestMessage;
  return formatDetails([
    ['device', s.deviceId],
    ['last seen', formatTime(s.lastSeenAt)],
    ['last message', s.lastMessageId ?? '-'],
    [
      'latest live',
      latest === null
        ? '-'
        : `${latest.id} (${formatTime(latest.receivedAt)}, seq ${seqText(latest)}, payload ${payloadPreview(latest)})`,
    ],
    ['latest json', latest === null ? '-' : jsonPreview(latest.json)],
    ['messages', String(s.messageCount)],
    ['duplicates', String(s.duplicateCount)],
    ['out of order', String(s.outOfOrderCount)],
    ['sequence max', number(s.sequence.max)],
    ['sequence resets', String(s.sequence.resets)],
    ['open gaps', gapsText(s.sequence.openGaps)],
  ]);
}

/** Commander parser for `--since`: a change cursor or `latest`, as the API takes them. */
function changeCursor(value: string): string {
  if (!/^(\d{1,18}|latest)$/.test(value)) {
    throw new InvalidArgumentError(`expected a change cursor (digits) or latest, got '${value}'`);
  }
  return value;
}

interface ListOptions {
  from?: string;
  to?: string;
  order?: (typeof ORDERS)[number];
  limit?: number;
  cursor?: string;
  all?: boolean;
  receptions?: boolean;
  includeDeleted?: boolean;
}

interface TailOptions {
  device?: string[];
  type?: string[];
  since?: string;
  decoded?: boolean;
  count?: number;
}

/** `messages list | get | tail`: a device's history, one message, and the live feed. */
export function registerMessageCommands(program: Command, io: CliIo): void {
  const messages = program
    .command('messages')
    .description("messages: a device's history (list), one message (get), new ones as they come (tail)");

  messages
    .command('list')
    .description(
      "list a device's messages by receive time, newest first, late and out-of-order ones labelled",
    )
    .argument('<device>', 'device id')
    .option('--from <iso>', 'received at or after this time (ISO 8601)', isoDateTime)
    .option('--to <iso>', 'received before this time (ISO 8601)', isoDateTime)
    .option('--order <order>', 'asc (oldest first) or desc (default)', oneOf(ORDERS))
    .option('--limit <n>', 'page size (1-1000, default 100)', integerIn(1, 1000))
    .option('--cursor <cursor>', 'start from this page cursor (same order and bounds)')
    .option('--all', 'follow nextCursor to the end')
    .option('--receptions', "include each message's receptions (base stations, gateways)")
    .option('--include-deleted', 'also for a deleted device (its history is kept)')
    .action(async function listMessages(device: string, options: ListOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const items: Message[] = [];
      let cursor = options.cursor;
      let next: string | null = null;
      do {
        const page: Page<Message> = await ctx.client.request<Page<Message>>(
          'GET',
          `${devicePath(device)}/messages`,
          {
            query: {
              from: options.from,
              to: options.to,
              order: options.order,
              limit: options.limit,
              cursor,
              receptions: options.receptions ? true : undefined,
              deleted: options.includeDeleted ? 'include' : undefined,
            },
          },
        );
        items.push(...page.items);
        next = page.nextCursor;
        cursor = next ?? undefined;
      } while (options.all && next !== null);
      ctx.show({ items, nextCursor: next }, (p) =>
        p.items.length === 0 ? '' : formatTable(messageColumns(options.receptions === true), p.items),
      );
      if (!ctx.json && items.length === 0) ctx.note(`no messages from device ${device}`);
      if (!ctx.json && next !== null) ctx.note(`more messages: --all, or --cursor ${next}`);
    });

  messages
    .command('get')
    .description('show one message with its receptions')
    .argument('<id>', 'message id (a UUID)')
    .action(async function getMessage(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      ctx.show(
        await ctx.client.request<Message>('GET', `/v1/messages/${encodeURIComponent(id)}`),
        messageDetails,
      );
    });

  messages
    .command('tail')
    .description(
      'print new messages as they are stored, one line each, until Ctrl-C (follows the change feed)',
    )
    .option('--device <id>', 'only this device; repeat for more', collect)
    .option('--type <type>', 'only devices of this type; repeat for more', collect)
    .option('--since <cursor>', 'start after this change cursor, or latest (default)', changeCursor)
    .option('--decoded', "print what the type's codec made of each message, as it is decoded")
    .option(
      '--count <n>',
      'stop after this many lines (a script waiting for its messages)',
      integerIn(1, 1_000_000),
    )
    .action(async function tailMessages(options: TailOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const { url, ...credentials } = resolveConnection(command.optsWithGlobals<GlobalOptions>(), io.env);
      const devices = options.device ? new Set(options.device) : undefined;
      const types = options.type ? new Set(options.type) : undefined;
      // Stop on Ctrl-C or SIGTERM, and also when nobody reads any more (`| head` closed the pipe).
      const stop = stopSignal(io);
      const outputGone = new AbortController();
      const enough = new AbortController();
      let printed = 0;
      // --count stops inside a page: the cursor to resume from is the last change looked at.
      let lookedAt: string | undefined;
      const onOutputGone = () => outputGone.abort();
      io.stdout.once('error', onOutputGone);
      io.stdout.once('close', onOutputGone);
      const follower = new ChangeFollower({
        url: url.replace(/\/+$/, ''),
        ...credentials,
        since: options.since ?? 'latest',
        signal: AbortSignal.any([stop.signal, outputGone.signal, enough.signal]),
        onOutage: (reason) =>
          ctx.note(`fleetport: lost the server (${reason}); reconnecting from cursor ${follower.cursor}…`),
        onReconnect: () => ctx.note(`fleetport: reconnected; following from cursor ${follower.cursor}`),
      });
      try {
        const wanted = options.decoded === true ? 'message.decoded' : 'message.created';
        await follower.follow(function printChange(change: Change) {
          if (enough.signal.aborted) return;
          lookedAt = change.cursor;
          if (change.kind !== wanted) return;
          const about = change.data as { deviceId: string; typeId: string };
          if (devices && !devices.has(about.deviceId)) return;
          if (types && !types.has(about.typeId)) return;
          const line =
            wanted === 'message.decoded'
              ? decodedLine(change.at, change.data as DecodedChange)
              : tailLine(change.data as Message);
          print(io.stdout, ctx.json ? JSON.stringify(change) : line);
          printed += 1;
          if (options.count !== undefined && printed >= options.count) enough.abort();
        });
      } finally {
        stop.dispose();
        io.stdout.off('error', onOutputGone);
        io.stdout.off('close', onOutputGone);
      }
      const cursor = enough.signal.aborted && lookedAt !== undefined ? lookedAt : follower.cursor;
      ctx.note(`stopped at cursor ${cursor}; resume with --since ${cursor}`);
    });
}

/** `devices state ID`: last seen, the latest live message, counters and sequence state. */
export function registerDeviceStateCommand(devices: Command, io: CliIo): void {
  devices
    .command('state')
    .description(
      'show what capture knows of a device: last seen, latest live message, counters, sequence gaps',
    )
    .argument('<id>', 'device id')
    .option('--include-deleted', 'also for a deleted device')
    .action(async function showState(id: string, options: { includeDeleted?: boolean }, command: Command) {
      const ctx = new CommandContext(io, command);
      const state = await ctx.client.request<DeviceState>('GET', `${devicePath(id)}/state`, {
        query: { deleted: options.includeDeleted ? 'include' : undefined },
      });
      ctx.show(state, stateDetails);
    });
}
