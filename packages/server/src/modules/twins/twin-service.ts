import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound, refuseRetired } from '../../kernel/errors.js';
import { guarded, type Store, transact } from '../../store/store.js';
import {
  appendChanges,
  type ChangeDeps,
  type ChangeEntry,
  type RecordChange,
  writeWithChanges,
} from '../changes/index.js';
import {
  type DesiredBatchOutcome,
  type DesiredEdit,
  type DesiredView,
  reconcileDesiredBatch,
} from './twin-desired-batch.js';
import {
  applyPatch,
  checkDocument,
  checkPatch,
  deltaOf,
  jsonEqual,
  type TwinDocument,
  type TwinMetadata,
} from './twin-document.js';
import type {
  OpenParameter,
  OpenParameterPage,
  ParameterFailures,
  ParameterView,
  ReportedFields,
  Twin,
  TwinDelivery,
  TypeTwinSettings,
  TypeTwinSettingsBody,
} from './twin-schemas.js';
import { DEFAULT_DOWNLINK, type DownlinkSettings } from './twin-schemas.js';
import {
  currentParameters,
  type DeliveryRow,
  ensureTwin,
  findLiveDevice,
  insertParameter,
  listOpenParameters,
  type ParameterRow,
  type ParameterStatus,
  pruneParameter,
  readDeliveries,
  readParameters,
  readReportedFields,
  readTwin,
  type TwinRow,
  typeExists,
  updateParameter,
  writeDelivery,
  writeDesired,
  writeReported,
  writeReportedFields,
} from './twin-store.js';

export interface TwinDeps extends ChangeDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
}

/** Where a reported patch came from, in its change. */
export type ReportedSource = 'device' | 'decoded';

/** What the device should be sent: the delta and the parameters to send again. */
export interface Outstanding {
  /** The properties with their desired values, and `$version`. */
  readonly payload: Record<string, unknown>;
  readonly names: readonly string[];
  readonly version: number;
}

/** Why a decoded report is passed over rather than retried: it would fail again. */
const SKIPPED_REPORTS: ReadonlySet<string> = new Set([
  'not_found',
  'validation_failed',
  'twin_too_large',
  'twin_too_deep',
]);

const UNFINISHED: ReadonlySet<string> = new Set<ParameterStatus>(['pending', 'sent', 'failed']);

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

function presentParameter(row: ParameterRow): ParameterView {
  return {
    status: row.status as ParameterStatus,
    value: JSON.parse(row.value) as unknown,
    version: Number(row.version),
    attempts: row.attempts,
    setBy: row.set_by,
    pendingAt: new Date(Number(row.pending_at)).toISOString(),
    sentAt: iso(row.sent_at),
    appliedAt: iso(row.applied_at),
    failedAt: iso(row.failed_at),
    supersededAt: iso(row.superseded_at),
    error: row.error,
    errorCode: row.error_code,
    commandId: row.command_id,
  };
}

function presentMeta(meta: TwinMetadata): Twin['metadata']['desired'] {
  const out: Record<string, { updatedAt: string; version: number }> = {};
  for (const [key, value] of Object.entries(meta))
    out[key] = { updatedAt: new Date(value.updatedAt).toISOString(), version: value.version };
  return out;
}

interface ParsedTwin {
  readonly desired: TwinDocument;
  readonly desiredMeta: TwinMetadata;
  readonly desiredVersion: number;
  readonly reported: TwinDocument;
  readonly reportedMeta: TwinMetadata;
  readonly reportedVersion: number;
}

const EMPTY_TWIN: ParsedTwin = {
  desired: {},
  desiredMeta: {},
  desiredVersion: 0,
  reported: {},
  reportedMeta: {},
  reportedVersion: 0,
};

function parseTwin(row: TwinRow | undefined): ParsedTwin {
  if (row === undefined) return EMPTY_TWIN;
  return {
    desired: JSON.parse(row.desired) as TwinDocument,
    desiredMeta: JSON.parse(row.desired_meta) as TwinMetadata,
    desiredVersion: Number(row.desired_version),
    reported: JSON.parse(row.reported) as TwinDocument,
    reportedMeta: JSON.parse(row.reported_meta) as TwinMetadata,
    reportedVersion: Number(row.reported_version),
  };
}

function presentTwin(deviceId: string, twin: ParsedTwin, parameters: readonly ParameterRow[]): Twin {
  const views: Record<string, ParameterView> = {};
  for (const [name, row] of currentParameters(parameters)) {
    // A removed property's last row stays as history; the twin shows desired properties.
    if (Object.hasOwn(twin.desired, name)) views[name] = presentParameter(row);
  }
  return {
    deviceId,
    desired: twin.desired,
    desiredVersion: twin.desiredVersion,
    reported: twin.reported,
    reportedVersion: twin.reportedVersion,
    delta: deltaOf(twin.desired, twin.reported),
    metadata: { desired: presentMeta(twin.desiredMeta), reported: presentMeta(twin.reportedMeta) },
    parameters: views,
  };
}

/** One device's reported patch with the time of its reading. */
export interface ReportedInput {
  readonly deviceId: string;
  readonly patch: TwinDocument;
  /** When the values were true (Unix ms): a device time for decoded uplinks, else now. */
  readonly at: number;
}

/**
 * Device twins: desired and reported JSON documents with versions, per-property metadata
 * and delta, and the delivery of every desired property. Each write and its change
 * (`twin.desired.changed`, `twin.reported.changed`) commit in one transaction; then the
 * bus hears `twin.desired_changed` / `twin.reported_changed`, which wake long polls and
 * send deltas to connected devices.
 */
export class TwinService {
  readonly #deps: TwinDeps;

  constructor(deps: TwinDeps) {
    this.#deps = deps;
  }

  /** The device's twin; `not_found` for a device that is not in the tenant (or deleted). */
  async get(tenantId: string, deviceId: string): Promise<Twin> {
    const { store } = this.#deps;
    return guarded(store, async () => {
      if ((await findLiveDevice(store, tenantId, deviceId)) === undefined) throw notFound('device', deviceId);
      const row = await readTwin(store, tenantId, deviceId);
      const parameters = row === undefined ? [] : await readParameters(store, tenantId, deviceId);
      return presentTwin(deviceId, parseTwin(row), parameters);
    });
  }

  /**
   * Merges `patch` into desired (RFC 7396). With `ifMatch`, refuses with
   * `precondition_failed` unless desired is at that version. Every changed property gets a
   * new parameter row (pending, or applied when reported already has the value); an
   * unfinished earlier value is superseded. A patch that changes nothing changes no version.
   */
  async patchDesired(
    tenantId: string,
    deviceId: string,
    patch: unknown,
    { ifMatch, setBy = 'api' }: { ifMatch?: number | undefined; setBy?: string } = {},
  ): Promise<Twin> {
    checkPatch('desired', patch);
    const now = this.#deps.clock.now();
    let changed = false;
    const twin = await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      const current = await this.#lockTwin(tx, tenantId, deviceId, true);
      const before = parseTwin(current);
      if (ifMatch !== undefined && ifMatch !== before.desiredVersion)
        throw new AppError(
          'precondition_failed',
          `desired is at version ${before.desiredVersion}, not ${ifMatch}`,
          { version: before.desiredVersion },
        );
      const version = before.desiredVersion + 1;
      const outcome = applyPatch(before.desired, before.desiredMeta, patch, {
        at: now,
        version,
        newerWins: false,
      });
      let parameters = await readParameters(tx, tenantId, deviceId);
      if (outcome.changed.length === 0) return presentTwin(deviceId, before, parameters);
      changed = true;
      const text = checkDocument('desired', outcome.document);
      await writeDesired(tx, {
        tenant_id: tenantId,
        device_id: deviceId,
        desired: text,
        desired_meta: JSON.stringify(outcome.metadata),
        desired_version: version,
        updated_at: now,
      });
      await this.#trackDesired(tx, tenantId, deviceId, {
        names: outcome.changed,
        desired: outcome.document,
        reported: before.reported,
        version,
        setBy,
        now,
        parameters,
      });
      record({
        kind: 'twin.desired.changed',
        entityId: deviceId,
        data: { deviceId, version, patch, desired: outcome.document },
      });
      parameters = await readParameters(tx, tenantId, deviceId);
      return presentTwin(
        deviceId,
        { ...before, desired: outcome.document, desiredMeta: outcome.metadata, desiredVersion: version },
        parameters,
      );
    });
    if (changed)
      this.#deps.bus.publish('twin.desired_changed', { tenantId, deviceId, version: twin.desiredVersion });
    return twin;
  }

  /**
   * Merges a device's reported patch, property by property: a property whose stored value
   * is newer than `at` is left alone. Parameters whose desired value is now reported are
   * applied.
   */
  async patchReported(tenantId: string, deviceId: string, patch: unknown): Promise<Twin> {
    checkPatch('reported', patch);
    const { store, clock } = this.#deps;
    const now = clock.now();
    const entries: ChangeEntry[] = [];
    const { twin, position } = await guarded(store, () =>
      transact(store, async (tx) => {
        const result = await this.#applyReported(
          tx,
          tenantId,
          { deviceId, patch, at: now },
          'device',
          now,
          entries,
        );
        const position = entries.length > 0 ? await appendChanges(tx, tenantId, entries, now) : 0;
        const parameters = await readParameters(tx, tenantId, deviceId);
        return { twin: presentTwin(deviceId, result, parameters), position };
      }),
    );
    this.#announceReported(tenantId, position, entries);
    return twin;
  }

  /**
   * Reported patches of several devices of a tenant (decoded uplinks), in the caller's
   * transaction: the changes are appended there too. Devices that are gone are passed over.
   * Returns the changes' last position (0 when nothing changed) and the entries, to announce
   * once committed (`announceReported`).
   */
  async applyReportedBatch(
    tx: Store,
    tenantId: string,
    inputs: readonly ReportedInput[],
  ): Promise<{ position: number; entries: ChangeEntry[] }> {
    const now = this.#deps.clock.now();
    const entries: ChangeEntry[] = [];
    for (const input of inputs) {
      try {
        checkPatch('reported', input.patch);
        await this.#applyReported(tx, tenantId, input, 'decoded', now, entries);
      } catch (error) {
        // A device deleted since, or decoded values over the limits: that uplink reports
        // nothing. Anything else (the database) fails the batch, which the consumer retries.
        if (error instanceof AppError && SKIPPED_REPORTS.has(error.code)) continue;
        throw error;
      }
    }
    const position = entries.length > 0 ? await appendChanges(tx, tenantId, entries, now) : 0;
    return { position, entries };
  }

  /** Tells the bus about committed reported changes. */
  announceReported(tenantId: string, position: number, entries: readonly ChangeEntry[]): void {
    this.#announceReported(tenantId, position, entries);
  }

  #announceReported(tenantId: string, position: number, entries: readonly ChangeEntry[]): void {
    if (entries.length === 0) return;
    const { bus } = this.#deps;
    bus.publish('changes.committed', { tenantId, position });
    for (const entry of entries) {
      const version = (entry.data as { version: number }).version;
      bus.publish('twin.reported_changed', { tenantId, deviceId: entry.entityId, version });
    }
  }

  /**
   * Edits the desired documents of many devices of a tenant in the caller's transaction,
   * in a few set-based statements (fleet configurations): `decide` answers, per live
   * device, which whole top-level properties to set (with who sets them) and which to
   * remove. The changes are appended there too; announce them once committed
   * (`announceDesired`). A device whose document would break the limits is left alone and
   * listed in `refused`.
   */
  async reconcileDesired(
    tx: Store,
    tenantId: string,
    deviceIds: readonly string[],
    decide: (view: DesiredView) => DesiredEdit | undefined,
  ): Promise<DesiredBatchOutcome> {
    const now = this.#deps.clock.now();
    const { entries, refused } = await reconcileDesiredBatch(tx, tenantId, deviceIds, decide, now);
    const position = entries.length > 0 ? await appendChanges(tx, tenantId, entries, now) : 0;
    return { entries, refused, position };
  }

  /** Tells the bus about committed desired changes: long polls wake, connected devices get their delta. */
  announceDesired(tenantId: string, position: number, entries: readonly ChangeEntry[]): void {
    if (entries.length === 0) return;
    const { bus } = this.#deps;
    bus.publish('changes.committed', { tenantId, position });
    for (const entry of entries) {
      const version = (entry.data as { version: number }).version;
      bus.publish('twin.desired_changed', { tenantId, deviceId: entry.entityId, version });
    }
  }

  /**
   * The device says it could not apply these parameters: their current values, when
   * pending or sent, become failed with the reason. Returns the names that did.
   */
  async failParameters(tenantId: string, deviceId: string, failures: ParameterFailures): Promise<string[]> {
    const now = this.#deps.clock.now();
    return writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      const twin = parseTwin(await this.#lockTwin(tx, tenantId, deviceId));
      const current = currentParameters(await readParameters(tx, tenantId, deviceId));
      const failed: string[] = [];
      for (const [name, reason] of Object.entries(failures)) {
        const row = current.get(name);
        if (row === undefined || !Object.hasOwn(twin.desired, name)) continue;
        if (row.status !== 'pending' && row.status !== 'sent') continue;
        const set = {
          status: 'failed',
          failed_at: now,
          error: reason.slice(0, 500),
          error_code: 'device_failed',
          updated_at: now,
        } as const;
        await updateParameter(tx, row, set);
        recordParameter(record, { ...row, ...set });
        failed.push(name);
      }
      return failed;
    });
  }

  /**
   * Sends one parameter again: its current value becomes pending (whatever its status, so
   * that a device whose state the backend got wrong is told again), and the device is sent
   * it at the next delivery. `not_found` when the device has no such desired property.
   */
  async resend(tenantId: string, deviceId: string, name: string): Promise<ParameterView> {
    const { clock, bus } = this.#deps;
    const now = clock.now();
    const { view, version } = await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      const twin = parseTwin(await this.#lockTwin(tx, tenantId, deviceId, true));
      const row = currentParameters(await readParameters(tx, tenantId, deviceId)).get(name);
      if (row === undefined || !Object.hasOwn(twin.desired, name)) throw notFound('twin parameter', name);
      // A new pending period: a downlink delivery queues a new downlink for it.
      const set = {
        status: 'pending',
        pending_at: now,
        sent_at: null,
        applied_at: null,
        failed_at: null,
        superseded_at: null,
        error: null,
        error_code: null,
        command_id: null,
        updated_at: now,
      } as const;
      await updateParameter(tx, row, set);
      recordParameter(record, { ...row, ...set });
      return { view: presentParameter({ ...row, ...set }), version: twin.desiredVersion };
    });
    bus.publish('twin.desired_changed', { tenantId, deviceId, version });
    return view;
  }

  /**
   * What a device should be sent now: the delta, and the parameters pending a resend
   * even though reported has their value; undefined when there is nothing.
   */
  async outstanding(tenantId: string, deviceId: string): Promise<Outstanding | undefined> {
    const { store } = this.#deps;
    return guarded(store, async () => {
      const row = await readTwin(store, tenantId, deviceId);
      if (row === undefined) return undefined;
      const twin = parseTwin(row);
      const payload: Record<string, unknown> = deltaOf(twin.desired, twin.reported);
      for (const [name, parameter] of currentParameters(await readParameters(store, tenantId, deviceId))) {
        if (parameter.status === 'pending' && Object.hasOwn(twin.desired, name))
          payload[name] = twin.desired[name];
      }
      const names = Object.keys(payload);
      if (names.length === 0) return undefined;
      payload.$version = twin.desiredVersion;
      return { payload, names, version: twin.desiredVersion };
    });
  }

  /**
   * Records that these parameters were handed to the device (an MQTT delta, a twin read):
   * their current values (set at or before `version`), pending or sent, become sent with one
   * more attempt, each with its `twin.parameter.changed` change, as a downlink's send is.
   */
  async markSent(
    tenantId: string,
    deviceId: string,
    names: readonly string[],
    version: number,
  ): Promise<void> {
    if (names.length === 0) return;
    const now = this.#deps.clock.now();
    const wanted = new Set(names);
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      const current = currentParameters(await readParameters(tx, tenantId, deviceId));
      for (const [name, row] of current) {
        if (!wanted.has(name) || Number(row.version) > version) continue;
        if (row.status !== 'pending' && row.status !== 'sent') continue;
        const set = { status: 'sent', attempts: row.attempts + 1, sent_at: now, updated_at: now } as const;
        await updateParameter(tx, row, set);
        recordParameter(record, { ...row, ...set });
      }
    });
  }

  /**
   * The twin as a device reads it (HTTP): with `waitMs`, waits until desired is past
   * `since` (the current version when absent), up to `waitMs`. What the answer carries of
   * the delta and of pending resends counts as sent.
   */
  async readForDevice(
    tenantId: string,
    deviceId: string,
    { since, waitMs, signal }: { since?: number | undefined; waitMs: number; signal?: AbortSignal },
  ): Promise<Twin> {
    if (waitMs <= 0) return this.#handOver(tenantId, await this.get(tenantId, deviceId));
    // Listen before reading, so that a change between the read and the wait is not missed.
    let target = since ?? Number.POSITIVE_INFINITY;
    let wake: () => void = () => {};
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const unsubscribe = this.#deps.bus.subscribe('twin.desired_changed', (event) => {
      if (event.tenantId === tenantId && event.deviceId === deviceId && event.version > target) wake();
    });
    const timer = setTimeout(wake, waitMs);
    signal?.addEventListener('abort', wake, { once: true });
    try {
      const first = await this.get(tenantId, deviceId);
      if (since === undefined) target = first.desiredVersion;
      if (first.desiredVersion > target || signal?.aborted) return await this.#handOver(tenantId, first);
      await woken;
      return await this.#handOver(tenantId, await this.get(tenantId, deviceId));
    } finally {
      clearTimeout(timer);
      unsubscribe();
      signal?.removeEventListener('abort', wake);
    }
  }

  /** Records what a twin handed to its device carries as sent, and returns the twin. */
  async #handOver(tenantId: string, twin: Twin): Promise<Twin> {
    const names = new Set(Object.keys(twin.delta));
    for (const [name, parameter] of Object.entries(twin.parameters))
      if (parameter.status === 'pending') names.add(name);
    if (names.size === 0) return twin;
    await this.markSent(tenantId, twin.deviceId, [...names], twin.desiredVersion);
    // The answer shows the statuses as they are once it is sent.
    return this.get(tenantId, twin.deviceId);
  }

  /** The twin answered to a device's request over MQTT; what it carries counts as sent. */
  handOver(tenantId: string, deviceId: string): Promise<Twin> {
    return this.get(tenantId, deviceId).then((twin) => this.#handOver(tenantId, twin));
  }

  /**
   * A page of the tenant's open parameters with the given statuses, in device then name
   * order: the devices with pending or failed parameters, fleet-wide.
   */
  async listOpen(
    tenantId: string,
    statuses: readonly ('pending' | 'sent' | 'failed')[],
    limit: number,
    cursor: string | undefined,
  ): Promise<OpenParameterPage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const { store } = this.#deps;
    const rows = await guarded(store, () => listOpenParameters(store, tenantId, statuses, after, limit + 1));
    const page = rows.slice(0, limit);
    const items: OpenParameter[] = page.map((row) => ({
      deviceId: row.device_id,
      name: row.name,
      ...presentParameter(row),
    }));
    const last = page.at(-1);
    return {
      items,
      nextCursor:
        rows.length > limit && last !== undefined
          ? Buffer.from(JSON.stringify([last.device_id, last.name])).toString('base64url')
          : null,
    };
  }

  /** The decoded fields a device type declares as reported properties. */
  async reportedFields(tenantId: string, typeId: string): Promise<ReportedFields> {
    const { store } = this.#deps;
    return guarded(store, async () => {
      if (!(await typeExists(store, tenantId, typeId))) throw notFound('device type', typeId);
      return (await readReportedFields(store, tenantId, [typeId])).get(typeId) ?? {};
    });
  }

  /** Replaces a device type's reported fields (an empty map removes them). */
  async setReportedFields(tenantId: string, typeId: string, fields: ReportedFields): Promise<ReportedFields> {
    const { store, clock, bus } = this.#deps;
    await guarded(store, () =>
      transact(store, async (tx) => {
        if (!(await typeExists(tx, tenantId, typeId))) throw notFound('device type', typeId);
        await writeReportedFields(tx, tenantId, typeId, fields, clock.now());
      }),
    );
    bus.publish('twin.reported_fields_changed', { tenantId, typeId });
    return fields;
  }

  /** A device type's twin settings, defaults filled in. */
  async typeSettings(tenantId: string, typeId: string): Promise<TypeTwinSettings> {
    const { store } = this.#deps;
    return guarded(store, async () => {
      if (!(await typeExists(store, tenantId, typeId))) throw notFound('device type', typeId);
      const fields = (await readReportedFields(store, tenantId, [typeId])).get(typeId) ?? {};
      const delivery = parseDelivery((await readDeliveries(store, tenantId, [typeId])).get(typeId));
      return { reportedFields: fields, ...delivery };
    });
  }

  /**
   * Changes a device type's twin settings: the members given replace the current ones (a
   * partial `downlink` replaces only what it names); the others are kept.
   */
  async setTypeSettings(
    tenantId: string,
    typeId: string,
    body: TypeTwinSettingsBody,
  ): Promise<TypeTwinSettings> {
    const { store, clock, bus } = this.#deps;
    const settings = await guarded(store, () =>
      transact(store, async (tx) => {
        if (!(await typeExists(tx, tenantId, typeId))) throw notFound('device type', typeId);
        const now = clock.now();
        const fields =
          body.reportedFields ?? (await readReportedFields(tx, tenantId, [typeId])).get(typeId) ?? {};
        if (body.reportedFields !== undefined) await writeReportedFields(tx, tenantId, typeId, fields, now);
        const current = parseDelivery((await readDeliveries(tx, tenantId, [typeId])).get(typeId));
        const delivery = body.delivery ?? current.delivery;
        const downlink = { ...current.downlink, ...body.downlink };
        checkGroups(downlink.groups);
        const isDefault =
          delivery === 'mqtt' && JSON.stringify(downlink) === JSON.stringify(DEFAULT_DOWNLINK);
        await writeDelivery(
          tx,
          tenantId,
          typeId,
          isDefault ? undefined : { delivery, downlink: JSON.stringify(downlink) },
          now,
        );
        return { reportedFields: fields, delivery, downlink };
      }),
    );
    bus.publish('twin.reported_fields_changed', { tenantId, typeId });
    return settings;
  }

  /**
   * Links pending parameters (each as read: name, version and the start of its pending
   * period) to the downlink that carries them. All or nothing: false, with nothing written,
   * when one of them moved on meanwhile (superseded, re-sent, sent by another path).
   */
  async linkDownlink(
    tenantId: string,
    deviceId: string,
    targets: readonly ParameterTarget[],
    commandId: string,
  ): Promise<boolean> {
    const now = this.#deps.clock.now();
    const moved = await this.#moveParameters(
      tenantId,
      deviceId,
      (rows) => {
        const picked = targets.map((target) =>
          rows.find(
            (row) =>
              row.name === target.name &&
              Number(row.version) === target.version &&
              Number(row.pending_at) === target.pendingAt &&
              row.status === 'pending' &&
              row.command_id === null,
          ),
        );
        return picked.every((row) => row !== undefined) ? picked : [];
      },
      { command_id: commandId, updated_at: now },
    );
    return moved > 0;
  }

  /** Unlinks the still pending parameters of a downlink about to be cancelled, so that they are queued again. */
  async unlinkDownlink(tenantId: string, deviceId: string, commandId: string): Promise<void> {
    const now = this.#deps.clock.now();
    await this.#moveParameters(
      tenantId,
      deviceId,
      (rows) => rows.filter((row) => row.command_id === commandId && row.status === 'pending'),
      // A new pending period, so that the downlink that carries it next is a new one.
      (row) => ({ command_id: null, pending_at: Math.max(now, Number(row.pending_at) + 1), updated_at: now }),
    );
  }

  /** The downlink carrying these parameters was handed to the device (`attempts` sends so far): they are sent. */
  async markDownlinkSent(
    tenantId: string,
    deviceId: string,
    commandId: string,
    attempts: number,
  ): Promise<void> {
    const now = this.#deps.clock.now();
    await this.#moveParameters(
      tenantId,
      deviceId,
      (rows) =>
        rows.filter(
          (row) =>
            row.command_id === commandId &&
            (row.status === 'pending' || (row.status === 'sent' && row.attempts < attempts)),
        ),
      { status: 'sent', attempts, sent_at: now, updated_at: now },
    );
  }

  /** The device acknowledged the downlink carrying these parameters: they are applied. */
  async markApplied(tenantId: string, deviceId: string, commandId: string): Promise<void> {
    const now = this.#deps.clock.now();
    await this.#moveParameters(
      tenantId,
      deviceId,
      (rows) => rows.filter((row) => row.command_id === commandId && UNFINISHED.has(row.status)),
      { status: 'applied', applied_at: now, error: null, error_code: null, updated_at: now },
    );
  }

  /**
   * Parameters whose downlink failed (by its command, or before one was queued: by the
   * parameter as read) fail with a stable code and the reason; only pending or sent ones.
   */
  async markFailed(
    tenantId: string,
    deviceId: string,
    target: { readonly commandId: string } | ParameterTarget,
    failure: { readonly code: string; readonly message: string },
  ): Promise<void> {
    const now = this.#deps.clock.now();
    const matches = (row: ParameterRow) =>
      'commandId' in target
        ? row.command_id === target.commandId
        : row.name === target.name &&
          Number(row.version) === target.version &&
          Number(row.pending_at) === target.pendingAt &&
          row.command_id === null;
    await this.#moveParameters(
      tenantId,
      deviceId,
      (rows) => rows.filter((row) => matches(row) && (row.status === 'pending' || row.status === 'sent')),
      {
        status: 'failed',
        failed_at: now,
        error: failure.message.slice(0, 500),
        error_code: failure.code,
        updated_at: now,
      },
    );
  }

  /**
   * Writes `set` to the current parameter rows `pick` chooses (of the locked twin), each
   * with its `twin.parameter.changed` change, in one transaction. Returns how many moved.
   */
  async #moveParameters(
    tenantId: string,
    deviceId: string,
    pick: (rows: readonly ParameterRow[]) => readonly (ParameterRow | undefined)[],
    set: ParameterSet | ((row: ParameterRow) => ParameterSet),
  ): Promise<number> {
    return writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      if ((await findLiveDevice(tx, tenantId, deviceId)) === undefined) return 0;
      // Locks the twin row, so that a concurrent desired write is ordered with this one.
      if ((await readTwin(tx, tenantId, deviceId, true)) === undefined) return 0;
      const rows = await readParameters(tx, tenantId, deviceId);
      let moved = 0;
      for (const row of pick(rows)) {
        if (row === undefined) continue;
        const change = typeof set === 'function' ? set(row) : set;
        await updateParameter(tx, row, change);
        recordParameter(record, { ...row, ...change });
        moved += 1;
      }
      return moved;
    });
  }

  /**
   * Locks (creating if needed) the twin of a live device of the tenant; with `desiredWrite`,
   * a retired device is refused (`device_retired`) before anything is written.
   */
  async #lockTwin(tx: Store, tenantId: string, deviceId: string, desiredWrite = false): Promise<TwinRow> {
    const device = await findLiveDevice(tx, tenantId, deviceId);
    if (device === undefined) throw notFound('device', deviceId);
    if (desiredWrite) refuseRetired(deviceId, device.lifecycle);
    await ensureTwin(tx, tenantId, deviceId, this.#deps.clock.now());
    const row = await readTwin(tx, tenantId, deviceId, true);
    if (row === undefined) throw new AppError('internal', `the twin of '${deviceId}' vanished`);
    return row;
  }

  /** New parameter rows for changed desired properties; superseding the unfinished ones. */
  async #trackDesired(
    tx: Store,
    tenantId: string,
    deviceId: string,
    input: {
      names: readonly string[];
      desired: TwinDocument;
      reported: TwinDocument;
      version: number;
      setBy: string;
      now: number;
      parameters: readonly ParameterRow[];
    },
  ): Promise<void> {
    const { now } = input;
    const current = currentParameters(input.parameters);
    for (const name of input.names) {
      const previous = current.get(name);
      if (previous !== undefined) {
        if (UNFINISHED.has(previous.status))
          await updateParameter(tx, previous, { status: 'superseded', superseded_at: now, updated_at: now });
        await pruneParameter(tx, tenantId, deviceId, name, Number(previous.version));
      }
      if (!Object.hasOwn(input.desired, name)) continue;
      const value = input.desired[name];
      const applied = Object.hasOwn(input.reported, name) && jsonEqual(value, input.reported[name]);
      await insertParameter(tx, {
        tenant_id: tenantId,
        device_id: deviceId,
        name,
        version: input.version,
        value: JSON.stringify(value),
        status: applied ? 'applied' : 'pending',
        attempts: 0,
        set_by: input.setBy,
        pending_at: now,
        sent_at: null,
        applied_at: applied ? now : null,
        failed_at: null,
        superseded_at: null,
        error: null,
        updated_at: now,
        command_id: null,
        error_code: null,
      });
    }
  }

  /** Applies one reported patch in `tx`; pushes its change to `entries` when it changed something. */
  async #applyReported(
    tx: Store,
    tenantId: string,
    input: ReportedInput,
    source: ReportedSource,
    now: number,
    entries: ChangeEntry[],
  ): Promise<ParsedTwin> {
    const { deviceId, patch, at } = input;
    const before = parseTwin(await this.#lockTwin(tx, tenantId, deviceId));
    const version = before.reportedVersion + 1;
    const outcome = applyPatch(before.reported, before.reportedMeta, patch, { at, version, newerWins: true });
    if (outcome.changed.length === 0) return before;
    const text = checkDocument('reported', outcome.document);
    await writeReported(tx, {
      tenant_id: tenantId,
      device_id: deviceId,
      reported: text,
      reported_meta: JSON.stringify(outcome.metadata),
      reported_version: version,
      updated_at: now,
    });
    const current = currentParameters(await readParameters(tx, tenantId, deviceId));
    for (const name of outcome.changed) {
      const row = current.get(name);
      if (row === undefined || !UNFINISHED.has(row.status) || !Object.hasOwn(before.desired, name)) continue;
      if (!Object.hasOwn(outcome.document, name)) continue;
      if (!jsonEqual(JSON.parse(row.value), outcome.document[name])) continue;
      await updateParameter(tx, row, { status: 'applied', applied_at: now, error: null, updated_at: now });
    }
    const applied: Record<string, unknown> = {};
    for (const name of outcome.changed) applied[name] = outcome.document[name] ?? null;
    entries.push({
      kind: 'twin.reported.changed',
      entityId: deviceId,
      data: { deviceId, version, source, patch: applied, reported: outcome.document },
    });
    return {
      ...before,
      reported: outcome.document,
      reportedMeta: outcome.metadata,
      reportedVersion: version,
    };
  }
}

/** Records a parameter's new state as a `twin.parameter.changed` change of its device. */
function recordParameter(record: RecordChange, row: ParameterRow): void {
  record({
    kind: 'twin.parameter.changed',
    entityId: row.device_id,
    data: { deviceId: row.device_id, name: row.name, ...presentParameter(row) },
  });
}

type ParameterSet = Parameters<typeof updateParameter>[2];

/** A parameter as it was read: its value (version) and the start of its pending period. */
export interface ParameterTarget {
  readonly name: string;
  readonly version: number;
  readonly pendingAt: number;
}

/** Stored delivery settings with the defaults filled in. */
export function parseDelivery(row: DeliveryRow | undefined): Pick<TypeTwinSettings, 'delivery' | 'downlink'> {
  if (row === undefined) return { delivery: 'mqtt', downlink: { ...DEFAULT_DOWNLINK } };
  return {
    delivery: row.delivery as TwinDelivery,
    downlink: { ...DEFAULT_DOWNLINK, ...(JSON.parse(row.downlink) as Partial<DownlinkSettings>) },
  };
}

/** A property may be in one downlink group only. */
function checkGroups(groups: readonly (readonly string[])[]): void {
  const seen = new Set<string>();
  for (const group of groups)
    for (const name of group) {
      if (seen.has(name))
        throw new AppError('validation_failed', `'${name}' is in more than one downlink group`, {
          field: 'downlink.groups',
        });
      seen.add(name);
    }
}

function decodeCursor(cursor: string): { deviceId: string; name: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string')
      return { deviceId: parsed[0], name: parsed[1] };
  } catch {
    // falls through to the refusal
  }
  throw new AppError('validation_failed', 'cursor is not one this API gave out', { field: 'cursor' });
}
