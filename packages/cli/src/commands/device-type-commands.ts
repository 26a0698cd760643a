import type { Command } from 'commander';
import type { DeviceType, Page } from '../api-types.js';
import { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { integerIn, jsonObject, versionTag } from '../options.js';
import { type Column, formatDetails, formatJson, formatTable, formatTime } from '../output.js';

const MAX_INTERVAL_S = 31_536_000;

const typeColumns: readonly Column<DeviceType>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'name', value: (t) => t.name },
  { header: 'interval', value: (t) => formatInterval(t.expectedUplinkIntervalSeconds) },
  { header: 'version', value: (t) => String(t.version) },
  { header: 'description', value: (t) => t.description || '-' },
];

function formatInterval(seconds: number | null): string {
  return seconds === null ? '-' : `${seconds}s`;
}

function typeDetails(t: DeviceType): string {
  return formatDetails([
    ['id', t.id],
    ['name', t.name],
    ['description', t.description || '-'],
    ['expected interval', formatInterval(t.expectedUplinkIntervalSeconds)],
    ['settings', JSON.stringify(t.settings)],
    [
      'capture',
      `late after ${t.capture.lateAfterSeconds}s, ${t.capture.sequenceBits}-bit sequence, ` +
        `auto-create ${t.capture.autoCreateDevices ? 'on' : 'off'}, dedup window ${t.capture.dedupWindowSeconds}s`,
    ],
    ['version', String(t.version)],
    ['created', formatTime(t.createdAt)],
    ['updated', formatTime(t.updatedAt)],
  ]);
}

/**
 * `--expected-interval 3600`, or `none` to clear it (update). The word is kept as is:
 * commander treats a parser's null as "no value given".
 */
function intervalOrNone(value: string): number | 'none' {
  return value === 'none' ? 'none' : integerIn(1, MAX_INTERVAL_S)(value);
}

interface TypeFieldOptions {
  name?: string;
  description?: string;
  expectedInterval?: number | 'none';
  settings?: Record<string, unknown>;
  capture?: Record<string, unknown>;
}

function typeFields(options: TypeFieldOptions): Record<string, unknown> {
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.description !== undefined ? { description: options.description } : {}),
    ...(options.expectedInterval !== undefined
      ? {
          expectedUplinkIntervalSeconds:
            options.expectedInterval === 'none' ? null : options.expectedInterval,
        }
      : {}),
    ...(options.settings !== undefined ? { settings: options.settings } : {}),
    ...(options.capture !== undefined ? { capture: options.capture } : {}),
  };
}

function withFieldOptions(command: Command, required: boolean): Command {
  return command
    .option('--description <text>', 'free text')
    .option(
      '--expected-interval <seconds>',
      `seconds between uplinks, for silent-device detection${required ? '' : ' (none clears it)'}`,
      required ? integerIn(1, MAX_INTERVAL_S) : intervalOrNone,
    )
    .option('--settings <json>', 'settings, a JSON object (replaces the whole object)', jsonObject)
    .option(
      '--capture <json>',
      'capture settings, e.g. {"lateAfterSeconds":600,"sequenceBits":12,"autoCreateDevices":true,"dedupWindowSeconds":300} (update: only the fields given change)',
      jsonObject,
    );
}

/** `device-types list | get | create | update | delete`; returns the group, for commands of other modules. */
export function registerDeviceTypeCommands(program: Command, io: CliIo): Command {
  const types = program
    .command('device-types')
    .description('device types (profiles): list, get, create, update, delete');

  types
    .command('list')
    .description('list device types, a page at a time')
    .option('--all', 'follow the pages to the end')
    .option('--limit <n>', 'page size (1-1000)', integerIn(1, 1000))
    .option('--cursor <cursor>', 'start from this page cursor (nextCursor of a previous page)')
    .action(async function listTypes(
      options: { all?: boolean; limit?: number; cursor?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const items: DeviceType[] = [];
      let cursor = options.cursor;
      let next: string | null = null;
      do {
        const page: Page<DeviceType> = await ctx.client.request<Page<DeviceType>>('GET', '/v1/device-types', {
          query: { limit: options.limit, cursor },
        });
        items.push(...page.items);
        next = page.nextCursor;
        cursor = next ?? undefined;
      } while (options.all && next !== null);
      ctx.show({ items, nextCursor: next }, (p) =>
        p.items.length === 0 ? '' : formatTable(typeColumns, p.items),
      );
      if (!ctx.json && items.length === 0) ctx.note('no device types');
      if (!ctx.json && next !== null) ctx.note(`more device types: --all, or --cursor ${next}`);
    });

  types
    .command('get')
    .description('show one device type')
    .argument('<id>', 'device type id')
    .action(async function getType(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      ctx.show(
        await ctx.client.request<DeviceType>('GET', `/v1/device-types/${encodeURIComponent(id)}`),
        typeDetails,
      );
    });

  withFieldOptions(
    types
      .command('create')
      .description('create a device type')
      .requiredOption('--id <id>', 'device type id (letters, digits and . _ : -)')
      .requiredOption('--name <name>', 'display name'),
    true,
  ).action(async function createType(options: TypeFieldOptions & { id: string }, command: Command) {
    const ctx = new CommandContext(io, command);
    const type = await ctx.client.request<DeviceType>('POST', '/v1/device-types', {
      json: { id: options.id, ...typeFields(options) },
    });
    ctx.show(type, (t) => `created device type ${t.id}\n${typeDetails(t)}`);
  });

  withFieldOptions(
    types
      .command('update')
      .description('change a device type; only the fields given change')
      .argument('<id>', 'device type id')
      .option('--name <name>', 'display name'),
    false,
  )
    .option('--if-match <version>', 'only if the device type is still at this version', versionTag)
    .action(async function updateType(
      id: string,
      options: TypeFieldOptions & { ifMatch?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const fields = typeFields(options);
      if (Object.keys(fields).length === 0) {
        throw new UsageError(
          'nothing to change: give --name, --description, --expected-interval, --settings or --capture',
        );
      }
      const type = await ctx.client.request<DeviceType>(
        'PATCH',
        `/v1/device-types/${encodeURIComponent(id)}`,
        {
          json: fields,
          ...(options.ifMatch ? { headers: { 'if-match': options.ifMatch } } : {}),
        },
      );
      ctx.show(type, (t) => `updated device type ${t.id}\n${typeDetails(t)}`);
    });

  types
    .command('delete')
    .description('delete a device type that has no devices (deleted ones included)')
    .argument('<id>', 'device type id')
    .option('--if-match <version>', 'only if the device type is still at this version', versionTag)
    .action(async function deleteType(id: string, options: { ifMatch?: string }, command: Command) {
      const ctx = new CommandContext(io, command);
      await ctx.client.request<undefined>('DELETE', `/v1/device-types/${encodeURIComponent(id)}`, {
        ...(options.ifMatch ? { headers: { 'if-match': options.ifMatch } } : {}),
      });
      if (ctx.json) ctx.io.stdout.write(formatJson({ id, deleted: true }));
      else ctx.io.stdout.write(`deleted device type ${id}\n`);
    });
  return types;
}
