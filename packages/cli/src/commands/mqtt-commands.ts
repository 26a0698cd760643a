import type { Command } from 'commander';
import { CommandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { type Column, formatDetails, formatTable, formatTime } from '../output.js';

/** A connected MQTT client as `GET /v1/mqtt/clients` presents it. */
interface MqttClientView {
  readonly clientId: string;
  readonly principal: { readonly kind: string; readonly id: string; readonly deviceId: string | null };
  readonly protocolVersion: number;
  readonly listener: string;
  readonly remoteAddress: string | null;
  readonly connectedAt: string;
  readonly keepAlive: number;
  readonly subscriptions: readonly string[];
  readonly inflight: number;
  readonly queued: number;
  readonly paused: boolean;
}

const PROTOCOLS: Readonly<Record<number, string>> = { 3: '3.1', 4: '3.1.1', 5: '5.0' };

const protocolOf = (c: MqttClientView) => PROTOCOLS[c.protocolVersion] ?? String(c.protocolVersion);
const whoOf = (c: MqttClientView) => `${c.principal.kind} ${c.principal.id}`;

const clientColumns: readonly Column<MqttClientView>[] = [
  { header: 'client id', value: (c) => c.clientId },
  { header: 'who', value: whoOf },
  { header: 'mqtt', value: protocolOf },
  { header: 'listener', value: (c) => c.listener },
  { header: 'address', value: (c) => c.remoteAddress ?? '' },
  { header: 'connected', value: (c) => formatTime(c.connectedAt) },
  { header: 'subs', value: (c) => String(c.subscriptions.length) },
  { header: 'in flight', value: (c) => String(c.inflight) },
  { header: 'queued', value: (c) => String(c.queued) },
];

function clientDetails(c: MqttClientView): string {
  return formatDetails([
    ['client id', c.clientId],
    ['who', whoOf(c)],
    ['device', c.principal.deviceId ?? ''],
    ['mqtt', protocolOf(c)],
    ['listener', c.listener],
    ['address', c.remoteAddress ?? ''],
    ['connected', formatTime(c.connectedAt)],
    ['keep-alive', c.keepAlive === 0 ? 'none' : `${c.keepAlive} s`],
    ['in flight', String(c.inflight)],
    ['queued', String(c.queued)],
    ['paused', c.paused ? 'yes (back-pressure)' : 'no'],
    ['subscriptions', c.subscriptions.join(', ')],
  ]);
}

interface MqttExportView {
  readonly enabled: boolean;
  readonly root: string;
  readonly startAfter: string | null;
  readonly updatedAt: string | null;
}

const exportText = (setting: MqttExportView) =>
  setting.enabled
    ? `the MQTT export is on: changes after cursor ${setting.startAfter} are published on ${setting.root}/… (docs/INTEGRATIONS.md)`
    : 'the MQTT export is off';

const clientPath = (id: string) => `/v1/mqtt/clients/${encodeURIComponent(id)}`;

/** `mqtt clients list|show|disconnect`: the tenant's live MQTT connections. */
export function registerMqttCommands(program: Command, io: CliIo): void {
  const mqtt = program.command('mqtt').description('the MQTT broker: connected clients, the export');
  const exporting = mqtt
    .command('export')
    .description("the MQTT export of the tenant's changes on $fleetport/…: show, on, off");
  exporting
    .command('show')
    .description('whether the export is on, and from which cursor')
    .action(async function showMqttExport(_options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      ctx.show(await ctx.client.call((api) => api.GET('/v1/mqtt/export')), exportText);
    });
  for (const [name, enabled] of [
    ['on', true],
    ['off', false],
  ] as const) {
    exporting
      .command(name)
      .description(
        enabled
          ? 'publish the changes committed from now on (admin key)'
          : 'stop publishing; turning it on again starts from then (admin key)',
      )
      .action(async function setMqttExport(_options: unknown, command: Command) {
        const ctx = new CommandContext(io, command);
        ctx.show(
          await ctx.client.call((api) => api.PUT('/v1/mqtt/export', { body: { enabled } })),
          exportText,
        );
      });
  }
  const clients = mqtt
    .command('clients')
    .description("the tenant's connected MQTT clients: list, show, disconnect");
  clients
    .command('list')
    .description("list the tenant's connected MQTT clients")
    .action(async function listMqttClients(_options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const page = await ctx.client.request<{ items: MqttClientView[] }>('GET', '/v1/mqtt/clients');
      if (!ctx.json && page.items.length === 0) ctx.note('no MQTT clients are connected');
      ctx.show(page, (p) => formatTable(clientColumns, p.items));
    });
  clients
    .command('show')
    .description('show one connected client: who, protocol, subscriptions, in-flight and queued messages')
    .argument('<client-id>', 'the MQTT client id')
    .action(async function showMqttClient(clientId: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      ctx.show(await ctx.client.request<MqttClientView>('GET', clientPath(clientId)), clientDetails);
    });
  clients
    .command('disconnect')
    .description('disconnect a client (MQTT 5: reason 0x98); a persistent session keeps its messages')
    .argument('<client-id>', 'the MQTT client id')
    .action(async function disconnectMqttClient(clientId: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      await ctx.client.request<undefined>('DELETE', clientPath(clientId));
      ctx.show({ clientId, disconnected: true }, () => `disconnected ${clientId}`);
    });
}
