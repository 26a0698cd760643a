import type { Insertable } from 'kysely';
import { Counter } from 'prom-client';
import { notFound } from '../../kernel/index.js';
import type { DeviceSilenceTable } from '../../store/schema.js';
import { lockKeys, type Store } from '../../store/store.js';
import {
  appendChanges,
  type ChangeEntry,
  type CommitWithCursor,
  type FeedBatch,
  type FeedConsumer,
  type FeedConsumerDeps,
  followChanges,
  type RecordChange,
  writeWithChanges,
} from '../changes/index.js';
import type { Scheduler } from '../scheduler/index.js';
import type { AlertService, ClearAlert, RaiseAlert } from './alert-service.js';
import { PLATFORM_ALERT_TYPES } from './alerts-events.js';
import { SilenceClock } from './silence-clock.js';
import type { DeviceSilence } from './silence-schemas.js';
import {
  deleteSilence,
  findDue,
  loadSilenceTargets,
  receivedByDevice,
  type SilenceTarget,
  upsertSilence,
} from './silence-store.js';

/** The feed consumer that moves due times with uplinks; its cursors are stored under this name. */
export const SILENCE_CONSUMER = 'alerts.silence';
/** The scheduler job (and handler) of the silence scan. */
export const SILENCE_SCAN_JOB = 'alerts.silence-scan';

const SOURCE = 'silence';
const TYPE = PLATFORM_ALERT_TYPES.deviceSilent;
const SCAN_CHUNK = 1000;

export interface SilenceDeps extends FeedConsumerDeps {
  readonly scheduler: Scheduler;
}

export interface SilenceOptions {
  /** Silent after this many expected intervals without an uplink. */
  readonly silentAfterIntervals: number;
  /** How often the scan runs. */
  readonly scanMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const lockOf = (tenantId: string) => `fleetport.silence:${tenantId}`;

/** The interval a device is expected to speak at: its own, else its type's; none: not watched. */
const intervalOf = (target: SilenceTarget) => target.intervalS ?? target.typeIntervalS;

/**
 * Silent devices (docs/ALERTS.md). A device is watched from its first uplink: its row in
 * `device_silence` holds when it becomes silent at the earliest (`due_at`, on the silence
 * clock). A durable feed consumer of `message.created` writes it only when an uplink
 * changes the watch (a device first heard, a silent one speaking) — capture itself writes
 * nothing more. A scheduler job reads only the rows that are due (an index range), checks
 * each against capture's own last-seen time, moves the due time of a device that spoke
 * since, and raises `device_silent` for the others; the device's next uplink clears it.
 * Consumer and scan of a tenant serialize on a lock.
 */
export class SilenceWatch {
  readonly #deps: SilenceDeps;
  readonly #alerts: AlertService;
  readonly #options: SilenceOptions;
  readonly #scans: Counter | undefined;
  #clock: SilenceClock | undefined;
  #consumer: FeedConsumer | undefined;
  #opened: () => void = () => {};
  /** Settles once the clock is open: a request that comes before waits for it. */
  readonly #ready = new Promise<void>((resolve) => {
    this.#opened = resolve;
  });

  constructor(deps: SilenceDeps, alerts: AlertService, options: SilenceOptions) {
    this.#deps = deps;
    this.#alerts = alerts;
    this.#options = options;
    this.#scans = deps.metrics
      ? new Counter({
          name: 'fleetport_silence_scans_total',
          help: 'Scans for silent devices completed by this process',
          registers: [deps.metrics],
        })
      : undefined;
  }

  /**
   * Records the downtime that ends with this start (before anything reads the clock),
   * follows uplinks and schedules the scan.
   */
  async start(options: { readonly pollMs?: number; readonly follow?: boolean } = {}): Promise<void> {
    const { store, clock, scheduler } = this.#deps;
    this.#clock = await SilenceClock.open(store, clock.now());
    this.#opened();
    if (options.follow !== false && !this.#consumer) {
      this.#consumer = followChanges(
        this.#deps,
        SILENCE_CONSUMER,
        { kinds: ['message.created'] },
        { effects: 'once', handle: (batch, commit) => this.#handle(batch, commit) },
        {
          start: 'latest',
          batchSize: 1000,
          gatherMs: 50,
          ...(options.pollMs ? { pollMs: options.pollMs } : {}),
        },
      );
    }
    scheduler.register(SILENCE_SCAN_JOB, async () => {
      await this.scan();
    });
    await scheduler.schedule({
      key: SILENCE_SCAN_JOB,
      handler: SILENCE_SCAN_JOB,
      everyMs: this.#options.scanMs,
    });
  }

  /** Resolves once every uplink captured before the call moved its device's due time. */
  async idle(): Promise<void> {
    await this.#consumer?.caughtUp();
  }

  /** Stops following; a last sign of life, so that the downtime starts now. */
  async close(): Promise<void> {
    await this.#consumer?.close();
    await this.#clock?.beat(this.#deps.store, this.#deps.clock.now()).catch(() => {});
  }

  get #silence(): SilenceClock {
    if (!this.#clock) throw new Error('SilenceWatch.start() has not run');
    return this.#clock;
  }

  #windowMs(intervalS: number): number {
    return intervalS * 1000 * this.#options.silentAfterIntervals;
  }

  /** When a device last seen at `lastSeenAt` becomes silent, on the silence clock (null: not watched). */
  #dueOf(target: SilenceTarget, lastSeenAt: number | null): number | null {
    const interval = intervalOf(target);
    if (interval === null || lastSeenAt === null || target.lifecycle === 'retired') return null;
    return this.#silence.aliveTime(lastSeenAt) + this.#windowMs(interval);
  }

  /**
   * Decides a device's watch row after `lastSeenAt`; clears its alert when it is no
   * longer silent. Undefined: nothing to store.
   */
  #decide(
    target: SilenceTarget,
    lastSeenAt: number | null,
    aliveNow: number,
    clears: ClearAlert[],
  ): Insertable<DeviceSilenceTable> | undefined {
    const due = this.#dueOf(target, lastSeenAt);
    if (!target.watched && due === null && target.intervalS === null) return undefined;
    let silentSince = target.silentSince;
    if (silentSince !== null && (due === null || due > aliveNow)) {
      clears.push({
        type: TYPE,
        deviceId: target.deviceId,
        source: SOURCE,
        reason: due === null ? 'no longer watched' : `uplink at ${iso(lastSeenAt ?? 0)}`,
      });
      silentSince = null;
    }
    return {
      tenant_id: '',
      device_id: target.deviceId,
      last_seen_at: lastSeenAt,
      // A device flagged silent is not looked at again until it speaks.
      due_at: silentSince === null ? due : null,
      silent_since: silentSince,
      interval_s: target.intervalS,
    };
  }

  /**
   * Whether an uplink at `lastSeenAt` changes what the scan needs to know: a device first
   * heard (watched from now), a silent one speaking (cleared), or a due time the scan cannot
   * see (none stored) that now has one. A watched device's due time is otherwise left to
   * go stale: the scan checks capture's last-seen time before raising and moves it then,
   * once per silence window at most, instead of a write per batch of uplinks here.
   */
  #changesWatch(target: SilenceTarget, lastSeenAt: number): boolean {
    if (target.silentSince !== null) return true;
    const due = this.#dueOf(target, lastSeenAt);
    return due !== null && (!target.watched || target.dueAt === null);
  }

  async #handle(batch: FeedBatch, commit: CommitWithCursor): Promise<void> {
    const { tenantId } = batch;
    const seen = await receivedByDevice(
      this.#deps.store,
      tenantId,
      batch.changes.map((change) => change.entityId),
    );
    const lastOf = (target: SilenceTarget) =>
      Math.max(target.lastSeenAt ?? 0, target.capturedAt ?? 0, seen.get(target.deviceId) ?? 0);
    // Read outside the transaction first: most batches change no watch, and then commit
    // nothing (their cursor is saved with the lease), holding no write lock.
    const candidates = (await loadSilenceTargets(this.#deps.store, tenantId, [...seen.keys()]))
      .filter((target) => this.#changesWatch(target, lastOf(target)))
      .map((target) => target.deviceId);
    if (candidates.length === 0) return;
    let position = 0;
    await commit(async (tx) => {
      const entries: ChangeEntry[] = [];
      await lockKeys(tx, [lockOf(tenantId)]);
      const targets = await loadSilenceTargets(tx, tenantId, candidates);
      const aliveNow = this.#silence.aliveTime(this.#deps.clock.now());
      const clears: ClearAlert[] = [];
      const rows: Insertable<DeviceSilenceTable>[] = [];
      for (const target of targets) {
        const last = lastOf(target);
        if (!this.#changesWatch(target, last)) continue;
        const row = this.#decide(target, last, aliveNow, clears);
        if (row) rows.push({ ...row, tenant_id: tenantId });
      }
      await upsertSilence(tx, rows);
      await this.#alerts.clear(tenantId, clears, { tx, record: (entry) => void entries.push(entry) });
      position = entries.length > 0 ? await appendChanges(tx, tenantId, entries, this.#deps.clock.now()) : 0;
    });
    if (position > 0) this.#deps.bus.publish('changes.committed', { tenantId, position });
  }

  /**
   * Raises `device_silent` for every watched device whose due time passed, reading only
   * those (oldest due first, a chunk per transaction and tenant). Returns how many it raised.
   */
  async scan(): Promise<number> {
    const { store, clock } = this.#deps;
    await this.#silence.beat(store, clock.now());
    let raised = 0;
    for (;;) {
      const aliveNow = this.#silence.aliveTime(clock.now());
      const due = await findDue(store, aliveNow, SCAN_CHUNK);
      const byTenant = new Map<string, string[]>();
      for (const { tenantId, deviceId } of due)
        byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), deviceId]);
      for (const [tenantId, deviceIds] of byTenant) {
        raised += await writeWithChanges(this.#deps, tenantId, (tx, record) =>
          this.#scanTenant(tx, record, tenantId, deviceIds, aliveNow),
        );
      }
      if (due.length < SCAN_CHUNK) break;
    }
    this.#scans?.inc();
    return raised;
  }

  async #scanTenant(
    tx: Store,
    record: RecordChange,
    tenantId: string,
    deviceIds: readonly string[],
    aliveNow: number,
  ): Promise<number> {
    await lockKeys(tx, [lockOf(tenantId)]);
    const now = this.#deps.clock.now();
    const targets = await loadSilenceTargets(tx, tenantId, deviceIds);
    const live = new Set(targets.map((target) => target.deviceId));
    await deleteSilence(
      tx,
      tenantId,
      deviceIds.filter((id) => !live.has(id)),
    );
    const rows: Insertable<DeviceSilenceTable>[] = [];
    const raises: RaiseAlert[] = [];
    const clears: ClearAlert[] = [];
    for (const target of targets) {
      // Capture's own last-seen time: an uplink the consumer has not reached yet still counts.
      const last = Math.max(target.lastSeenAt ?? 0, target.capturedAt ?? 0) || null;
      const due = this.#dueOf(target, last);
      // Moved meanwhile (an uplink, an override): another scan will look at it when due.
      if (target.dueAt === null || target.dueAt > aliveNow || target.silentSince !== null) continue;
      const interval = intervalOf(target);
      if (due === null || due > aliveNow || interval === null) {
        const row = this.#decide(target, last, aliveNow, clears);
        if (row) rows.push({ ...row, tenant_id: tenantId });
        continue;
      }
      rows.push({
        tenant_id: tenantId,
        device_id: target.deviceId,
        last_seen_at: last,
        due_at: null,
        silent_since: now,
        interval_s: target.intervalS,
      });
      raises.push({
        type: TYPE,
        severity: 'major',
        deviceId: target.deviceId,
        source: SOURCE,
        at: now,
        message: `no uplink since ${iso(last ?? 0)} (${this.#options.silentAfterIntervals} × ${interval} s)`,
        details: {
          lastSeenAt: iso(last ?? 0),
          expectedIntervalSeconds: interval,
          silentAfterSeconds: interval * this.#options.silentAfterIntervals,
        },
      });
    }
    await upsertSilence(tx, rows);
    await this.#alerts.clear(tenantId, clears, { tx, record });
    await this.#alerts.raise(tenantId, raises, { tx, record });
    return raises.length;
  }

  /** A device's silence: its interval and override, when it was last seen, when it is due. */
  async get(tenantId: string, deviceId: string): Promise<DeviceSilence> {
    await this.#ready;
    const [target] = await loadSilenceTargets(this.#deps.store, tenantId, [deviceId]);
    if (!target) throw notFound('device', deviceId);
    return this.#present(target);
  }

  /** Sets or removes (null) a device's own expected interval; its due time follows at once. */
  async setInterval(tenantId: string, deviceId: string, intervalS: number | null): Promise<DeviceSilence> {
    await this.#ready;
    return writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      await lockKeys(tx, [lockOf(tenantId)]);
      const [target] = await loadSilenceTargets(tx, tenantId, [deviceId]);
      if (!target) throw notFound('device', deviceId);
      const changed: SilenceTarget = { ...target, intervalS };
      const last = Math.max(target.lastSeenAt ?? 0, target.capturedAt ?? 0) || null;
      const clears: ClearAlert[] = [];
      const aliveNow = this.#silence.aliveTime(this.#deps.clock.now());
      const row = this.#decide({ ...changed, watched: true }, last, aliveNow, clears);
      if (row) await upsertSilence(tx, [{ ...row, tenant_id: tenantId }]);
      await this.#alerts.clear(tenantId, clears, { tx, record });
      const [after] = await loadSilenceTargets(tx, tenantId, [deviceId]);
      return this.#present(after ?? changed);
    });
  }

  #present(target: SilenceTarget): DeviceSilence {
    const interval = intervalOf(target);
    const last = Math.max(target.lastSeenAt ?? 0, target.capturedAt ?? 0) || null;
    // From the last uplink, not the stored due time, which may be stale (`#changesWatch`).
    const due = target.watched && target.silentSince === null ? this.#dueOf(target, last) : null;
    return {
      deviceId: target.deviceId,
      expectedIntervalSeconds: interval,
      intervalOverrideSeconds: target.intervalS,
      silentAfterSeconds: interval === null ? null : interval * this.#options.silentAfterIntervals,
      lastSeenAt: last === null ? null : iso(last),
      dueAt: due === null ? null : iso(this.#silence.wallTime(due)),
      silent: target.silentSince !== null,
      silentSince: target.silentSince === null ? null : iso(target.silentSince),
    };
  }
}
