import { type Command, InvalidArgumentError } from 'commander';
import { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { integerIn, oneOf } from '../options.js';
import { type Column, formatDetails, formatTable, formatTime } from '../output.js';

type Transport = 'mqtt' | 'http' | 'sigfox';
const statuses = [
  'queued',
  'sent',
  'delivered',
  'acknowledged',
  'failed',
  'expired',
  'cancelled',
  'unknown',
] as const;

/** A command as `/v1/devices/{id}/commands` presents it. */
interface CommandView {
  readonly id: string;
  readonly deviceId: string;
  readonly kind: 'command' | 'method';
  readonly name: string;
  readonly transport: Transport;
  readonly status: string;
  readonly hex: string | null;
  readonly data: unknown;
  readonly priority: number;
  readonly qos: number;
  readonly confirmed: boolean;
  readonly retry: { readonly attempts: number; readonly backoffSeconds: number };
  readonly attempts: number;
  readonly expiresAt: string | null;
  readonly idempotencyKey: string | null;
  readonly result: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly history?: readonly { readonly status: string; readonly at: string; readonly detail: unknown }[];
}

/** Any JSON value (a command's data, a method's payload). */
function jsonValue(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
  }
}

const payloadOf = (c: CommandView) => (c.hex !== null ? `hex ${c.hex}` : `data ${JSON.stringify(c.data)}`);

const columns: readonly Column<CommandView>[] = [
  { header: 'id', value: (c) => c.id },
  { header: 'name', value: (c) => (c.kind === 'method' ? `${c.name}()` : c.name) },
  { header: 'transport', value: (c) => c.transport },
  { header: 'status', value: (c) => c.status },
  { header: 'priority', value: (c) => String(c.priority) },
  { header: 'attempts', value: (c) => `${c.attempts}/${c.retry.attempts}` },
  { header: 'created', value: (c) => formatTime(c.createdAt) },
];

function details(c: CommandView): string {
  const lines = formatDetails([
    ['id', c.id],
    ['device', c.deviceId],
    ['kind', c.kind],
    ['name', c.name],
    ['transport', c.transport],
    ['status', c.status],
    ['payload', payloadOf(c)],
    ['priority', String(c.priority)],
    ['confirmed', c.confirmed ? 'yes' : 'no'],
    ['attempts', `${c.attempts} of ${c.retry.attempts} (backoff ${c.retry.backoffSeconds} s)`],
    ['expires', c.expiresAt === null ? 'never' : formatTime(c.expiresAt)],
    ['idempotency key', c.idempotencyKey ?? ''],
    ['result', c.result === null ? '' : JSON.stringify(c.result)],
    ['created', formatTime(c.createdAt)],
  ]);
  if (c.history === undefined) return lines;
  const history = formatTable(
    [
      { header: 'at', value: (h: { at: string }) => formatTime(h.at) },
      { header: 'status', value: (h: { status: string }) => h.status },
      { header: 'detail', value: (h: { detail: unknown }) => JSON.stringify(h.detail) },
    ],
    c.history,
  );
  return `${lines}\n\n${history}`;
}

const commandsPath = (deviceId: string) => `/v1/devices/${encodeURIComponent(deviceId)}/commands`;

/** `commands send|list|show|cancel` and `methods call`. */
export function registerCommandCommands(program: Command, io: CliIo): void {
  const commands = program
    .command('commands')
    .description("a device's command queue: send, list, show with history, cancel");
  commands
    .command('send')
    .description('queue a command for a device (raw --hex / --base64, or --data the codec encodes)')
    .argument('<device>', 'the device id')
    .option('--hex <hex>', 'the payload, hex')
    .option('--base64 <b64>', 'the payload, base64')
    .option('--data <json>', "JSON the device type's codec encodes (encodeDownlink)", jsonValue)
    .option(
      '--transport <t>',
      'mqtt (default), http (polling) or sigfox',
      oneOf<Transport>(['mqtt', 'http', 'sigfox']),
    )
    .option('--name <name>', 'a label for the command')
    .option('--priority <n>', '0 (lowest) to 9 (most urgent), default 5', integerIn(0, 9))
    .option('--expires-in <seconds>', 'not sent after this many seconds', integerIn(1, 366 * 24 * 3600))
    .option('--confirmed', 'the device is expected to acknowledge it')
    .option(
      '--attempts <n>',
      'sends at most, the first included (retries of a confirmed command)',
      integerIn(1, 20),
    )
    .option(
      '--backoff <seconds>',
      'wait for an acknowledgement before sending again (doubles)',
      integerIn(1, 86400),
    )
    .option('--qos <n>', 'MQTT QoS, default 1', integerIn(0, 2))
    .option('--idempotency-key <key>', 'the same key answers the existing command')
    .action(async function sendCommand(
      deviceId: string,
      options: {
        hex?: string;
        base64?: string;
        data?: unknown;
        transport?: Transport;
        name?: string;
        priority?: number;
        expiresIn?: number;
        confirmed?: boolean;
        attempts?: number;
        backoff?: number;
        qos?: number;
        idempotencyKey?: string;
      },
      command: Command,
    ) {
      const given = [options.hex, options.base64, options.data].filter((v) => v !== undefined).length;
      if (given !== 1) throw new UsageError('give exactly one of --hex, --base64 or --data');
      if (options.backoff !== undefined && options.attempts === undefined)
        throw new UsageError('--backoff needs --attempts');
      const ctx = new CommandContext(io, command);
      const json = {
        ...(options.hex !== undefined ? { hex: options.hex.replace(/^0x/i, '') } : {}),
        ...(options.base64 !== undefined ? { base64: options.base64 } : {}),
        ...(options.data !== undefined ? { data: options.data } : {}),
        ...(options.transport !== undefined ? { transport: options.transport } : {}),
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.priority !== undefined ? { priority: options.priority } : {}),
        ...(options.expiresIn !== undefined ? { expiresInSeconds: options.expiresIn } : {}),
        ...(options.confirmed ? { confirmed: true } : {}),
        ...(options.attempts !== undefined
          ? {
              retry: {
                attempts: options.attempts,
                ...(options.backoff !== undefined ? { backoffSeconds: options.backoff } : {}),
              },
            }
          : {}),
        ...(options.qos !== undefined ? { qos: options.qos } : {}),
        ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
      };
      ctx.show(await ctx.client.request<CommandView>('POST', commandsPath(deviceId), { json }), details);
    });
  commands
    .command('list')
    .description("a device's commands and method calls, newest first")
    .argument('<device>', 'the device id')
    .option('--status <status>', `only these: ${statuses.join(', ')}`, oneOf([...statuses]))
    .option('--limit <n>', 'at most this many (1-500)', integerIn(1, 500))
    .option('--cursor <cursor>', 'the next page: nextCursor of the previous one')
    .action(async function listCommands(
      deviceId: string,
      options: { status?: string; limit?: number; cursor?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const query = new URLSearchParams();
      if (options.status) query.set('status', options.status);
      if (options.limit) query.set('limit', String(options.limit));
      if (options.cursor) query.set('cursor', options.cursor);
      const page = await ctx.client.request<{ items: CommandView[]; nextCursor: string | null }>(
        'GET',
        `${commandsPath(deviceId)}${query.size > 0 ? `?${query}` : ''}`,
      );
      if (!ctx.json && page.items.length === 0) ctx.note('no commands');
      ctx.show(page, (p) => formatTable(columns, p.items));
      if (!ctx.json && page.nextCursor !== null) ctx.note(`more: --cursor ${page.nextCursor}`);
    });
  commands
    .command('show')
    .description('one command with its history of statuses')
    .argument('<device>', 'the device id')
    .argument('<command-id>', 'the command id (cmd_…)')
    .action(async function showCommand(
      deviceId: string,
      commandId: string,
      _options: unknown,
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const path = `${commandsPath(deviceId)}/${encodeURIComponent(commandId)}`;
      ctx.show(await ctx.client.request<CommandView>('GET', path), details);
    });
  commands
    .command('cancel')
    .description('cancel a command that is not delivered yet (exit 5 once it is)')
    .argument('<device>', 'the device id')
    .argument('<command-id>', 'the command id (cmd_…)')
    .action(async function cancelCommand(
      deviceId: string,
      commandId: string,
      _options: unknown,
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const path = `${commandsPath(deviceId)}/${encodeURIComponent(commandId)}/cancel`;
      ctx.show(await ctx.client.request<CommandView>('POST', path), (c) => `${c.id} ${c.status}`);
    });

  const methods = program.command('methods').description('direct methods on connected devices');
  methods
    .command('call')
    .description('call a method on a connected device and print its reply (exit 4 offline, 7 on timeout)')
    .argument('<device>', 'the device id')
    .argument('<method>', 'the method name')
    .option('--payload <json>', 'the request, JSON', jsonValue)
    .option('--timeout <seconds>', 'how long to wait for the reply (1-300, default 30)', integerIn(1, 300))
    .action(async function callMethod(
      deviceId: string,
      method: string,
      options: { payload?: unknown; timeout?: number },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const answer = await ctx.client.request<{ id: string; status: string; result: unknown }>(
        'POST',
        `/v1/devices/${encodeURIComponent(deviceId)}/methods/${encodeURIComponent(method)}`,
        {
          json: {
            ...(options.payload !== undefined ? { payload: options.payload } : {}),
            ...(options.timeout !== undefined ? { timeoutSeconds: options.timeout } : {}),
          },
        },
      );
      ctx.show(answer, (a) => JSON.stringify(a.result, null, 2));
    });
}
