import { AppError, isAppError, notFound, refuseRetired } from '../../kernel/errors.js';
import { GroupCommitter } from '../../kernel/group-commit.js';
import { uuidv7 } from '../../kernel/ids.js';
import type { Logger } from '../../kernel/logger.js';
import { guarded, type Store, transact } from '../../store/store.js';
import {
  appendChanges,
  type ChangeDeps,
  type ChangeEntry,
  type RecordChange,
  writeWithChanges,
} from '../changes/index.js';
import type { JobRun, Scheduler } from '../scheduler/index.js';
import {
  type Command,
  type CommandBody,
  type CommandStatus,
  finalStatuses,
  type ListCommandsQuery,
  MAX_COMMAND_BYTES,
  SIGFOX_DOWNLINK_BYTES,
  type Transport,
} from './command-schemas.js';
import {
  type CommandEventRow,
  type CommandRow,
  type CommandTarget,
  commandEvents,
  commandsByKeyPrefix,
  deviceEvents,
  findByDeliveryRef,
  findByIdempotencyKey,
  findByIdempotencyKeys,
  findCommand,
  findLiveDevice,
  idempotencyEntry,
  insertCommand,
  insertCommands,
  insertEvent,
  insertEvents,
  latestHandedOut,
  listCommands,
  liveDevices,
  moveCommand,
  queuedCommands,
  updateCommand,
} from './command-store.js';

/**
 * Encodes a command's JSON with the codec of the device's type (`encodeDownlink`): the bytes,
 * or the codec's errors; undefined when the type has no codec.
 */
export type DownlinkEncoder = (
  tenantId: string,
  deviceId: string,
  data: unknown,
) => Promise<{ readonly bytes: Uint8Array | null; readonly errors: readonly string[] } | undefined>;

export interface CommandDeps extends ChangeDeps {
  readonly logger: Logger;
  readonly scheduler: Scheduler;
  /** The codecs module's encoder; without it JSON commands are sent as JSON text. */
  readonly encode?: DownlinkEncoder;
}

/** Which statuses each status may be reached from; anything else is refused. */
const reachableFrom: Readonly<Record<CommandStatus, ReadonlySet<CommandStatus>>> = {
  queued: new Set(['sent', 'unknown']), // a retry puts it back
  sent: new Set(['queued']),
  delivered: new Set(['sent', 'unknown']),
  // A device may answer a command cancelled after it was sent: what it did is recorded.
  acknowledged: new Set(['queued', 'sent', 'delivered', 'unknown', 'cancelled']),
  failed: new Set(['queued', 'sent', 'delivered', 'unknown', 'cancelled']),
  expired: new Set(['queued']),
  cancelled: new Set(['queued', 'sent']),
  unknown: new Set(['queued', 'sent']),
};

/** What a transport's report of delivery (or of a refusal) may move: a command handed out. */
const HANDED_OUT: readonly CommandStatus[] = ['sent', 'unknown'];

const RETRY_HANDLER = 'commands.retry';
const EXPIRE_HANDLER = 'commands.expire';
const DEFAULT_BACKOFF_MS = 30_000;
/** A JSON command's text is bounded like a raw payload. */
const MAX_DATA_BYTES = 16 * 1024;

const iso = (ms: number) => new Date(ms).toISOString();

/** A command as the API shows it. */
export function presentCommand(row: CommandRow, history?: readonly CommandEventRow[]): Command {
  return {
    id: row.id,
    deviceId: row.device_id,
    kind: row.kind as Command['kind'],
    name: row.name,
    transport: row.transport as Transport,
    status: row.status as CommandStatus,
    hex: row.payload === null ? null : Buffer.from(row.payload).toString('hex'),
    data: row.data === null ? null : (JSON.parse(row.data) as unknown),
    priority: row.priority,
    qos: row.qos,
    confirmed: row.confirmed === 1,
    retry: { attempts: row.max_attempts, backoffSeconds: row.backoff_ms / 1000 },
    attempts: row.attempts,
    expiresAt: row.expires_at === null ? null : iso(row.expires_at),
    idempotencyKey: row.idempotency_key,
    twinParameter: row.twin_parameter,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    ...(history === undefined
      ? {}
      : {
          history: history.map((event) => ({
            status: event.status as CommandStatus,
            at: iso(Number(event.at)),
            detail: JSON.parse(event.detail) as Record<string, unknown>,
          })),
        }),
  };
}

/** One command of `createMany`: the device it is for and what `create` takes. */
export interface CreateItem {
  readonly deviceId: string;
  readonly body: CommandBody;
}

/** One item's outcome in `createMany`: its command (`created` false for an idempotency key seen before), or its error. */
export type CreateOutcome =
  | { readonly command: Command; readonly created: boolean; readonly error?: undefined }
  | { readonly error: AppError; readonly command?: undefined; readonly created?: undefined };

type TransitionChanges = Partial<Pick<CommandRow, 'attempts' | 'delivery_ref' | 'result'>>;

/**
 * A transition waiting for its batch: of a command read before (`row`, compare-and-set on
 * its version: `CommandService.transition`), or of one found by id and moved when its
 * status is one of `from` (`target`: no read first).
 */
type PendingTransition = {
  readonly status: CommandStatus;
  readonly detail: Record<string, unknown>;
  readonly changes: TransitionChanges;
} & (
  | {
      readonly row: CommandRow;
      readonly within: ((tx: Store, moved: CommandRow, record: RecordChange) => Promise<void>) | undefined;
      readonly target?: undefined;
    }
  | {
      readonly target: CommandTarget;
      readonly from: readonly CommandStatus[];
      readonly row?: undefined;
      readonly within?: undefined;
    }
);

/** One answer of `acknowledgeMany`: the device, its command, and what it said. */
export interface AcknowledgeItem {
  readonly deviceId: string;
  readonly commandId: string;
  readonly failed: boolean;
  readonly result: unknown;
  readonly detail: Record<string, unknown>;
}

/** One answer's outcome in `acknowledgeMany`: the command as it is now, or why the answer was refused. */
export type AcknowledgeOutcome =
  | { readonly command: Command; readonly error?: undefined }
  | { readonly error: AppError; readonly command?: undefined };

/** Transitions written in one transaction at most. */
const MAX_TRANSITION_BATCH = 1000;

/** What a transport sends: the command and its bytes, computed when it is sent. */
export interface Outgoing {
  readonly row: CommandRow;
  readonly payload: Buffer;
}

/** The retry job of a command, by its key. */
const retryKey = (tenantId: string, commandId: string) => `${RETRY_HANDLER}:${tenantId}:${commandId}`;
const expireKey = (tenantId: string, commandId: string) => `${EXPIRE_HANDLER}:${tenantId}:${commandId}`;

/**
 * The per-device command queue and its status model (docs/COMMANDS.md). Every transition
 * is a compare-and-set on the command's version, recorded in `command_events` and the
 * change feed in one transaction; expiries and retries are scheduler jobs written in the
 * same transaction, so they survive a restart.
 */
export class CommandService {
  readonly #deps: CommandDeps;
  readonly #transitions: GroupCommitter<PendingTransition, CommandRow | undefined>;

  constructor(deps: CommandDeps) {
    this.#deps = deps;
    this.#transitions = new GroupCommitter({
      maxBatch: MAX_TRANSITION_BATCH,
      write: (batch) => this.#writeTransitions(batch),
    });
    deps.scheduler.register(RETRY_HANDLER, (run) => this.#retry(run));
    deps.scheduler.register(EXPIRE_HANDLER, (run) => this.#expire(run));
  }

  /**
   * Queues a command. The same idempotency key for the same device answers the existing
   * command (`created: false`). A payload too long for the transport, or JSON the codec
   * cannot encode, is refused and nothing is stored.
   */
  async create(
    tenantId: string,
    deviceId: string,
    body: CommandBody,
  ): Promise<{ command: Command; created: boolean }> {
    const device = await findLiveDevice(this.#deps.store, tenantId, deviceId);
    if (!device) throw notFound('device', deviceId);
    refuseRetired(deviceId, device.lifecycle);
    if (body.idempotencyKey !== undefined) {
      const existing = await findByIdempotencyKey(this.#deps.store, tenantId, deviceId, body.idempotencyKey);
      if (existing) return { command: presentCommand(existing), created: false };
    }
    const now = this.#deps.clock.now();
    const row = await this.#prepare(tenantId, deviceId, body, now, `cmd_${uuidv7(now).replaceAll('-', '')}`);
    try {
      await this.#insert(tenantId, [row]);
    } catch (error) {
      // Two creates with one key at once: the loser answers the winner's command.
      if (body.idempotencyKey !== undefined && error instanceof AppError && error.code === 'already_exists') {
        const existing = await findByIdempotencyKey(
          this.#deps.store,
          tenantId,
          deviceId,
          body.idempotencyKey,
        );
        if (existing) return { command: presentCommand(existing), created: false };
      }
      throw error;
    }
    this.#deps.bus.publish('command.queued', { tenantId, deviceId, transport: row.transport });
    return { command: presentCommand(row), created: true };
  }

  /**
   * Queues many commands of one tenant, for any of its devices, in one transaction: the
   * outcome of each item in order, as `create` would answer it alone. An unknown (or
   * another tenant's) device and an invalid command fail their own item only. An
   * idempotency key used before answers the existing command; one given twice in the
   * batch for a device answers the first item's command.
   */
  async createMany(tenantId: string, items: readonly CreateItem[]): Promise<CreateOutcome[]> {
    const now = this.#deps.clock.now();
    const live = await liveDevices(this.#deps.store, tenantId, [...new Set(items.map((i) => i.deviceId))]);
    const keyed = items.flatMap((item) =>
      item.body.idempotencyKey !== undefined && live.has(item.deviceId)
        ? [{ deviceId: item.deviceId, key: item.body.idempotencyKey }]
        : [],
    );
    const existing =
      keyed.length === 0 ? new Map() : await findByIdempotencyKeys(this.#deps.store, tenantId, keyed);
    // Ids sort by creation: sorted and handed out in item order, one device's commands keep their order.
    const ids = items.map(() => `cmd_${uuidv7(now).replaceAll('-', '')}`).sort();
    const outcomes: (CreateOutcome | undefined)[] = new Array(items.length);
    const firstOfKey = new Map<string, number>();
    const aliases: [index: number, of: number][] = [];
    const fresh: { index: number; row: CommandRow }[] = [];
    await Promise.all(
      items.map(async ({ deviceId, body }, index) => {
        const lifecycle = live.get(deviceId);
        if (lifecycle === undefined) {
          outcomes[index] = { error: notFound('device', deviceId) };
          return;
        }
        try {
          refuseRetired(deviceId, lifecycle);
        } catch (error) {
          if (!isAppError(error)) throw error;
          outcomes[index] = { error };
          return;
        }
        if (body.idempotencyKey !== undefined) {
          const entry = idempotencyEntry(deviceId, body.idempotencyKey);
          const found = existing.get(entry);
          if (found !== undefined) {
            outcomes[index] = { command: presentCommand(found), created: false };
            return;
          }
          const first = firstOfKey.get(entry);
          if (first !== undefined) {
            aliases.push([index, first]);
            return;
          }
          firstOfKey.set(entry, index);
        }
        try {
          fresh.push({ index, row: await this.#prepare(tenantId, deviceId, body, now, ids[index] ?? '') });
        } catch (error) {
          if (!isAppError(error)) throw error;
          outcomes[index] = { error };
        }
      }),
    );
    fresh.sort((a, b) => a.index - b.index);
    try {
      await this.#insert(
        tenantId,
        fresh.map((f) => f.row),
      );
      for (const { index, row } of fresh) outcomes[index] = { command: presentCommand(row), created: true };
      const woken = new Map(fresh.map(({ row }) => [`${row.device_id}\u0000${row.transport}`, row]));
      for (const row of woken.values())
        this.#deps.bus.publish('command.queued', {
          tenantId,
          deviceId: row.device_id,
          transport: row.transport,
        });
    } catch (error) {
      // A key taken by a create that committed meanwhile: each item alone, as `create` does.
      if (!(isAppError(error) && error.code === 'already_exists')) throw error;
      for (const { index } of fresh) {
        const item = items[index];
        if (item === undefined) continue;
        outcomes[index] = await this.create(tenantId, item.deviceId, item.body).catch((failure: unknown) => {
          if (!isAppError(failure)) throw failure;
          return { error: failure };
        });
      }
    }
    for (const [index, of] of aliases) {
      const first = outcomes[of];
      outcomes[index] = first?.command === undefined ? first : { command: first.command, created: false };
    }
    return outcomes.map((outcome) => outcome ?? { error: new AppError('internal', 'no outcome') });
  }

  /** Checks a command's body and encodes it once (the codec's errors refuse it now): its row, not stored yet. */
  async #prepare(
    tenantId: string,
    deviceId: string,
    body: CommandBody,
    now: number,
    id: string,
  ): Promise<CommandRow> {
    const given = [body.hex, body.base64, body.data].filter((value) => value !== undefined).length;
    if (given !== 1)
      throw new AppError('validation_failed', 'give exactly one of hex, base64 or data', { field: 'hex' });
    const transport: Transport = body.transport ?? 'mqtt';
    const raw =
      body.hex !== undefined
        ? Buffer.from(body.hex, 'hex')
        : body.base64 !== undefined
          ? Buffer.from(body.base64, 'base64')
          : undefined;
    const data = body.data === undefined ? null : JSON.stringify(body.data);
    if (data !== null && Buffer.byteLength(data) > MAX_DATA_BYTES)
      throw new AppError('validation_failed', `data is over ${MAX_DATA_BYTES} bytes as JSON`, {
        field: 'data',
      });
    if (raw !== undefined && raw.length === 0)
      throw new AppError('validation_failed', 'the payload is empty', { field: 'base64' });
    // The codec runs now as well as when the command is sent: bad JSON is refused at once.
    const encoded = raw ?? (await this.#encode(tenantId, deviceId, transport, data ?? 'null'));
    if (transport === 'sigfox' && encoded.length > SIGFOX_DOWNLINK_BYTES)
      throw new AppError(
        'downlink_too_long',
        `a Sigfox downlink carries ${SIGFOX_DOWNLINK_BYTES} bytes; this command is ${encoded.length}`,
        { transport, bytes: encoded.length, maxBytes: SIGFOX_DOWNLINK_BYTES },
      );
    if (encoded.length > MAX_COMMAND_BYTES)
      throw new AppError('downlink_too_long', `a command carries at most ${MAX_COMMAND_BYTES} bytes`, {
        transport,
        bytes: encoded.length,
        maxBytes: MAX_COMMAND_BYTES,
      });
    return {
      tenant_id: tenantId,
      id,
      device_id: deviceId,
      kind: 'command',
      name: body.name ?? 'command',
      transport,
      status: 'queued',
      payload: raw ?? null,
      data,
      priority: body.priority ?? 5,
      qos: body.qos ?? 1,
      confirmed: body.confirmed === true ? 1 : 0,
      max_attempts: body.retry?.attempts ?? 1,
      backoff_ms: (body.retry?.backoffSeconds ?? DEFAULT_BACKOFF_MS / 1000) * 1000,
      attempts: 0,
      expires_at: body.expiresInSeconds === undefined ? null : now + body.expiresInSeconds * 1000,
      idempotency_key: body.idempotencyKey ?? null,
      twin_parameter: body.twinParameter ?? null,
      delivery_ref: null,
      result: null,
      version: 1,
      created_at: now,
      updated_at: now,
    };
  }

  /** Stores new commands, their first history rows, expiry jobs and changes in one transaction. */
  async #insert(tenantId: string, rows: readonly CommandRow[]): Promise<void> {
    if (rows.length === 0) return;
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      await insertCommands(tx, rows);
      await insertEvents(
        tx,
        rows.map((row) => eventRow(row, 1, 'queued', { priority: row.priority }, row.created_at)),
      );
      for (const row of rows) {
        if (row.expires_at !== null)
          await this.#deps.scheduler.schedule(
            {
              key: expireKey(tenantId, row.id),
              handler: EXPIRE_HANDLER,
              at: row.expires_at,
              payload: { tenantId, commandId: row.id },
            },
            tx,
          );
        record({ kind: 'command.created', entityId: row.id, data: presentCommand(row) });
      }
    });
  }

  /**
   * Records a direct-method call as `sent` (it is published at once, never queued), with
   * its first history rows and its change, before it is published.
   */
  async startCall(
    tenantId: string,
    deviceId: string,
    name: string,
    data: unknown,
    detail: Record<string, unknown>,
  ): Promise<CommandRow> {
    const device = await findLiveDevice(this.#deps.store, tenantId, deviceId);
    if (!device) throw notFound('device', deviceId);
    refuseRetired(deviceId, device.lifecycle);
    const now = this.#deps.clock.now();
    const row: CommandRow = {
      tenant_id: tenantId,
      id: `cmd_${uuidv7(now).replaceAll('-', '')}`,
      device_id: deviceId,
      kind: 'method',
      name,
      transport: 'mqtt',
      status: 'sent',
      payload: null,
      data: data === undefined ? null : JSON.stringify(data),
      priority: 9,
      qos: 0,
      confirmed: 1,
      max_attempts: 1,
      backoff_ms: 0,
      attempts: 1,
      expires_at: null,
      idempotency_key: null,
      twin_parameter: null,
      delivery_ref: null,
      result: null,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      await insertCommand(tx, row);
      await insertEvent(tx, eventRow(row, 1, 'sent', { ...detail, attempt: 1 }, now));
      record({ kind: 'command.created', entityId: row.id, data: presentCommand(row) });
    });
    return row;
  }

  /** The command a transport handed out under `ref` (the Sigfox uplink it answered). */
  findByDeliveryRef(tenantId: string, deviceId: string, ref: string): Promise<CommandRow | undefined> {
    return findByDeliveryRef(this.#deps.store, tenantId, deviceId, ref);
  }

  /** The command a transport handed out to the device last. */
  lastHandedOut(tenantId: string, deviceId: string, transport: Transport): Promise<CommandRow | undefined> {
    return latestHandedOut(this.#deps.store, tenantId, deviceId, transport);
  }

  /** A command's bytes as they are sent now (JSON encoded by the codec). */
  payloadOf(row: CommandRow): Promise<Buffer> {
    if (row.payload !== null) return Promise.resolve(Buffer.from(row.payload));
    return this.#encode(row.tenant_id, row.device_id, row.transport as Transport, row.data ?? 'null');
  }

  /** Whether the tenant has this device, not deleted. */
  async deviceExists(tenantId: string, deviceId: string): Promise<boolean> {
    return (await findLiveDevice(this.#deps.store, tenantId, deviceId)) !== undefined;
  }

  /** A command by id, whatever its device (for the transports, which checked the device). */
  find(tenantId: string, commandId: string): Promise<CommandRow | undefined> {
    return findCommand(this.#deps.store, tenantId, commandId);
  }

  /** The commands that hold these idempotency keys on these devices (a fleet job's attempts); keys no command holds are left out. */
  async byIdempotencyKeys(
    tenantId: string,
    wanted: readonly { readonly deviceId: string; readonly key: string }[],
  ): Promise<Command[]> {
    if (wanted.length === 0) return [];
    const found = await findByIdempotencyKeys(this.#deps.store, tenantId, wanted);
    return [...found.values()].map((row) => presentCommand(row));
  }

  /**
   * A device's commands in `statuses` whose idempotency key starts with `prefix`: what a
   * module that queues commands of its own (twins) left on the queue.
   */
  byKeyPrefix(
    tenantId: string,
    deviceId: string,
    prefix: string,
    statuses: readonly CommandStatus[],
  ): Promise<CommandRow[]> {
    return commandsByKeyPrefix(this.#deps.store, tenantId, deviceId, prefix, statuses);
  }

  /** A device's commands, newest first. */
  async list(
    tenantId: string,
    deviceId: string,
    query: ListCommandsQuery,
  ): Promise<{ items: Command[]; nextCursor: string | null }> {
    if (!(await findLiveDevice(this.#deps.store, tenantId, deviceId))) throw notFound('device', deviceId);
    const rows = await listCommands(this.#deps.store, tenantId, deviceId, {
      status: query.status,
      before: query.cursor,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((row) => presentCommand(row)),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /** One command of a device with its history. */
  async get(tenantId: string, deviceId: string, commandId: string): Promise<Command> {
    const row = await this.#find(tenantId, deviceId, commandId);
    return presentCommand(row, await commandEvents(this.#deps.store, tenantId, commandId));
  }

  /** Every transition of a device's commands, newest first. */
  async deviceHistory(tenantId: string, deviceId: string, limit: number) {
    if (!(await findLiveDevice(this.#deps.store, tenantId, deviceId))) throw notFound('device', deviceId);
    const rows = await deviceEvents(this.#deps.store, tenantId, deviceId, limit);
    return {
      items: rows.map((event) => ({
        commandId: event.command_id,
        status: event.status as CommandStatus,
        at: iso(Number(event.at)),
        detail: JSON.parse(event.detail) as Record<string, unknown>,
      })),
    };
  }

  /**
   * Cancels a command that is not delivered yet: a queued one is never sent, a sent one is
   * not sent again (the transport may still hand over the copy it holds). Cancelling a
   * cancelled command answers it unchanged; any other status is `command_not_cancellable`.
   */
  async cancel(tenantId: string, deviceId: string, commandId: string): Promise<Command> {
    for (;;) {
      const row = await this.#find(tenantId, deviceId, commandId);
      if (row.status === 'cancelled') return presentCommand(row);
      if (!reachableFrom.cancelled.has(row.status as CommandStatus))
        throw new AppError(
          'command_not_cancellable',
          `command '${commandId}' is ${row.status}: only queued or sent commands can be cancelled`,
          { commandId, status: row.status },
        );
      const moved = await this.transition(row, 'cancelled', { reason: 'cancelled' });
      if (moved) return presentCommand(moved);
    }
  }

  /**
   * Moves a command to `status` when that is allowed from where it is and nobody moved it
   * meanwhile; records the transition and its change in one transaction. Undefined when
   * the command is elsewhere now. Transitions asked for together (one turn of the event
   * loop) share that transaction: see `#writeTransitions`.
   */
  async transition(
    row: CommandRow,
    status: CommandStatus,
    detail: Record<string, unknown>,
    changes: TransitionChanges = {},
    within?: (tx: Store, moved: CommandRow, record: RecordChange) => Promise<void>,
  ): Promise<CommandRow | undefined> {
    if (!reachableFrom[status].has(row.status as CommandStatus)) return undefined;
    const moved = await this.#transitions.submit({ row, status, detail, changes, within });
    if (moved !== undefined) this.#announce(moved);
    return moved;
  }

  /**
   * `transition` of a command not read before: moved to `status` when it is the device's
   * and in one of the statuses `from` (by default all that `status` is reachable from),
   * in the same batches. Undefined when it is not (unknown, another device's, or
   * elsewhere): only then need a caller read it.
   */
  async #move(
    target: CommandTarget,
    status: CommandStatus,
    detail: Record<string, unknown>,
    changes: TransitionChanges = {},
    from: readonly CommandStatus[] = [...reachableFrom[status]],
  ): Promise<CommandRow | undefined> {
    const moved = await this.#transitions.submit({ target, from, status, detail, changes });
    if (moved !== undefined) this.#announce(moved);
    return moved;
  }

  /** Tells the bus what a committed transition means for the transports and waiting callers. */
  #announce(moved: CommandRow): void {
    if (moved.status === 'queued')
      this.#deps.bus.publish('command.queued', {
        tenantId: moved.tenant_id,
        deviceId: moved.device_id,
        transport: moved.transport,
      });
    if (moved.kind === 'method' || finalStatuses.has(moved.status as CommandStatus))
      this.#deps.bus.publish('command.settled', { tenantId: moved.tenant_id, commandId: moved.id });
  }

  /**
   * Group commit of transitions: one transaction for the batch, each command's
   * compare-and-set as alone — on the version read, or on the status for a command not
   * read (`#move`) — (one that fails answers undefined, the others go on), its history row
   * numbered from its new version (a command's history has one row per version),
   * multi-row inserts of the history rows and of each tenant's changes. A
   * batch that fails as a whole is written again one transition at a time by the
   * committer, so one bad transition fails only itself.
   */
  async #writeTransitions(batch: readonly PendingTransition[]): Promise<(CommandRow | undefined)[]> {
    const now = this.#deps.clock.now();
    let results: (CommandRow | undefined)[] = [];
    let positions = new Map<string, number>();
    await guarded(this.#deps.store, () =>
      transact(this.#deps.store, async (tx) => {
        results = [];
        positions = new Map();
        const events: CommandEventRow[] = [];
        const entries = new Map<string, ChangeEntry[]>();
        const finished: string[] = [];
        for (const pending of batch) {
          const { row, status, detail, changes } = pending;
          const set = { ...changes, status, updated_at: now };
          const moved =
            row === undefined
              ? await moveCommand(tx, pending.target, pending.from, set)
              : (await updateCommand(tx, row, set))
                ? { ...row, ...set, version: row.version + 1 }
                : undefined;
          if (moved === undefined) {
            results.push(undefined);
            continue;
          }
          events.push(eventRow(moved, moved.version, status, detail, now));
          const tenantEntries = entries.get(moved.tenant_id) ?? [];
          entries.set(moved.tenant_id, tenantEntries);
          await pending.within?.(tx, moved, (entry) => tenantEntries.push(entry));
          tenantEntries.push({
            kind: 'command.status_changed',
            entityId: moved.id,
            data: presentCommand(moved),
          });
          // Nothing is left to retry or expire; only confirmed commands have retries, only expiring ones expiries.
          if (finalStatuses.has(status)) {
            if (moved.confirmed === 1) finished.push(retryKey(moved.tenant_id, moved.id));
            if (moved.expires_at !== null) finished.push(expireKey(moved.tenant_id, moved.id));
          }
          results.push(moved);
        }
        await insertEvents(tx, events);
        await this.#deps.scheduler.cancelAll(finished, tx);
        // Tenants in one order: two batches never wait on each other's change locks in a cycle.
        for (const tenantId of [...entries.keys()].sort())
          positions.set(tenantId, await appendChanges(tx, tenantId, entries.get(tenantId) ?? [], now));
      }),
    );
    for (const [tenantId, position] of positions)
      this.#deps.bus.publish('changes.committed', { tenantId, position });
    return results;
  }

  /**
   * Takes the device's queued commands over `transport` (most urgent first) for sending:
   * each is moved to `sent` (or `unknown` when the transport will never tell, `sentAs`)
   * with one more attempt, so no other sender takes it again. Expired ones are expired, and
   * ones the codec cannot encode now fail with its message, instead.
   */
  async claim(
    tenantId: string,
    deviceId: string,
    transport: Transport,
    limit: number,
    detail: (row: CommandRow) => {
      status: 'sent' | 'unknown';
      detail: Record<string, unknown>;
      ref?: string;
    },
  ): Promise<Outgoing[]> {
    const rows = await queuedCommands(this.#deps.store, tenantId, deviceId, transport, limit);
    return this.#take(rows, detail);
  }

  /**
   * Moves claimed rows on, all at once so that their transitions share a batch: each to
   * `sent` (or what `detail` says) with its payload, or expired or failed instead. The
   * ones taken, in the order of `rows`.
   */
  async #take(
    rows: readonly CommandRow[],
    detail: (row: CommandRow) => {
      status: 'sent' | 'unknown';
      detail: Record<string, unknown>;
      ref?: string;
    },
  ): Promise<Outgoing[]> {
    const taken = await Promise.all(
      rows.map(async (row): Promise<Outgoing | undefined> => {
        const now = this.#deps.clock.now();
        if (row.expires_at !== null && row.expires_at <= now) {
          await this.transition(row, 'expired', { reason: 'expired' });
          return undefined;
        }
        let payload: Buffer;
        try {
          payload =
            row.payload !== null
              ? Buffer.from(row.payload)
              : await this.#encode(
                  row.tenant_id,
                  row.device_id,
                  row.transport as Transport,
                  row.data ?? 'null',
                );
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          await this.transition(row, 'failed', { reason: 'encoding_failed', error: message });
          return undefined;
        }
        const how = detail(row);
        const attempt = row.attempts + 1;
        const moved = await this.transition(
          row,
          how.status,
          { ...how.detail, attempt },
          { attempts: attempt, ...(how.ref === undefined ? {} : { delivery_ref: how.ref }) },
          async (tx, sent) => {
            // A confirmed command waits for its acknowledgement until the backoff ends.
            if (sent.confirmed === 1)
              await this.#deps.scheduler.schedule(
                {
                  key: retryKey(sent.tenant_id, sent.id),
                  handler: RETRY_HANDLER,
                  at: this.#deps.clock.now() + sent.backoff_ms * 2 ** (attempt - 1),
                  payload: { tenantId: sent.tenant_id, commandId: sent.id, attempt },
                },
                tx,
              );
          },
        );
        return moved === undefined ? undefined : { row: moved, payload };
      }),
    );
    return taken.filter((out) => out !== undefined);
  }

  /** A send failed on the way out (the broker refused it): back in the queue, with its attempt counted. */
  async requeue(row: CommandRow, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    if (row.attempts >= row.max_attempts) {
      await this.transition(row, 'failed', { reason: 'send_failed', error: message });
      return;
    }
    await this.transition(row, 'queued', { reason: 'send_failed', error: message });
  }

  /**
   * A device's answer to one of its commands: `acknowledged`, or `failed` when it says it
   * failed. Another device's command or an unknown id is `not_found`; a second answer to a
   * command already answered changes nothing; one that can no longer be answered
   * (expired) is `conflict`.
   */
  async acknowledge(
    tenantId: string,
    deviceId: string,
    commandId: string,
    answer: { failed: boolean; result: unknown; detail: Record<string, unknown> },
  ): Promise<Command> {
    const [outcome] = await this.acknowledgeMany(tenantId, [{ deviceId, commandId, ...answer }]);
    if (outcome?.command === undefined) throw outcome?.error ?? new AppError('internal', 'no outcome');
    return outcome.command;
  }

  /**
   * Many devices' answers at once, as `acknowledge` takes each: their transitions share
   * the batches of the group commit (one transaction for up to a thousand) and none is
   * read first. The outcome of each answer, in order.
   */
  acknowledgeMany(tenantId: string, answers: readonly AcknowledgeItem[]): Promise<AcknowledgeOutcome[]> {
    return Promise.all(
      answers.map(async (answer): Promise<AcknowledgeOutcome> => {
        try {
          return { command: await this.#acknowledgeOne(tenantId, answer) };
        } catch (error) {
          if (!isAppError(error)) throw error;
          return { error };
        }
      }),
    );
  }

  async #acknowledgeOne(
    tenantId: string,
    { deviceId, commandId, failed, result, detail }: AcknowledgeItem,
  ): Promise<Command> {
    const status: CommandStatus = failed ? 'failed' : 'acknowledged';
    const changes = { result: result === undefined ? null : JSON.stringify(result) };
    const moved = await this.#move({ tenantId, deviceId, commandId }, status, detail, changes);
    if (moved) return presentCommand(moved);
    // Not moved: unknown, another device's, answered already, or past answering.
    for (;;) {
      const row = await this.#find(tenantId, deviceId, commandId);
      if (row.status === 'acknowledged' || row.status === 'failed') return presentCommand(row);
      if (!reachableFrom[status].has(row.status as CommandStatus))
        throw new AppError('conflict', `command '${commandId}' is ${row.status}: it cannot be acknowledged`, {
          commandId,
          status: row.status,
        });
      const again = await this.transition(row, status, detail, changes);
      if (again) return presentCommand(again);
    }
  }

  /**
   * The transport says the device received one of its commands (the MQTT PUBACK /
   * PUBCOMP): `sent` or `unknown` becomes `delivered`, or `failed` when the device refused
   * it. A command that moved on (acknowledged, back in the queue, final) stays where it
   * is: the device's answer can overtake the report of its delivery. Undefined when
   * nothing moved (also for an unknown id or another device's command).
   */
  async deliveredOverTransport(
    tenantId: string,
    deviceId: string,
    commandId: string,
    { refused, detail }: { refused: boolean; detail: Record<string, unknown> },
  ): Promise<CommandRow | undefined> {
    // Only from `sent` or `unknown` either way: the statement's status check decides, nothing is read first.
    const target = { tenantId, deviceId, commandId };
    return refused
      ? this.#move(target, 'failed', { ...detail, reason: 'refused_by_device' }, {}, HANDED_OUT)
      : this.#move(target, 'delivered', detail, {}, HANDED_OUT);
  }

  /**
   * Adds a row to a command's history without changing its status: what a transport
   * inferred about it (a Sigfox out-of-band frame). Recorded with a `command.noted` change
   * in one transaction; undefined when the command moved meanwhile.
   */
  async note(row: CommandRow, detail: Record<string, unknown>): Promise<CommandRow | undefined> {
    const now = this.#deps.clock.now();
    const noted: CommandRow = { ...row, version: row.version + 1, updated_at: now };
    const done = await writeWithChanges(this.#deps, row.tenant_id, async (tx, record) => {
      if (!(await updateCommand(tx, row, { updated_at: now }))) return false;
      await insertEvent(tx, eventRow(row, noted.version, row.status as CommandStatus, detail, now));
      record({ kind: 'command.noted', entityId: row.id, data: presentCommand(noted) });
      return true;
    });
    return done ? noted : undefined;
  }

  /** A command's history rows, oldest first. */
  history(row: CommandRow): Promise<CommandEventRow[]> {
    return commandEvents(this.#deps.store, row.tenant_id, row.id);
  }

  /** Moves a command the transport says was delivered (a Sigfox acknowledgement). */
  async delivered(row: CommandRow, detail: Record<string, unknown>): Promise<CommandRow | undefined> {
    return this.transition(row, 'delivered', detail);
  }

  async #find(tenantId: string, deviceId: string, commandId: string): Promise<CommandRow> {
    const row = await findCommand(this.#deps.store, tenantId, commandId);
    // Another device's command is not found under this device: ids do not leak across devices.
    if (!row || row.device_id !== deviceId) throw notFound('command', commandId);
    return row;
  }

  /** JSON to bytes: the type's codec when it has one; otherwise the JSON text itself (not over Sigfox). */
  async #encode(tenantId: string, deviceId: string, transport: Transport, data: string): Promise<Buffer> {
    const value = JSON.parse(data) as unknown;
    const result = await this.#deps.encode?.(tenantId, deviceId, value);
    if (result === undefined) {
      if (transport === 'sigfox')
        throw new AppError(
          'encoding_failed',
          "a Sigfox command's data needs a codec on the device type (encodeDownlink); send hex or base64",
          { errors: [] },
        );
      return Buffer.from(data);
    }
    if (result.bytes === null || result.errors.length > 0)
      throw new AppError(
        'encoding_failed',
        `the codec could not encode the command: ${result.errors.join('; ') || 'no bytes'}`,
        { errors: [...result.errors] },
      );
    return Buffer.from(result.bytes);
  }

  /** No acknowledgement came within the backoff: send again while attempts remain. */
  async #retry(run: JobRun): Promise<void> {
    const { tenantId, commandId, attempt } = run.payload as {
      tenantId: string;
      commandId: string;
      attempt: number;
    };
    const row = await findCommand(this.#deps.store, tenantId, commandId);
    if (!row || row.attempts !== attempt) return;
    if (row.status !== 'sent' && row.status !== 'unknown' && row.status !== 'delivered') return;
    if (row.attempts < row.max_attempts && row.status !== 'delivered') {
      await this.transition(row, 'queued', { reason: 'not_acknowledged', attempt });
      return;
    }
    // Out of attempts: what the transport said stands; a sent command's fate is unknown.
    if (row.status === 'sent') await this.transition(row, 'unknown', { reason: 'not_acknowledged', attempt });
  }

  /** The expiry came before the command was sent. */
  async #expire(run: JobRun): Promise<void> {
    const { tenantId, commandId } = run.payload as { tenantId: string; commandId: string };
    const row = await findCommand(this.#deps.store, tenantId, commandId);
    if (row?.status === 'queued') await this.transition(row, 'expired', { reason: 'expired' });
  }
}

function eventRow(
  row: CommandRow,
  seq: number,
  status: CommandStatus,
  detail: Record<string, unknown>,
  at: number,
): CommandEventRow {
  return {
    tenant_id: row.tenant_id,
    command_id: row.id,
    seq,
    device_id: row.device_id,
    status,
    detail: JSON.stringify(detail),
    at,
  };
}
