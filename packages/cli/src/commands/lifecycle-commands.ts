import type { Command } from 'commander';
import type { Contract, DeviceLifecycle, DeviceType, Page, Subscription, Transition } from '../api-types.js';
import { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { integerIn, isoDateTime } from '../options.js';
import { type Column, formatDetails, formatTable, formatTime } from '../output.js';

const path = (...parts: string[]) => parts.map(encodeURIComponent).join('/');

function lifecycleDetails(l: DeviceLifecycle): string {
  return formatDetails([
    ['device', l.deviceId],
    ['type', l.typeId],
    ['state', l.state],
    ['since', formatTime(l.since)],
    ['activated', formatTime(l.activatedAt)],
    ['may go to', l.allowed.join(', ') || '-'],
    ['contract', l.contractId ?? '-'],
    [
      'subscription',
      l.subscription ? `${l.subscription.plan} until ${formatTime(l.subscription.endsAt)}` : '-',
    ],
  ]);
}

const transitionColumns: readonly Column<Transition>[] = [
  { header: 'at', value: (t) => formatTime(t.at) },
  { header: 'from', value: (t) => t.from },
  { header: 'to', value: (t) => t.to },
  { header: 'by', value: (t) => `${t.actor.kind === 'platform' ? 'platform:' : ''}${t.actor.id}` },
  { header: 'reason', value: (t) => t.reason || '-' },
];

const contractColumns: readonly Column<Contract>[] = [
  { header: 'id', value: (c) => c.id },
  { header: 'name', value: (c) => c.name || '-' },
  { header: 'provider', value: (c) => c.provider },
  { header: 'tokens', value: (c) => String(c.tokens) },
  { header: 'used', value: (c) => String(c.used) },
  { header: 'free', value: (c) => String(c.free) },
  { header: 'ends', value: (c) => formatTime(c.endsAt) },
];

function contractDetails(c: Contract): string {
  return formatDetails([
    ['id', c.id],
    ['name', c.name || '-'],
    ['provider', c.provider],
    ['tokens', `${c.tokens} (${c.used} used, ${c.free} free; low at ${c.lowTokens})`],
    ['starts', formatTime(c.startsAt)],
    ['ends', formatTime(c.endsAt)],
    [
      'warning',
      `${c.warnDays} days before the end${c.endingWarnedAt ? `, raised ${formatTime(c.endingWarnedAt)}` : ''}`,
    ],
    ['ended', formatTime(c.endedAt)],
    ['version', String(c.version)],
  ]);
}

function subscriptionDetails(s: Subscription): string {
  return formatDetails([
    ['device', s.deviceId],
    ['plan', s.plan],
    ['starts', formatTime(s.startsAt)],
    ['ends', formatTime(s.endsAt)],
    [
      'warning',
      `${s.warnDays} days before the end${s.endingWarnedAt ? `, raised ${formatTime(s.endingWarnedAt)}` : ''}`,
    ],
    ['ended', formatTime(s.endedAt)],
  ]);
}

/** `devices lifecycle get|set|history`, `devices move`, `devices subscription get|set|delete`. */
export function registerDeviceLifecycleCommands(devices: Command, io: CliIo): void {
  const lifecycle = devices
    .command('lifecycle')
    .description("a device's lifecycle state: get, set, history (docs/LIFECYCLE.md)");

  lifecycle
    .command('get')
    .description('show the state, since when, the states it may go to, its contract and subscription')
    .argument('<device>', 'device id')
    .action(async function getLifecycle(device: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      ctx.show(
        await ctx.client.request<DeviceLifecycle>('GET', `/v1/devices/${path(device)}/lifecycle`),
        lifecycleDetails,
      );
    });

  lifecycle
    .command('set')
    .description('move a device to another state; a move the graph lacks exits 5 naming the allowed ones')
    .argument('<device>', 'device id')
    .argument(
      '<state>',
      'manufactured, tested, activated, suspended, quarantined, out_of_contract, out_of_subscription, retired',
    )
    .option('--reason <text>', 'why, kept in the audit trail')
    .action(async function setLifecycle(
      device: string,
      state: string,
      options: { reason?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const answer = await ctx.client.request<DeviceLifecycle>(
        'POST',
        `/v1/devices/${path(device)}/lifecycle`,
        {
          json: { state, ...(options.reason !== undefined ? { reason: options.reason } : {}) },
        },
      );
      ctx.show(answer, lifecycleDetails);
    });

  lifecycle
    .command('history')
    .description("a device's transitions, newest first: who or what, why, when")
    .argument('<device>', 'device id')
    .option('--limit <n>', 'transitions to show (1-500)', integerIn(1, 500))
    .action(async function lifecycleHistory(device: string, options: { limit?: number }, command: Command) {
      const ctx = new CommandContext(io, command);
      const page = await ctx.client.request<Page<Transition>>(
        'GET',
        `/v1/devices/${path(device)}/lifecycle/history`,
        { query: { limit: options.limit } },
      );
      ctx.show(page, (p) => (p.items.length === 0 ? '' : formatTable(transitionColumns, p.items)));
      if (!ctx.json && page.items.length === 0) ctx.note('no transitions');
    });

  devices
    .command('move')
    .description('move devices to another device type in one transaction, all or none (up to 1000)')
    .requiredOption('--type <id>', 'the device type to move them to')
    .argument('<devices...>', 'device ids')
    .action(async function moveDevices(ids: string[], options: { type: string }, command: Command) {
      const ctx = new CommandContext(io, command);
      const moved = await ctx.client.request<{ typeId: string; moved: string[]; unchanged: string[] }>(
        'POST',
        '/v1/devices/move-type',
        { json: { deviceIds: [...new Set(ids)], typeId: options.type } },
      );
      ctx.show(
        moved,
        (m) =>
          `moved ${m.moved.length} device(s) to ${m.typeId}${m.unchanged.length ? `; ${m.unchanged.length} were of it already` : ''}`,
      );
    });

  const subscription = devices
    .command('subscription')
    .description("a device's service subscription: get, set, delete");
  subscription
    .command('get')
    .argument('<device>', 'device id')
    .action(async function getSubscription(device: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      ctx.show(
        await ctx.client.request<Subscription>('GET', `/v1/devices/${path(device)}/subscription`),
        subscriptionDetails,
      );
    });
  subscription
    .command('set')
    .description('set (or replace) the subscription; the device goes out_of_subscription at its end')
    .argument('<device>', 'device id')
    .requiredOption('--plan <name>', 'the plan')
    .requiredOption('--starts <date-time>', 'ISO 8601', isoDateTime)
    .requiredOption('--ends <date-time>', 'ISO 8601, after --starts', isoDateTime)
    .option('--warn-days <n>', 'days before the end to warn (default 30; 0: none)', integerIn(0, 365))
    .action(async function setSubscription(
      device: string,
      options: { plan: string; starts: string; ends: string; warnDays?: number },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const answer = await ctx.client.request<Subscription>(
        'PUT',
        `/v1/devices/${path(device)}/subscription`,
        {
          json: {
            plan: options.plan,
            startsAt: options.starts,
            endsAt: options.ends,
            ...(options.warnDays !== undefined ? { warnDays: options.warnDays } : {}),
          },
        },
      );
      ctx.show(answer, subscriptionDetails);
    });
  subscription
    .command('delete')
    .argument('<device>', 'device id')
    .action(async function deleteSubscription(device: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      await ctx.client.request<undefined>('DELETE', `/v1/devices/${path(device)}/subscription`);
      ctx.show({ deviceId: device, deleted: true }, () => `deleted the subscription of ${device}`);
    });
}

/** `device-types clone`, `device-types stage`. */
export function registerDeviceTypeLifecycleCommands(types: Command, io: CliIo): void {
  types
    .command('clone')
    .description(
      'copy a device type with its codec, settings and stage; prints its new callback secrets once',
    )
    .argument('<source>', 'the device type to copy')
    .requiredOption('--id <id>', 'the new device type id')
    .option('--name <name>', "display name (default: the source's)")
    .option('--stage <stage>', "test, production or none (default: the source's)")
    .action(async function cloneType(
      source: string,
      options: { id: string; name?: string; stage?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const cloned = await ctx.client.request<{
        deviceType: DeviceType;
        stage: string;
        callbackSecrets: { id: string; name: string; secret: string }[];
      }>('POST', `/v1/device-types/${path(source)}/clone`, {
        json: {
          id: options.id,
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(options.stage !== undefined ? { stage: options.stage } : {}),
        },
      });
      ctx.show(cloned, (c) =>
        [
          `cloned ${source} as ${c.deviceType.id} (stage ${c.stage})`,
          ...c.callbackSecrets.map((s) => `callback secret ${s.name || s.id}: ${s.secret} (shown once)`),
        ].join('\n'),
      );
    });

  types
    .command('stage')
    .description("show a device type's lifecycle stage, or set it: test, production, none")
    .argument('<type>', 'device type id')
    .argument('[stage]', 'the stage to set')
    .action(async function typeStage(
      type: string,
      stage: string | undefined,
      _options: unknown,
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const url = `/v1/device-types/${path(type)}/lifecycle`;
      const answer = await ctx.client.request<{ typeId: string; stage: string }>(
        stage === undefined ? 'GET' : 'PUT',
        url,
        stage === undefined ? {} : { json: { stage } },
      );
      ctx.show(answer, (a) => `${a.typeId}\t${a.stage}`);
    });
}

interface ContractOptions {
  name?: string;
  provider?: string;
  tokens?: number;
  lowTokens?: number;
  starts?: string;
  ends?: string;
  warnDays?: number;
}

function contractFields(options: ContractOptions): Record<string, unknown> {
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.provider !== undefined ? { provider: options.provider } : {}),
    ...(options.tokens !== undefined ? { tokens: options.tokens } : {}),
    ...(options.lowTokens !== undefined ? { lowTokens: options.lowTokens } : {}),
    ...(options.starts !== undefined ? { startsAt: options.starts } : {}),
    ...(options.ends !== undefined ? { endsAt: options.ends } : {}),
    ...(options.warnDays !== undefined ? { warnDays: options.warnDays } : {}),
  };
}

/** `contracts list|get|create|update|delete|assign|unassign|devices`. */
export function registerContractCommands(program: Command, io: CliIo): void {
  const contracts = program
    .command('contracts')
    .description('network contracts and their tokens (docs/LIFECYCLE.md)');

  contracts
    .command('list')
    .option('--limit <n>', 'page size (1-1000)', integerIn(1, 1000))
    .action(async function listContracts(options: { limit?: number }, command: Command) {
      const ctx = new CommandContext(io, command);
      const page = await ctx.client.request<Page<Contract>>('GET', '/v1/contracts', {
        query: { limit: options.limit },
      });
      ctx.show(page, (p) => (p.items.length === 0 ? '' : formatTable(contractColumns, p.items)));
      if (!ctx.json && page.items.length === 0) ctx.note('no contracts');
    });

  contracts
    .command('get')
    .argument('<id>', 'contract id')
    .action(async function getContract(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      ctx.show(await ctx.client.request<Contract>('GET', `/v1/contracts/${path(id)}`), contractDetails);
    });

  contracts
    .command('create')
    .description('create a contract; its devices go out_of_contract at its end')
    .requiredOption('--provider <name>', 'the network operator, e.g. sigfox')
    .requiredOption('--tokens <n>', 'tokens bought', integerIn(1, 100_000_000))
    .requiredOption('--starts <date-time>', 'ISO 8601', isoDateTime)
    .requiredOption('--ends <date-time>', 'ISO 8601, after --starts', isoDateTime)
    .option('--name <name>', 'display name')
    .option(
      '--low-tokens <n>',
      'warn when free tokens fall to this (default a tenth)',
      integerIn(0, 100_000_000),
    )
    .option('--warn-days <n>', 'days before the end to warn (default 30; 0: none)', integerIn(0, 365))
    .action(async function createContract(options: ContractOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const contract = await ctx.client.request<Contract>('POST', '/v1/contracts', {
        json: contractFields(options),
      });
      ctx.show(contract, (c) => `created contract ${c.id}\n${contractDetails(c)}`);
    });

  contracts
    .command('update')
    .description('change a contract; only the fields given change')
    .argument('<id>', 'contract id')
    .option('--name <name>', 'display name')
    .option('--tokens <n>', 'tokens (not fewer than devices assigned)', integerIn(1, 100_000_000))
    .option('--low-tokens <n>', 'the low-tokens threshold', integerIn(0, 100_000_000))
    .option('--starts <date-time>', 'ISO 8601', isoDateTime)
    .option('--ends <date-time>', 'ISO 8601', isoDateTime)
    .option('--warn-days <n>', 'days before the end to warn', integerIn(0, 365))
    .action(async function updateContract(id: string, options: ContractOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const fields = contractFields(options);
      if (Object.keys(fields).length === 0)
        throw new UsageError(
          'nothing to change: give --name, --tokens, --low-tokens, --starts, --ends or --warn-days',
        );
      const contract = await ctx.client.request<Contract>('PATCH', `/v1/contracts/${path(id)}`, {
        json: fields,
      });
      ctx.show(contract, (c) => `updated contract ${c.id}\n${contractDetails(c)}`);
    });

  contracts
    .command('delete')
    .description('delete a contract that has no devices')
    .argument('<id>', 'contract id')
    .action(async function deleteContract(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      await ctx.client.request<undefined>('DELETE', `/v1/contracts/${path(id)}`);
      ctx.show({ id, deleted: true }, () => `deleted contract ${id}`);
    });

  contracts
    .command('assign')
    .description('assign devices to a contract, one token each, all or none (exit 5 when tokens run out)')
    .argument('<id>', 'contract id')
    .argument('<devices...>', 'device ids')
    .action(async function assignContract(id: string, ids: string[], _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const contract = await ctx.client.request<Contract>('POST', `/v1/contracts/${path(id)}/devices`, {
        json: { deviceIds: [...new Set(ids)] },
      });
      ctx.show(contract, (c) => `contract ${c.id}: ${c.used} of ${c.tokens} tokens used, ${c.free} free`);
    });

  contracts
    .command('unassign')
    .description('take a device off a contract, freeing its token')
    .argument('<id>', 'contract id')
    .argument('<device>', 'device id')
    .action(async function unassignContract(id: string, device: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const contract = await ctx.client.request<Contract>(
        'DELETE',
        `/v1/contracts/${path(id)}/devices/${path(device)}`,
      );
      ctx.show(contract, (c) => `contract ${c.id}: ${c.used} of ${c.tokens} tokens used, ${c.free} free`);
    });

  contracts
    .command('devices')
    .description("a contract's devices")
    .argument('<id>', 'contract id')
    .option('--limit <n>', 'page size (1-1000)', integerIn(1, 1000))
    .action(async function contractDevices(id: string, options: { limit?: number }, command: Command) {
      const ctx = new CommandContext(io, command);
      const page = await ctx.client.request<Page<{ deviceId: string; assignedAt: string }>>(
        'GET',
        `/v1/contracts/${path(id)}/devices`,
        { query: { limit: options.limit } },
      );
      ctx.show(page, (p) =>
        p.items.length === 0
          ? ''
          : formatTable(
              [
                { header: 'device', value: (d: { deviceId: string }) => d.deviceId },
                { header: 'assigned', value: (d: { assignedAt: string }) => formatTime(d.assignedAt) },
              ],
              p.items,
            ),
      );
      if (!ctx.json && page.items.length === 0) ctx.note('no devices');
    });
}
