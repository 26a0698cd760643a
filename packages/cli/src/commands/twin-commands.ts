import { type Command, InvalidArgumentError } from 'commander';
import { FleetportClient } from '../client.js';
import { CommandContext, type GlobalOptions } from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { versionTag } from '../options.js';
import { type Column, formatDetails, formatJson, formatTable, formatTime } from '../output.js';
import { resolveServerUrl } from '../profiles.js';

/** One parameter's delivery, as the twin shows it. */
interface ParameterView {
  readonly status: string;
  readonly value: unknown;
  readonly version: number;
  readonly attempts: number;
  readonly pendingAt: string;
  readonly sentAt: string | null;
  readonly appliedAt: string | null;
  readonly failedAt: string | null;
  readonly error: string | null;
  /** Why it failed, as a stable code (`encoding_failed`, `downlink_too_long`…). */
  readonly errorCode?: string | null;
}

/** A twin as `GET /v1/devices/{id}/twin` presents it. */
interface TwinView {
  readonly deviceId: string;
  readonly desired: Record<string, unknown>;
  readonly desiredVersion: number;
  readonly reported: Record<string, unknown>;
  readonly reportedVersion: number;
  readonly delta: Record<string, unknown>;
  readonly parameters: Record<string, ParameterView>;
}

/** Commander parser for a JSON object (a merge patch). */
function patchObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(`expected a JSON object, got '${value.slice(0, 40)}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError('expected a JSON object, like {"interval":600}');
  return parsed as Record<string, unknown>;
}

const compact = (value: unknown) => JSON.stringify(value);

const parameterColumns: readonly Column<[string, ParameterView]>[] = [
  { header: 'parameter', value: ([name]) => name },
  { header: 'status', value: ([, p]) => p.status },
  { header: 'value', value: ([, p]) => compact(p.value) },
  { header: 'attempts', value: ([, p]) => String(p.attempts) },
  {
    header: 'since',
    value: ([, p]) => formatTime(p.appliedAt ?? p.failedAt ?? p.sentAt ?? p.pendingAt),
  },
  {
    header: 'error',
    value: ([, p]) => (p.errorCode ? `${p.errorCode}: ${p.error ?? ''}` : (p.error ?? '')),
  },
];

function twinText(twin: TwinView): string {
  const details = formatDetails([
    ['device', twin.deviceId],
    ['desired', `${compact(twin.desired)} (version ${twin.desiredVersion})`],
    ['reported', `${compact(twin.reported)} (version ${twin.reportedVersion})`],
    ['delta', compact(twin.delta)],
  ]);
  const parameters = Object.entries(twin.parameters);
  return parameters.length === 0 ? details : `${details}\n\n${formatTable(parameterColumns, parameters)}`;
}

/** `twin get|set|report`: a device's twin from the operator's side, and reports as the device. */
export function registerTwinCommands(program: Command, io: CliIo): void {
  const twin = program
    .command('twin')
    .description('device twins: read, change desired, report as the device (docs/TWINS.md)');

  twin
    .command('get')
    .description("show a device's desired, reported, delta and each parameter's status")
    .argument('<device-id>', 'the device')
    .action(async function getTwin(deviceId: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const view = await ctx.client.request<TwinView>(
        'GET',
        `/v1/devices/${encodeURIComponent(deviceId)}/twin`,
      );
      ctx.show(view, twinText);
    });

  twin
    .command('set')
    .description('change desired with a JSON merge patch (null removes a property)')
    .argument('<device-id>', 'the device')
    .argument('<patch>', 'a JSON object, like \'{"interval":600,"alarm":null}\'', patchObject)
    .option('--if-match <version>', 'only if desired is still at this version (else exit 5)', versionTag)
    .action(async function setDesired(
      deviceId: string,
      patch: Record<string, unknown>,
      options: { ifMatch?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const view = await ctx.client.request<TwinView>(
        'PATCH',
        `/v1/devices/${encodeURIComponent(deviceId)}/twin/desired`,
        { json: patch, ...(options.ifMatch ? { headers: { 'if-match': options.ifMatch } } : {}) },
      );
      ctx.show(view, twinText);
    });

  twin
    .command('report')
    .description('report properties as the device, with its token (a JSON merge patch of reported)')
    .argument('<patch>', 'a JSON object, like \'{"interval":600}\'', patchObject)
    .option('--token <token>', 'the device token, fpd_… (env FLEETPORT_DEVICE_TOKEN)')
    .action(async function reportAsDevice(
      patch: Record<string, unknown>,
      options: { token?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const token = options.token ?? (io.env.FLEETPORT_DEVICE_TOKEN || undefined);
      if (!token)
        throw new UsageError(
          'no device token: pass --token or set FLEETPORT_DEVICE_TOKEN (`devices credentials add-token` makes one)',
          'missing_device_token',
        );
      // The device's own token, never the API key: only the device reports its state.
      const client = new FleetportClient({
        url: resolveServerUrl(command.optsWithGlobals<GlobalOptions>(), io.env),
        apiKey: token,
      });
      const view = await client.request<TwinView>('PATCH', '/v1/device/twin/reported', { json: patch });
      ctx.show(view, (v) => (ctx.json ? formatJson(v) : twinText(v)));
    });
}
