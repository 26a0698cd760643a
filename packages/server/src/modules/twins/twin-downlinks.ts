import type { Registry } from 'prom-client';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import { guarded, type Store } from '../../store/store.js';
import { type FeedBatch, type FeedConsumer, followChanges } from '../changes/index.js';
import type { CommandRow, CommandService, DownlinkEncoder } from '../commands/index.js';
import type { DownlinkSettings, TwinDelivery } from './twin-schemas.js';
import { type ParameterTarget, parseDelivery, type TwinService } from './twin-service.js';
import {
  currentParameters,
  findLiveDevice,
  type ParameterRow,
  readDeliveries,
  readParameters,
  readTwin,
} from './twin-store.js';

export interface TwinDownlinksDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly durable?: { readonly position: number };
  readonly metrics?: Registry;
  readonly twins: TwinService;
  readonly commands: CommandService;
  /** The codecs' `encodeDownlink` for a device (the one commands use). */
  readonly encode: DownlinkEncoder;
}

/** The feed consumer that turns desired values into downlinks for types without a session. */
export const DOWNLINKS_CONSUMER = 'twins.downlinks';

/**
 * Idempotency keys of the downlinks this module queues start with it: `twin:{version}:{pendingAt}:{name}`,
 * one per pending period of a parameter, so that a batch handled again finds its downlink.
 */
const KEY_PREFIX = 'twin:';
/** The command name of those downlinks. */
const COMMAND_NAME = 'twin';
const SIGFOX_BYTES = 8;
const SETTINGS_TTL_MS = 2_000;
/** A device's parameters are at most 100 (the twin's limit): each round closes or queues one. */
const MAX_ROUNDS = 128;

type Downlinked = Exclude<TwinDelivery, 'mqtt'>;
interface TypeDelivery {
  readonly delivery: Downlinked;
  readonly downlink: DownlinkSettings;
}

interface Failure {
  readonly code: string;
  readonly message: string;
}

const keyOf = (row: ParameterRow) => `${KEY_PREFIX}${row.version}:${row.pending_at}:${row.name}`;
const isOpen = (row: ParameterRow) => row.status === 'pending' || row.status === 'sent';
const targetOf = (row: ParameterRow): ParameterTarget => ({
  name: row.name,
  version: Number(row.version),
  pendingAt: Number(row.pending_at),
});

/** What a command's own data says of it, in a change (`presentCommand`). */
interface CommandChange {
  readonly deviceId?: string;
  readonly idempotencyKey?: string | null;
}

/**
 * Desired state for devices that cannot hold a connection (docs/TWINS.md). For a device
 * type whose `delivery` is `sigfox` or `http`, it follows `twin.desired.changed`,
 * `twin.reported.changed`, `twin.parameter.changed` and the status changes of its own
 * downlinks (durably, `twins.downlinks`) and brings each touched device one step on:
 *
 *   1. a downlink no open parameter wants any more (superseded, applied by an uplink,
 *      failed) is cancelled while it is still cancellable;
 *   2. each parameter follows its downlink: sent when the transport hands it out, applied
 *      when the device acknowledges it, failed when it fails, expires or is cancelled;
 *   3. when no downlink of the device is in flight, the next pending parameter (or its
 *      group) is encoded by the type's codec (`encodeDownlink`) and queued as a command
 *      linked to it: one at a time. An encoder error fails the parameter with its message.
 *
 * Every step writes through the twin service and the command service, each write with
 * its changes in one transaction. The cursor moves after the batch (at least once): each
 * step reads the state first and changes only what is not done yet, and a downlink's
 * idempotency key finds the one queued by a batch that is handled again.
 */
export class TwinDownlinks {
  readonly #deps: TwinDownlinksDeps;
  readonly #settings = new Map<string, { at: number; byType: Map<string, TypeDelivery> }>();
  #consumer: FeedConsumer | undefined;

  constructor(deps: TwinDownlinksDeps) {
    this.#deps = deps;
    deps.bus.subscribe('twin.reported_fields_changed', ({ tenantId }) => this.#settings.delete(tenantId));
  }

  /** Starts following; a first start begins after the changes already in the feed. */
  start(): void {
    if (this.#consumer) return;
    this.#consumer = followChanges(
      this.#deps,
      DOWNLINKS_CONSUMER,
      {
        kinds: [
          'twin.desired.changed',
          'twin.reported.changed',
          'twin.parameter.changed',
          'command.status_changed',
        ],
        tenants: async (tenantId) => (await this.#deliveriesOf(tenantId)).size > 0,
      },
      { effects: 'at_least_once', handle: (batch) => this.#handle(batch) },
      { start: 'latest', gatherMs: 5 },
    );
  }

  /** Resolves once every change committed before the call is handled (by this process or the lease holder). */
  async idle(): Promise<void> {
    await this.#consumer?.caughtUp();
  }

  async close(): Promise<void> {
    await this.#consumer?.close();
  }

  async #handle(batch: FeedBatch): Promise<void> {
    const devices = new Set<string>();
    for (const change of batch.changes) {
      if (change.kind !== 'command.status_changed') {
        devices.add(change.entityId);
        continue;
      }
      const command = change.data as CommandChange | undefined;
      if (command?.deviceId !== undefined && command.idempotencyKey?.startsWith(KEY_PREFIX))
        devices.add(command.deviceId);
    }
    if (devices.size === 0) return;
    const byType = await this.#deliveriesOf(batch.tenantId);
    for (const deviceId of devices) await this.#advance(batch.tenantId, deviceId, byType);
  }

  /** Brings one device's downlinks a step on; see the class comment. */
  async #advance(
    tenantId: string,
    deviceId: string,
    byType: ReadonlyMap<string, TypeDelivery>,
  ): Promise<void> {
    const { store } = this.#deps;
    const device = await guarded(store, () => findLiveDevice(store, tenantId, deviceId));
    const settings = device === undefined ? undefined : byType.get(device.typeId);
    if (settings === undefined) return;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const state = await guarded(store, async () => {
        const twin = await readTwin(store, tenantId, deviceId);
        return twin === undefined
          ? undefined
          : {
              desired: JSON.parse(twin.desired) as Record<string, unknown>,
              rows: await readParameters(store, tenantId, deviceId),
            };
      });
      if (state === undefined) return;
      const current = currentParameters(state.rows);
      const live = [...current.values()].filter((row) => Object.hasOwn(state.desired, row.name));
      await this.#cancelUnwanted(tenantId, deviceId, state.rows, live);
      if (await this.#follow(tenantId, deviceId, live)) return;
      const next = live
        .filter((row) => row.status === 'pending' && row.command_id === null)
        .sort((a, b) => Number(a.version) - Number(b.version) || (a.name < b.name ? -1 : 1))[0];
      if (next === undefined) return;
      if (await this.#queue(tenantId, deviceId, settings, next, state.desired, current)) return;
    }
    this.#deps.logger.warn({ tenantId, deviceId }, 'twins: downlink delivery did not settle');
  }

  /**
   * Step 1: cancels the device's queued or sent downlinks that no open parameter wants:
   * one linked to a value that is closed or replaced; one linked to none, unless it is
   * the downlink of a pending parameter (queued by a batch that ended before linking it).
   */
  async #cancelUnwanted(
    tenantId: string,
    deviceId: string,
    rows: readonly ParameterRow[],
    live: readonly ParameterRow[],
  ): Promise<void> {
    const { commands, twins } = this.#deps;
    const queued = await commands.byKeyPrefix(tenantId, deviceId, KEY_PREFIX, ['queued', 'sent']);
    if (queued.length === 0) return;
    const liveRows = new Set(live);
    const waiting = new Set(
      live.filter((row) => row.status === 'pending' && row.command_id === null).map(keyOf),
    );
    for (const command of queued) {
      const linked = rows.filter((row) => row.command_id === command.id);
      const wanted =
        linked.length === 0
          ? waiting.has(command.idempotency_key ?? '')
          : linked.every((row) => liveRows.has(row) && isOpen(row));
      if (wanted) continue;
      // Its other parameters go back to waiting for a downlink of their own.
      await twins.unlinkDownlink(tenantId, deviceId, command.id);
      await commands.cancel(tenantId, deviceId, command.id).catch((error: unknown) => {
        // Handed out meanwhile: nothing can call it back; what it carries is recorded.
        if (!(error instanceof AppError && error.code === 'command_not_cancellable')) throw error;
      });
    }
  }

  /**
   * Step 2: each open parameter follows its downlink's status. True when a downlink is
   * still in flight (queued, or sent and waiting for an acknowledgement or a retry).
   */
  async #follow(tenantId: string, deviceId: string, live: readonly ParameterRow[]): Promise<boolean> {
    const { commands, twins } = this.#deps;
    let busy = false;
    const byCommand = new Map<string, ParameterRow[]>();
    for (const row of live)
      if (row.command_id !== null && isOpen(row))
        byCommand.set(row.command_id, [...(byCommand.get(row.command_id) ?? []), row]);
    for (const [commandId, linked] of byCommand) {
      const command = await commands.find(tenantId, commandId);
      if (command === undefined) {
        await twins.markFailed(
          tenantId,
          deviceId,
          { commandId },
          {
            code: 'command_failed',
            message: `the downlink ${commandId} is gone`,
          },
        );
        continue;
      }
      switch (command.status) {
        case 'queued':
          busy = true;
          break;
        case 'sent':
        case 'unknown': {
          if (linked.some((row) => row.status === 'pending' || row.attempts < command.attempts))
            await twins.markDownlinkSent(tenantId, deviceId, commandId, command.attempts);
          // Sent and waiting for its acknowledgement, or unknown with a retry to come.
          if (command.status === 'sent' || command.attempts < command.max_attempts) busy = true;
          break;
        }
        case 'delivered':
        case 'acknowledged':
          await twins.markApplied(tenantId, deviceId, commandId);
          break;
        default:
          await twins.markFailed(tenantId, deviceId, { commandId }, await this.#failureOf(tenantId, command));
      }
    }
    return busy;
  }

  /**
   * Step 3: encodes the next parameter (with the rest of its group) and queues it, linked.
   * True when it is queued; false when it failed (or moved on meanwhile) and the next
   * round should look again.
   */
  async #queue(
    tenantId: string,
    deviceId: string,
    settings: TypeDelivery,
    next: ParameterRow,
    desired: Readonly<Record<string, unknown>>,
    current: ReadonlyMap<string, ParameterRow>,
  ): Promise<boolean> {
    const { commands, twins } = this.#deps;
    const group = settings.downlink.groups.find((names) => names.includes(next.name)) ?? [next.name];
    const members = group.filter((name) => Object.hasOwn(desired, name));
    const data = Object.fromEntries(members.map((name) => [name, desired[name]]));
    const targets = members
      .map((name) => current.get(name))
      .filter(
        (row): row is ParameterRow =>
          row !== undefined && row.status === 'pending' && row.command_id === null,
      )
      .map(targetOf);
    const encoded = await this.#encode(tenantId, deviceId, settings.delivery, data);
    if (!Buffer.isBuffer(encoded)) {
      for (const target of targets) await twins.markFailed(tenantId, deviceId, target, encoded);
      return false;
    }
    let command: CommandRow | undefined;
    try {
      const { command: made } = await commands.create(tenantId, deviceId, {
        transport: settings.delivery,
        base64: encoded.toString('base64'),
        name: COMMAND_NAME,
        twinParameter: members.join(','),
        idempotencyKey: keyOf(next),
        confirmed: true,
        retry: { attempts: settings.downlink.attempts, backoffSeconds: settings.downlink.backoffSeconds },
      });
      command = await commands.find(tenantId, made.id);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500 || error.code === 'not_found') throw error;
      for (const target of targets)
        await twins.markFailed(tenantId, deviceId, target, { code: error.code, message: error.message });
      return false;
    }
    if (command === undefined) return false;
    if (await twins.linkDownlink(tenantId, deviceId, targets, command.id)) return true;
    // The parameters moved on between the read and the link: this downlink is nobody's.
    await commands.cancel(tenantId, deviceId, command.id).catch(() => undefined);
    return false;
  }

  /** The codec's bytes for `data`, or why there are none (a stable code and the codec's words). */
  async #encode(
    tenantId: string,
    deviceId: string,
    delivery: Downlinked,
    data: Record<string, unknown>,
  ): Promise<Buffer | Failure> {
    const result = await this.#deps.encode(tenantId, deviceId, data);
    if (result === undefined)
      return {
        code: 'no_encoder',
        message:
          'the device type has no codec to encode desired values (encodeDownlink): set one with PUT /v1/device-types/{id}/codec',
      };
    if (result.errors.length > 0 || result.bytes === null) {
      const missing =
        result.errors.length > 0 &&
        result.errors.every((error) => error.startsWith('codec_missing_function'));
      return {
        code: missing ? 'no_encoder' : 'encoding_failed',
        message: result.errors.join('; ') || 'the codec returned no bytes',
      };
    }
    const bytes = Buffer.from(result.bytes);
    if (bytes.length === 0) return { code: 'encoding_failed', message: 'the codec returned no bytes' };
    if (delivery === 'sigfox' && bytes.length > SIGFOX_BYTES)
      return {
        code: 'downlink_too_long',
        message: `a Sigfox downlink carries ${SIGFOX_BYTES} bytes; the codec encoded ${Object.keys(data).join(', ')} in ${bytes.length}`,
      };
    return bytes;
  }

  /** Why a downlink ended without reaching the device: its code and what its history says. */
  async #failureOf(tenantId: string, command: CommandRow): Promise<Failure> {
    const { history } = await this.#deps.commands.get(tenantId, command.device_id, command.id);
    const detail = history?.at(-1)?.detail ?? {};
    const said = detail.error ?? (command.result === null ? detail.reason : JSON.parse(command.result));
    const why = said === undefined ? '' : `: ${typeof said === 'string' ? said : JSON.stringify(said)}`;
    switch (command.status) {
      case 'expired':
        return {
          code: 'command_expired',
          message: `the downlink ${command.id} expired before it was sent${why}`,
        };
      case 'cancelled':
        return { code: 'command_cancelled', message: `the downlink ${command.id} was cancelled${why}` };
      default:
        return { code: 'command_failed', message: `the downlink ${command.id} failed${why}` };
    }
  }

  /** The tenant's types whose desired values go as downlinks, read again every 2 s or when settings change. */
  async #deliveriesOf(tenantId: string): Promise<Map<string, TypeDelivery>> {
    const now = this.#deps.clock.now();
    const hit = this.#settings.get(tenantId);
    if (hit !== undefined && now - hit.at < SETTINGS_TTL_MS) return hit.byType;
    if (this.#settings.size > 10_000) this.#settings.clear();
    const rows = await guarded(this.#deps.store, () => readDeliveries(this.#deps.store, tenantId));
    const byType = new Map<string, TypeDelivery>();
    for (const [typeId, row] of rows) {
      const { delivery, downlink } = parseDelivery(row);
      if (delivery !== 'mqtt') byType.set(typeId, { delivery, downlink });
    }
    this.#settings.set(tenantId, { at: now, byType });
    return byType;
  }
}
