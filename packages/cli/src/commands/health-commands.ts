import type { Command } from 'commander';
import type { ResponseBody } from '../api-types.js';
import { CommandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { isoDateTime } from '../options.js';
import { formatDetails, formatTime } from '../output.js';

type DeviceHealth = ResponseBody<'/v1/devices/{deviceId}/health', 'get'>;
type HealthBucket = DeviceHealth['buckets'][number];

/** The metrics drawn, in order, with how each bucket's value is read. */
const LINES: readonly [string, (bucket: HealthBucket) => number | null][] = [
  ['messages', (b) => b.messages],
  ['rssi', (b) => b.rssi?.avg ?? null],
  ['snr', (b) => b.snr?.avg ?? null],
  ['stations', (b) => b.stations?.avg ?? null],
  ['battery', (b) => b.battery?.avg ?? null],
  ['temperature', (b) => b.temperature?.avg ?? null],
  ['reboots', (b) => b.reboots?.last ?? null],
  ['shock', (b) => b.shock?.max ?? null],
];

const BARS = '▁▂▃▄▅▆▇█';

/** One character per bucket, scaled between the values' minimum and maximum; a blank for a bucket without one. */
export function sparkline(values: readonly (number | null)[]): string {
  const present = values.filter((value): value is number => value !== null);
  if (present.length === 0) return '';
  const low = Math.min(...present);
  const span = Math.max(...present) - low;
  return values
    .map((value) => {
      if (value === null) return ' ';
      const level = span === 0 ? BARS.length - 1 : Math.round(((value - low) / span) * (BARS.length - 1));
      return BARS[level] ?? ' ';
    })
    .join('');
}

const short = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));

function healthText(health: DeviceHealth): string {
  const details = formatDetails([
    ['device', `${health.deviceId} (${health.lifecycle})`],
    ['range', `${formatTime(health.from)} → ${formatTime(health.to)}, ${health.bucket} buckets`],
    ['last seen', formatTime(health.lastSeenAt)],
    ['messages', `${health.messages.total} (${short(health.messages.perHour)} an hour)`],
    [
      'battery',
      health.battery.drainPerDay === null
        ? '-'
        : `drains ${short(health.battery.drainPerDay)} a day; empty (${short(health.battery.empty)}) ${
            health.battery.projectedEmptyAt === null
              ? 'not in sight'
              : `about ${formatTime(health.battery.projectedEmptyAt)}`
          }`,
    ],
  ]);
  const width = Math.max(...LINES.map(([name]) => name.length));
  const lines: string[] = [];
  for (const [name, read] of LINES) {
    const values = health.buckets.map(read);
    const present = values.filter((value): value is number => value !== null);
    if (present.length === 0 || (name === 'messages' && present.every((value) => value === 0))) continue;
    const last = present.at(-1) ?? 0;
    lines.push(
      `${name.padEnd(width)}  ${sparkline(values)}  min ${short(Math.min(...present))}  max ${short(Math.max(...present))}  last ${short(last)}`,
    );
  }
  return [details, '', ...(lines.length > 0 ? lines : ['no samples in this range'])].join('\n');
}

/** `health DEVICE`: a device's health series as sparklines in the terminal. */
export function registerHealthCommands(program: Command, io: CliIo): void {
  program
    .command('health')
    .description(
      "a device's health: messages, signal, battery, temperature, reboots, shock as sparklines (docs/HEALTH.md)",
    )
    .argument('<device>', 'device id')
    .option('--from <time>', 'start of the range (default: a day before --to)', isoDateTime)
    .option('--to <time>', 'end of the range (default: now)', isoDateTime)
    .option('--bucket <size>', 'bucket size: 5m, 1h, 1d … (default: at most 200 buckets)')
    .action(async function health(
      device: string,
      options: { from?: string; to?: string; bucket?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const answer = await ctx.client.call((api) =>
        api.GET('/v1/devices/{deviceId}/health', {
          params: {
            path: { deviceId: device },
            query: {
              ...(options.from !== undefined ? { from: options.from } : {}),
              ...(options.to !== undefined ? { to: options.to } : {}),
              ...(options.bucket !== undefined ? { bucket: options.bucket } : {}),
            },
          },
        }),
      );
      ctx.show(answer, healthText);
    });
}
