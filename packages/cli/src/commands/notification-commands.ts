import type { Command } from 'commander';
import type { Notification, NotificationChannel, NotificationRecipient, RequestBody } from '../api-types.js';
import { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { collect, integerIn, oneOf } from '../options.js';
import { type Column, formatDetails, formatTable, formatTime } from '../output.js';

type ChannelBody = RequestBody<'/v1/notifications/channels', 'post'>;
type RecipientBody = RequestBody<'/v1/notifications/recipients', 'post'>;

const channelColumns: readonly Column<NotificationChannel>[] = [
  { header: 'id', value: (c) => c.id },
  { header: 'name', value: (c) => c.name },
  { header: 'kind', value: (c) => c.kind },
  {
    header: 'to',
    value: (c) => c.to?.join(',') ?? c.url ?? (c.topic === undefined ? '-' : `${c.topic} (qos ${c.qos})`),
  },
];

const recipientColumns: readonly Column<NotificationRecipient>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'name', value: (r) => r.name },
  { header: 'channels', value: (r) => r.channels.join(',') },
  { header: 'severities', value: (r) => r.severities.join(',') },
  { header: 'types', value: (r) => (r.types.length === 0 ? 'all' : r.types.join(',')) },
  {
    header: 'delivery',
    value: (r) => (r.delivery.mode === 'digest' ? `digest ${r.delivery.windowMinutes} min` : 'immediate'),
  },
  {
    header: 'quiet',
    value: (r) => (r.quietHours ? `${r.quietHours.start}-${r.quietHours.end} ${r.quietHours.timeZone}` : '-'),
  },
];

const notificationColumns: readonly Column<Notification>[] = [
  { header: 'id', value: (n) => n.id },
  { header: 'recipient', value: (n) => n.recipientId },
  { header: 'channel', value: (n) => n.channelId },
  { header: 'status', value: (n) => n.status },
  { header: 'alerts', value: (n) => String(n.alerts) },
  { header: 'send at', value: (n) => formatTime(n.sendAt) },
  { header: 'tries', value: (n) => String(n.attempts) },
  { header: 'last error', value: (n) => n.lastError ?? '-' },
];

interface ChannelOptions {
  readonly name: string;
  readonly email?: string[];
  readonly webhook?: string;
  readonly mqtt?: string;
  readonly qos?: number;
}

interface RecipientOptions {
  readonly name: string;
  readonly channel: string[];
  readonly severity?: string[];
  readonly type?: string[];
  readonly event?: string[];
  readonly quiet?: string;
  readonly timeZone?: string;
  readonly digest?: number;
}

function channelBody(options: ChannelOptions): ChannelBody {
  const chosen = [options.email, options.webhook, options.mqtt].filter((o) => o !== undefined);
  if (chosen.length !== 1)
    throw new UsageError('give exactly one of --email (repeatable), --webhook or --mqtt');
  if (options.email !== undefined) return { name: options.name, kind: 'email', to: options.email };
  if (options.webhook !== undefined) return { name: options.name, kind: 'webhook', url: options.webhook };
  return {
    name: options.name,
    kind: 'mqtt',
    topic: options.mqtt ?? '',
    ...(options.qos === undefined ? {} : { qos: options.qos as 0 | 1 | 2 }),
  };
}

function recipientBody(options: RecipientOptions): RecipientBody {
  let quietHours: RecipientBody['quietHours'];
  if (options.quiet !== undefined) {
    const match = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(options.quiet);
    if (match === null) throw new UsageError("--quiet takes 'HH:MM-HH:MM', e.g. 22:00-07:00");
    quietHours = { start: match[1] ?? '', end: match[2] ?? '', timeZone: options.timeZone ?? 'UTC' };
  } else if (options.timeZone !== undefined) throw new UsageError('--time-zone goes with --quiet');
  return {
    name: options.name,
    channels: options.channel,
    ...(options.severity === undefined
      ? {}
      : { severities: options.severity as RecipientBody['severities'] }),
    ...(options.type === undefined ? {} : { types: options.type }),
    ...(options.event === undefined ? {} : { events: options.event as RecipientBody['events'] }),
    ...(quietHours === undefined ? {} : { quietHours }),
    delivery:
      options.digest === undefined
        ? { mode: 'immediate' }
        : { mode: 'digest', windowMinutes: options.digest },
  };
}

function addRecipientOptions(command: Command): Command {
  return command
    .requiredOption('--name <name>', 'who it is (until users exist: a named address list)')
    .requiredOption('--channel <id>', 'a channel id (repeat)', collect)
    .option('--severity <s>', 'critical, major, minor, warning or info (repeat; default: all)', collect)
    .option('--type <type>', 'an alert type (repeat; default: every type)', collect)
    .option('--event <e>', 'raised, updated, acknowledged or cleared (repeat; default: raised)', collect)
    .option('--quiet <HH:MM-HH:MM>', 'quiet hours: alerts are held until they end (critical ones are not)')
    .option('--time-zone <zone>', 'the IANA time zone of the quiet hours (default UTC)')
    .option('--digest <minutes>', 'gather alerts this long into one message (1-1440)', integerIn(1, 1440));
}

/** `fleetport notifications …`: channels, recipients and the notifications sent. */
export function registerNotificationCommands(program: Command, io: CliIo): void {
  const notifications = program
    .command('notifications')
    .description('alert notifications: channels, recipients, list, show');

  const channels = notifications.command('channels').description('e-mail, webhook and MQTT channels');
  channels
    .command('create')
    .description('create a channel; a webhook channel prints its signing secret, shown only this once')
    .requiredOption('--name <name>', 'what the channel is')
    .option('--email <address>', 'an address of an e-mail channel (repeat)', collect)
    .option('--webhook <url>', 'the http(s) URL of a webhook channel')
    .option('--mqtt <topic>', "a topic of the tenant's MQTT broker")
    .option('--qos <n>', 'the MQTT QoS (0-2, default 1)', integerIn(0, 2))
    .action(async function createChannel(options: ChannelOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const body = channelBody(options);
      const created = await ctx.client.call((api) => api.POST('/v1/notifications/channels', { body }));
      ctx.show(created, (c) =>
        [
          `created channel ${c.channel.id}`,
          ...(c.secret === null ? [] : [`secret: ${c.secret}  (shown once: keep it to verify signatures)`]),
          formatTable(channelColumns, [c.channel]),
        ].join('\n'),
      );
    });
  channels
    .command('list')
    .description('list the channels')
    .option('--limit <n>', 'page size (1-1000)', integerIn(1, 1000))
    .option('--cursor <cursor>', 'from a previous page')
    .action(async function listChannels(options: { limit?: number; cursor?: string }, command: Command) {
      const ctx = new CommandContext(io, command);
      const page = await ctx.client.call((api) =>
        api.GET('/v1/notifications/channels', {
          params: {
            query: { limit: options.limit ?? 100, ...(options.cursor ? { cursor: options.cursor } : {}) },
          },
        }),
      );
      ctx.show(page, (p) => (p.items.length === 0 ? '' : formatTable(channelColumns, p.items)));
    });
  channels
    .command('delete')
    .argument('<id>', 'channel id')
    .description('delete a channel no recipient names')
    .action(async function deleteChannel(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      await ctx.client.call((api) =>
        api.DELETE('/v1/notifications/channels/{channelId}', { params: { path: { channelId: id } } }),
      );
      ctx.show({ id, deleted: true }, () => `deleted channel ${id}`);
    });

  const recipients = notifications
    .command('recipients')
    .description('who hears of which alerts, how and when');
  addRecipientOptions(recipients.command('create').description('create a recipient')).action(
    async function createRecipient(options: RecipientOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const body = recipientBody(options);
      const created = await ctx.client.call((api) => api.POST('/v1/notifications/recipients', { body }));
      ctx.show(created, (r) => `created recipient ${r.id}\n${formatTable(recipientColumns, [r])}`);
    },
  );
  addRecipientOptions(
    recipients
      .command('set')
      .argument('<id>', 'recipient id')
      .description("replace a recipient's channels and preferences"),
  ).action(async function setRecipient(id: string, options: RecipientOptions, command: Command) {
    const ctx = new CommandContext(io, command);
    const body = recipientBody(options);
    const replaced = await ctx.client.call((api) =>
      api.PUT('/v1/notifications/recipients/{recipientId}', { params: { path: { recipientId: id } }, body }),
    );
    ctx.show(replaced, (r) => formatTable(recipientColumns, [r]));
  });
  recipients
    .command('list')
    .description('list the recipients')
    .option('--limit <n>', 'page size (1-1000)', integerIn(1, 1000))
    .option('--cursor <cursor>', 'from a previous page')
    .action(async function listRecipients(options: { limit?: number; cursor?: string }, command: Command) {
      const ctx = new CommandContext(io, command);
      const page = await ctx.client.call((api) =>
        api.GET('/v1/notifications/recipients', {
          params: {
            query: { limit: options.limit ?? 100, ...(options.cursor ? { cursor: options.cursor } : {}) },
          },
        }),
      );
      ctx.show(page, (p) => (p.items.length === 0 ? '' : formatTable(recipientColumns, p.items)));
    });
  recipients
    .command('delete')
    .argument('<id>', 'recipient id')
    .description('delete a recipient; what it was gathering is not sent')
    .action(async function deleteRecipient(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      await ctx.client.call((api) =>
        api.DELETE('/v1/notifications/recipients/{recipientId}', { params: { path: { recipientId: id } } }),
      );
      ctx.show({ id, deleted: true }, () => `deleted recipient ${id}`);
    });

  notifications
    .command('list')
    .description('notifications, newest first')
    .option(
      '--status <status>',
      'gathering, pending, delivered or failed',
      oneOf(['gathering', 'pending', 'delivered', 'failed'] as const),
    )
    .option('--recipient <id>', "one recipient's")
    .option('--limit <n>', 'page size (1-1000)', integerIn(1, 1000))
    .option('--cursor <id>', 'from a previous page')
    .action(async function listNotifications(
      options: {
        status?: 'gathering' | 'pending' | 'delivered' | 'failed';
        recipient?: string;
        limit?: number;
        cursor?: string;
      },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const page = await ctx.client.call((api) =>
        api.GET('/v1/notifications/messages', {
          params: {
            query: {
              limit: options.limit ?? 100,
              ...(options.status ? { status: options.status } : {}),
              ...(options.recipient ? { recipientId: options.recipient } : {}),
              ...(options.cursor ? { cursor: options.cursor } : {}),
            },
          },
        }),
      );
      ctx.show(page, (p) => (p.items.length === 0 ? '' : formatTable(notificationColumns, p.items)));
    });

  notifications
    .command('show')
    .argument('<id>', 'notification id')
    .description('a notification: its text, its alerts and every try')
    .action(async function showNotification(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const one = await ctx.client.call((api) =>
        api.GET('/v1/notifications/messages/{notificationId}', { params: { path: { notificationId: id } } }),
      );
      ctx.show(one, (d) =>
        [
          formatDetails([
            ['id', d.notification.id],
            ['status', d.notification.status],
            ['recipient', d.notification.recipientId],
            ['channel', d.notification.channelId],
            ['alerts', String(d.notification.alerts)],
            ['send at', formatTime(d.notification.sendAt)],
            ['subject', d.notification.subject ?? '-'],
          ]),
          ...d.attempts.map((a) =>
            `try ${a.attempt} ${formatTime(a.at)} ${a.ok ? 'ok' : 'failed'} ${a.detail ?? ''} ${a.error ?? ''}`.trimEnd(),
          ),
        ].join('\n'),
      );
    });
}
