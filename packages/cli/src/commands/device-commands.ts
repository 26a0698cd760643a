import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CreatedCredential, Credential, Device, Page } from '../api-types.js';
import { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { collect, integerIn, isoDateTime, jsonObject, oneOf, tagsFrom, versionTag } from '../options.js';
import { type Column, formatDetails, formatJson, formatTable, formatTags, formatTime } from '../output.js';

/** The `--deleted` choices, as the API names them. */
export const DELETED_MODES = ['exclude', 'include', 'only'] as const;

const path = (id: string) => `/v1/devices/${encodeURIComponent(id)}`;

function deviceColumns(showDeleted: boolean): Column<Device>[] {
  return [
    { header: 'id', value: (d) => d.id },
    { header: 'type', value: (d) => d.typeId },
    { header: 'name', value: (d) => d.name || '-' },
    { header: 'tags', value: (d) => formatTags(d.tags) },
    { header: 'lifecycle', value: (d) => d.lifecycle },
    { header: 'version', value: (d) => String(d.version) },
    ...(showDeleted ? [{ header: 'deleted', value: (d: Device) => formatTime(d.deletedAt) }] : []),
  ];
}

function deviceDetails(d: Device): string {
  return formatDetails([
    ['id', d.id],
    ['type', d.typeId],
    ['name', d.name || '-'],
    ['tags', formatTags(d.tags)],
    ['attributes', JSON.stringify(d.attributes)],
    ['lifecycle', `${d.lifecycle} since ${formatTime(d.lifecycleChangedAt ?? d.createdAt)}`],
    ['version', String(d.version)],
    ['created', formatTime(d.createdAt)],
    ['updated', formatTime(d.updatedAt)],
    ...(d.deletedAt ? [['deleted', formatTime(d.deletedAt)] as const] : []),
  ]);
}

const credentialColumns: readonly Column<Credential>[] = [
  { header: 'id', value: (c) => c.id },
  { header: 'kind', value: (c) => c.kind },
  { header: 'name', value: (c) => c.name || '-' },
  { header: 'fingerprint', value: (c) => c.fingerprint ?? '-' },
  { header: 'expires', value: (c) => formatTime(c.expiresAt) },
  { header: 'created', value: (c) => formatTime(c.createdAt) },
];

function createdCredentialText(c: CreatedCredential): string {
  const details = formatTable(credentialColumns, [c]);
  if (c.token === undefined) return `added credential ${c.id} to device ${c.deviceId}\n${details}`;
  return [
    `added credential ${c.id} to device ${c.deviceId}`,
    details,
    'The device token is shown only this once. Store it now:',
    '',
    `  ${c.token}`,
    '',
  ].join('\n');
}

const ifMatchHeaders = (ifMatch: string | undefined) => (ifMatch ? { headers: { 'if-match': ifMatch } } : {});

interface ListOptions {
  type?: string;
  tag?: string[];
  where?: string;
  deleted?: (typeof DELETED_MODES)[number];
  lifecycle?: string[];
  limit?: number;
  cursor?: string;
  all?: boolean;
}

interface DeviceFieldOptions {
  type?: string;
  name?: string;
  tag?: string[];
  clearTags?: boolean;
  attributes?: Record<string, unknown>;
}

/** `devices list | get | create | update | delete | restore` and `devices credentials …`. */
export function registerDeviceCommands(devices: Command, io: CliIo): void {
  devices
    .command('list')
    .description('list devices, filtered by type, tags or a condition, a page at a time')
    .option('--type <type>', 'only devices of this type')
    .option(
      '--tag <key[=value]>',
      'only devices with this tag (key alone: has the tag); repeat for AND',
      collect,
    )
    .option(
      '--where <condition>',
      'only devices for which this CEL condition holds, e.g. \'type == "tracker" && tags.site == "paris"\' (docs/CONDITIONS.md)',
    )
    .option(
      '--deleted <mode>',
      `deleted devices: ${DELETED_MODES.join(', ')} (default exclude)`,
      oneOf(DELETED_MODES),
    )
    .option(
      '--lifecycle <state>',
      'only devices in this lifecycle state; repeat for OR; any: every state (default: all but retired)',
      collect,
    )
    .option('--limit <n>', 'page size (1-1000, default 100)', integerIn(1, 1000))
    .option('--cursor <cursor>', 'start from this page cursor (nextCursor of a previous page)')
    .option('--all', 'follow nextCursor to the end')
    .action(async function listDevices(options: ListOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const items: Device[] = [];
      let cursor = options.cursor;
      let next: string | null = null;
      do {
        const page: Page<Device> = await ctx.client.request<Page<Device>>('GET', '/v1/devices', {
          query: {
            typeId: options.type,
            tag: options.tag,
            where: options.where,
            deleted: options.deleted,
            lifecycle: options.lifecycle,
            limit: options.limit,
            cursor,
          },
        });
        items.push(...page.items);
        next = page.nextCursor;
        cursor = next ?? undefined;
      } while (options.all && next !== null);
      const showDeleted = options.deleted === 'include' || options.deleted === 'only';
      ctx.show({ items, nextCursor: next }, (p) =>
        p.items.length === 0 ? '' : formatTable(deviceColumns(showDeleted), p.items),
      );
      if (!ctx.json && items.length === 0) ctx.note('no devices');
      if (!ctx.json && next !== null) ctx.note(`more devices: --all, or --cursor ${next}`);
    });

  devices
    .command('get')
    .description('show one device')
    .argument('<id>', 'device id')
    .option('--include-deleted', 'also find it when it is deleted')
    .action(async function getDevice(id: string, options: { includeDeleted?: boolean }, command: Command) {
      const ctx = new CommandContext(io, command);
      const device = await ctx.client.request<Device>('GET', path(id), {
        query: { deleted: options.includeDeleted ? 'include' : undefined },
      });
      ctx.show(device, deviceDetails);
    });

  devices
    .command('create')
    .description('create a device')
    .requiredOption('--id <id>', 'device id (letters, digits and . _ : -; case-sensitive)')
    .requiredOption('--type <type>', 'device type id')
    .option('--name <name>', 'display name')
    .option('--tag <key=value>', 'a tag; repeat for more', collect)
    .option('--attributes <json>', 'free attributes, a JSON object', jsonObject)
    .action(async function createDevice(options: DeviceFieldOptions & { id: string }, command: Command) {
      const ctx = new CommandContext(io, command);
      const device = await ctx.client.request<Device>('POST', '/v1/devices', {
        json: {
          id: options.id,
          typeId: options.type,
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(options.tag ? { tags: tagsFrom(options.tag) } : {}),
          ...(options.attributes ? { attributes: options.attributes } : {}),
        },
      });
      ctx.show(device, (d) => `created device ${d.id}\n${deviceDetails(d)}`);
    });

  devices
    .command('update')
    .description('change a device; --tag and --attributes replace the whole set')
    .argument('<id>', 'device id')
    .option('--type <type>', 'move it to this device type')
    .option('--name <name>', 'display name')
    .option('--tag <key=value>', 'a tag; repeat for more; replaces all tags', collect)
    .option('--clear-tags', 'remove every tag')
    .option('--attributes <json>', 'free attributes, a JSON object; replaces them all', jsonObject)
    .option('--if-match <version>', 'only if the device is still at this version', versionTag)
    .action(async function updateDevice(
      id: string,
      options: DeviceFieldOptions & { ifMatch?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      if (options.tag && options.clearTags) throw new UsageError('give --tag or --clear-tags, not both');
      const fields = {
        ...(options.type !== undefined ? { typeId: options.type } : {}),
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.tag ? { tags: tagsFrom(options.tag) } : {}),
        ...(options.clearTags ? { tags: {} } : {}),
        ...(options.attributes ? { attributes: options.attributes } : {}),
      };
      if (Object.keys(fields).length === 0) {
        throw new UsageError('nothing to change: give --type, --name, --tag, --clear-tags or --attributes');
      }
      const device = await ctx.client.request<Device>('PATCH', path(id), {
        json: fields,
        ...ifMatchHeaders(options.ifMatch),
      });
      ctx.show(device, (d) => `updated device ${d.id}\n${deviceDetails(d)}`);
    });

  devices
    .command('delete')
    .description('delete a device (soft: `devices restore` brings it back)')
    .argument('<id>', 'device id')
    .option('--if-match <version>', 'only if the device is still at this version', versionTag)
    .action(async function deleteDevice(id: string, options: { ifMatch?: string }, command: Command) {
      const ctx = new CommandContext(io, command);
      await ctx.client.request<undefined>('DELETE', path(id), ifMatchHeaders(options.ifMatch));
      ctx.io.stdout.write(ctx.json ? formatJson({ id, deleted: true }) : `deleted device ${id}\n`);
    });

  devices
    .command('restore')
    .description('restore a deleted device')
    .argument('<id>', 'device id')
    .action(async function restoreDevice(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const device = await ctx.client.request<Device>('POST', `${path(id)}/restore`);
      ctx.show(device, (d) => `restored device ${d.id}\n${deviceDetails(d)}`);
    });

  registerCredentialCommands(devices, io);
}

function registerCredentialCommands(devices: Command, io: CliIo): void {
  const credentials = devices
    .command('credentials')
    .description("a device's credentials: list, add-token, add-cert, remove");

  credentials
    .command('list')
    .description("list a device's credentials (never their secrets)")
    .argument('<device-id>', 'device id')
    .action(async function listCredentials(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const page = await ctx.client.request<{ items: Credential[] }>('GET', `${path(id)}/credentials`);
      ctx.show(page, (p) => (p.items.length === 0 ? '' : formatTable(credentialColumns, p.items)));
      if (!ctx.json && page.items.length === 0) ctx.note(`device ${id} has no credentials`);
    });

  credentials
    .command('add-token')
    .description('add a token credential; the token is printed once')
    .argument('<device-id>', 'device id')
    .option('--name <name>', 'what the token is for')
    .option('--expires-at <iso>', 'expiry, an ISO 8601 date-time', isoDateTime)
    .action(async function addToken(
      id: string,
      options: { name?: string; expiresAt?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const created = await ctx.client.request<CreatedCredential>('POST', `${path(id)}/credentials`, {
        json: {
          kind: 'token',
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
        },
      });
      ctx.show(created, createdCredentialText);
    });

  credentials
    .command('add-cert')
    .description('add an X.509 client certificate credential, by PEM file or SHA-256 fingerprint')
    .argument('<device-id>', 'device id')
    .option('--cert <pem-file>', 'the PEM certificate; its SHA-256 fingerprint is stored')
    .option('--fingerprint <hex>', 'SHA-256 fingerprint of the DER certificate (hex, colons allowed)')
    .option('--name <name>', 'what the certificate is for')
    .option('--expires-at <iso>', 'expiry, an ISO 8601 date-time', isoDateTime)
    .action(async function addCert(
      id: string,
      options: { cert?: string; fingerprint?: string; name?: string; expiresAt?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      if ((options.cert === undefined) === (options.fingerprint === undefined)) {
        throw new UsageError('give exactly one of --cert PEMFILE or --fingerprint HEX');
      }
      let certificate: string | undefined;
      if (options.cert !== undefined) {
        try {
          certificate = readFileSync(options.cert, 'utf8');
        } catch (error) {
          throw new UsageError(`cannot read ${options.cert}: ${(error as Error).message}`);
        }
      }
      const created = await ctx.client.request<CreatedCredential>('POST', `${path(id)}/credentials`, {
        json: {
          kind: 'x509',
          ...(certificate !== undefined ? { certificate } : { fingerprint: options.fingerprint }),
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
        },
      });
      ctx.show(created, createdCredentialText);
    });

  credentials
    .command('remove')
    .description('remove a credential; the device can no longer use it')
    .argument('<device-id>', 'device id')
    .argument('<credential-id>', 'credential id (cred_…)')
    .action(async function removeCredential(
      id: string,
      credentialId: string,
      _options: unknown,
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      await ctx.client.request<undefined>(
        'DELETE',
        `${path(id)}/credentials/${encodeURIComponent(credentialId)}`,
      );
      ctx.io.stdout.write(
        ctx.json
          ? formatJson({ id: credentialId, deviceId: id, removed: true })
          : `removed credential ${credentialId}\n`,
      );
    });
}
