import { type Command, InvalidArgumentError } from 'commander';
import type { Alert, AlertDetail } from '../api-types.js';
import type { Change } from '../capture-types.js';
import { ChangeFollower } from '../change-follower.js';
import { CommandContext, type GlobalOptions } from '../context.js';
import type { CliIo } from '../io.js';
import { collect, integerIn, isoDateTime, oneOf } from '../options.js';
import { type Column, formatDetails, formatTable, formatTime, print } from '../output.js';
import { resolveConnection } from '../profiles.js';
import { stopSignal } from '../stop-signal.js';

const STATES = ['open', 'acknowledged', 'cleared', 'active'] as const;
const SEVERITIES = ['critical', 'major', 'minor', 'warning', 'info'] as const;

function alertId(value: string): string {
  if (!/^alr_[0-9a-f]{32}$/.test(value))
    throw new InvalidArgumentError(`'${value}' is not an alert id (alr_…)`);
  return value;
}

function changeCursor(value: string): string {
  if (!/^(\d{1,18}|latest)$/.test(value))
    throw new InvalidArgumentError(`expected a change cursor (digits) or latest, got '${value}'`);
  return value;
}

const about = (a: Alert) => a.deviceId ?? (a.subject ? `fleet:${a.subject}` : 'fleet');
const actor = (who: Alert['acknowledgedBy']) =>
  who === null ? '-' : `${who.kind === 'platform' ? 'platform:' : ''}${who.id}`;

const alertColumns: readonly Column<Alert>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'severity', value: (a) => a.severity },
  { header: 'state', value: (a) => a.state },
  { header: 'type', value: (a) => a.type },
  { header: 'about', value: about },
  { header: 'count', value: (a) => String(a.occurrences) },
  { header: 'last', value: (a) => formatTime(a.lastAt) },
];

function alertDetails(a: AlertDetail | Alert): string {
  const lines = formatDetails([
    ['id', a.id],
    ['type', a.type],
    ['severity', a.severity],
    ['state', a.state],
    ['about', about(a)],
    ['message', a.message],
    ['occurrences', String(a.occurrences)],
    ['first', formatTime(a.firstAt)],
    ['last', formatTime(a.lastAt)],
    [
      'acknowledged',
      a.acknowledgedAt ? `${formatTime(a.acknowledgedAt)} by ${actor(a.acknowledgedBy)}` : '-',
    ],
    ['cleared', a.clearedAt ? `${formatTime(a.clearedAt)} by ${actor(a.clearedBy)}` : '-'],
  ]);
  if (!('history' in a)) return lines;
  const history = a.history.map(
    (e) => `  ${formatTime(e.at)}  ${e.action.padEnd(12)} ${actor(e.actor)}${e.text ? `  ${e.text}` : ''}`,
  );
  return `${lines}\nhistory:\n${history.join('\n')}`;
}

/** One line per alert change for `alerts watch`: time, kind, severity, state, type, about. */
export function watchLine(change: Change): string {
  const a = change.data as Alert;
  return [
    formatTime(change.at),
    change.kind.padEnd(18),
    a.severity.padEnd(8),
    a.state.padEnd(12),
    a.type,
    about(a),
    a.id,
  ].join('  ');
}

interface ListOptions {
  state?: (typeof STATES)[number];
  severity?: (typeof SEVERITIES)[number];
  type?: string;
  device?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

/** `alerts list|get|ack|clear|comment|watch` (docs/ALERTS.md). */
export function registerAlertCommands(program: Command, io: CliIo): void {
  const alerts = program
    .command('alerts')
    .description('alerts: list, acknowledge, clear, comment, watch (docs/ALERTS.md)');

  alerts
    .command('list')
    .description('alerts, newest first')
    .option('--state <state>', `${STATES.join(', ')} (active: open or acknowledged)`, oneOf(STATES))
    .option('--severity <severity>', SEVERITIES.join(', '), oneOf(SEVERITIES))
    .option('--type <type>', 'only this alert type, e.g. device_silent')
    .option('--device <id>', "only this device's alerts")
    .option('--from <date-time>', 'first occurred at or after (ISO 8601)', isoDateTime)
    .option('--to <date-time>', 'first occurred before (ISO 8601)', isoDateTime)
    .option('--limit <n>', 'page size (1-500)', integerIn(1, 500))
    .option('--cursor <id>', 'the next page: the nextCursor of the one before', alertId)
    .action(async function listAlerts(options: ListOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const page = await ctx.client.call((api) =>
        api.GET('/v1/alerts', {
          params: {
            query: {
              state: options.state,
              severity: options.severity,
              type: options.type,
              deviceId: options.device,
              from: options.from,
              to: options.to,
              limit: options.limit ?? 100,
              cursor: options.cursor,
            },
          },
        }),
      );
      ctx.show(page, (p) => {
        if (p.items.length === 0) return '';
        const table = formatTable(alertColumns, p.items);
        return p.nextCursor ? `${table}\nmore: --cursor ${p.nextCursor}` : table;
      });
      if (!ctx.json && page.items.length === 0) ctx.note('no alerts');
    });

  alerts
    .command('get')
    .description('an alert with its history')
    .argument('<id>', 'alert id', alertId)
    .action(async function getAlert(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const alert = await ctx.client.call((api) =>
        api.GET('/v1/alerts/{alertId}', { params: { path: { alertId: id } } }),
      );
      ctx.show(alert, alertDetails);
    });

  for (const [name, action, done] of [
    ['ack', 'acknowledge', 'acknowledged'],
    ['clear', 'clear', 'cleared'],
  ] as const) {
    alerts
      .command(name)
      .description(
        name === 'ack' ? 'acknowledge open alerts (someone is on it)' : 'clear open or acknowledged alerts',
      )
      .argument('<ids...>', 'alert ids', (value: string, previous: string[] = []) => [
        ...previous,
        alertId(value),
      ])
      .option('--comment <text>', 'why, kept in the history')
      .action(async function actOnAlerts(ids: string[], options: { comment?: string }, command: Command) {
        const ctx = new CommandContext(io, command);
        const changed: Alert[] = [];
        for (const id of ids) {
          const path =
            action === 'acknowledge' ? '/v1/alerts/{alertId}/acknowledge' : '/v1/alerts/{alertId}/clear';
          changed.push(
            await ctx.client.call((api) =>
              api.POST(path, {
                params: { path: { alertId: id } },
                body: options.comment === undefined ? {} : { comment: options.comment },
              }),
            ),
          );
        }
        ctx.show(changed, (list) => list.map((a) => `${done} ${a.id} (${a.type}, ${about(a)})`).join('\n'));
      });
  }

  alerts
    .command('comment')
    .description('add a comment to an alert, in any state')
    .argument('<id>', 'alert id', alertId)
    .argument('<text>', 'the comment')
    .action(async function commentAlert(id: string, text: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const result = await ctx.client.call((api) =>
        api.POST('/v1/alerts/{alertId}/comments', { params: { path: { alertId: id } }, body: { text } }),
      );
      ctx.show(result, (r) => `commented on ${r.alert.id} (#${r.comment.seq})`);
    });

  alerts
    .command('watch')
    .description('print alert changes as they happen, one line each, until Ctrl-C (follows the change feed)')
    .option('--device <id>', 'only this device; repeat for more', collect)
    .option('--severity <severity>', 'only this severity; repeat for more', collect)
    .option('--since <cursor>', 'start after this change cursor, or latest (default)', changeCursor)
    .option('--count <n>', 'stop after this many lines', integerIn(1, 1_000_000))
    .action(async function watchAlerts(
      options: { device?: string[]; severity?: string[]; since?: string; count?: number },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const { url, ...credentials } = resolveConnection(command.optsWithGlobals<GlobalOptions>(), io.env);
      const devices = options.device ? new Set(options.device) : undefined;
      const severities = options.severity ? new Set(options.severity) : undefined;
      const stop = stopSignal(io);
      const enough = new AbortController();
      let printed = 0;
      const follower = new ChangeFollower({
        url: url.replace(/\/+$/, ''),
        ...credentials,
        since: options.since ?? 'latest',
        signal: AbortSignal.any([stop.signal, enough.signal]),
        onOutage: (reason) =>
          ctx.note(`fleetport: lost the server (${reason}); reconnecting from cursor ${follower.cursor}…`),
        onReconnect: () => ctx.note(`fleetport: reconnected; following from cursor ${follower.cursor}`),
      });
      try {
        await follower.follow(function printAlertChange(change: Change) {
          if (enough.signal.aborted || !change.kind.startsWith('alert.')) return;
          const alert = change.data as Alert;
          if (devices && (alert.deviceId === null || !devices.has(alert.deviceId))) return;
          if (severities && !severities.has(alert.severity)) return;
          print(io.stdout, ctx.json ? JSON.stringify(change) : watchLine(change));
          printed += 1;
          if (options.count !== undefined && printed >= options.count) enough.abort();
        });
      } finally {
        stop.dispose();
      }
      ctx.note(`stopped at cursor ${follower.cursor}; resume with --since ${follower.cursor}`);
    });
}
