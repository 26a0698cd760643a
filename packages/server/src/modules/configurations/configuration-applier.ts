import type { Registry } from 'prom-client';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { guarded, type Store, transact } from '../../store/store.js';
import { type CommitWithCursor, type FeedBatch, type FeedConsumer, followChanges } from '../changes/index.js';
import { type Condition, type ConditionVariableProviders, pushDown } from '../conditions/index.js';
import { findDevicesSkippingProcessing } from '../lifecycle/index.js';
import type { DesiredBatchOutcome, TwinService } from '../twins/index.js';
import { planDesired, type Ranked } from './configuration-policy.js';
import { compileTarget, factsOf } from './configuration-service.js';
import {
  addTargets,
  allConfigurations,
  countConfigurations,
  type DeviceFactsRow,
  dropTargets,
  markApplied,
  readDeviceFacts,
  removeConfiguration,
  scanDeviceFacts,
  setTargetErrors,
  targetsInRange,
  targetsOfDevices,
  targetsPage,
} from './configuration-store.js';

export interface ConfigurationApplierDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly durable?: { readonly position: number };
  readonly metrics?: Registry;
  readonly conditionVariables?: ConditionVariableProviders;
}

/** The durable feed consumer that applies configurations. */
export const APPLY_CONSUMER = 'configurations.apply';

/** Devices looked at per transaction: a few set-based statements each. */
const CHUNK = 1000;

interface Compiled extends Ranked {
  readonly version: number;
  readonly target: Condition | undefined;
  readonly deleted: boolean;
}

/** A tenant's configurations, compiled. */
class Fleet {
  readonly byId: ReadonlyMap<string, Compiled>;
  readonly live: readonly Compiled[];
  /** The provided variables (`reported`, `desired`) any live target names. */
  readonly variables: ReadonlySet<string>;

  constructor(configurations: readonly Compiled[]) {
    this.byId = new Map(configurations.map((c) => [c.id, c]));
    this.live = configurations.filter((c) => !c.deleted && c.target !== undefined);
    const variables = new Set<string>();
    for (const c of this.live) for (const v of c.target?.variables ?? []) variables.add(v);
    this.variables = variables;
  }

  ranked(ids: Iterable<string>): Ranked[] {
    const out: Ranked[] = [];
    for (const id of ids) {
      const c = this.byId.get(id);
      // One whose target no longer compiles targets nothing, so it sets nothing.
      if (c !== undefined && !c.deleted && c.target !== undefined) out.push(c);
    }
    return out;
  }
}

/**
 * Applies fleet configurations continuously, as a durable feed consumer
 * (`configurations.apply`) over the changes that can change what a device should be:
 *
 * - `configuration.*`: a rollout goes over the tenant's devices in id order, a chunk at a
 *   time (the target pushed down to SQL, the rest evaluated in process), updates the
 *   configuration's targets and writes the desired documents of the chunk's devices in one
 *   transaction of a few set-based statements; a deleted configuration's targets are
 *   dropped the same way, and then its row;
 * - `device.*`, a reported change when a target names `reported`, and a desired change
 *   not made by a configuration (a PATCH, so that a property removed by hand goes back to
 *   the configurations): the devices named are evaluated against every configuration.
 *
 * Everything it does is idempotent (targets and desired are recomputed from what is
 * stored), so it commits its work chunk by chunk and moves its cursor at the end: a crash
 * mid-rollout repeats the rollout. Its own desired writes are passed over, which also
 * means a target naming `desired` sees configurations' values only when something else
 * makes it look at the device again (no configuration can chase another in a loop).
 */
export class ConfigurationApplier {
  readonly #deps: ConfigurationApplierDeps;
  readonly #twins: TwinService;
  #consumer: FeedConsumer | undefined;

  constructor(deps: ConfigurationApplierDeps, twins: TwinService) {
    this.#deps = deps;
    this.#twins = twins;
  }

  start(): void {
    if (this.#consumer) return;
    const { store } = this.#deps;
    this.#consumer = followChanges(
      this.#deps,
      APPLY_CONSUMER,
      {
        kinds: [
          'configuration.created',
          'configuration.updated',
          'configuration.deleted',
          'device.created',
          'device.updated',
          'device.deleted',
          'device.restored',
          // Targets may name `lifecycle`: a device that moved is evaluated again.
          'device.lifecycle_changed',
          'twin.reported.changed',
          'twin.desired.changed',
        ],
        // Tenants without configurations are passed over unread.
        tenants: async (tenantId) => (await guarded(store, () => countConfigurations(store, tenantId))) > 0,
      },
      { effects: 'once', handle: (batch, commit) => this.#handle(batch, commit) },
      { start: 'latest' },
    );
  }

  /** Resolves once every change committed before the call is applied. */
  async idle(): Promise<void> {
    await this.#consumer?.caughtUp();
  }

  async close(): Promise<void> {
    await this.#consumer?.close();
  }

  async #handle(batch: FeedBatch, commit: CommitWithCursor): Promise<void> {
    const { tenantId } = batch;
    let fleet = await this.#fleet(tenantId);
    const rollouts = new Set<string>();
    const devices = new Set<string>();
    for (const change of batch.changes) {
      const data = change.data as Record<string, unknown> | undefined;
      switch (change.kind) {
        case 'configuration.created':
        case 'configuration.updated':
        case 'configuration.deleted':
          if (data?.applies !== false) rollouts.add(change.entityId);
          break;
        case 'twin.reported.changed':
          if (fleet.variables.has('reported')) devices.add(change.entityId);
          break;
        case 'twin.desired.changed':
          if (data?.source !== 'configuration') devices.add(change.entityId);
          break;
        default:
          devices.add(change.entityId);
      }
    }
    for (const id of rollouts) {
      await this.#rollout(tenantId, id, fleet);
      fleet = await this.#fleet(tenantId);
    }
    if (devices.size > 0 && fleet.byId.size > 0) {
      // A quarantined device keeps what it has until it is released (docs/LIFECYCLE.md); a
      // retired one is evaluated, since that is what takes it out of every target.
      const skipped = await findDevicesSkippingProcessing(this.#deps.store, tenantId, [...devices]);
      const ids = [...devices].filter((id) => skipped.get(id) !== 'quarantined').sort();
      for (let start = 0; start < ids.length; start += CHUNK)
        await this.#evaluateDevices(tenantId, ids.slice(start, start + CHUNK), fleet);
    }
    await commit(async () => {});
  }

  async #fleet(tenantId: string): Promise<Fleet> {
    const { store, logger } = this.#deps;
    const rows = await guarded(store, () => allConfigurations(store, tenantId));
    const compiled: Compiled[] = [];
    for (const row of rows) {
      let target: Condition | undefined;
      try {
        target = compileTarget(row.target);
      } catch (error) {
        // Checked when stored; a target the engine refuses now (an upgrade) targets nothing.
        logger.warn(
          { err: error, tenantId, configuration: row.id },
          'a configuration target no longer compiles',
        );
      }
      compiled.push({
        id: row.id,
        priority: row.priority,
        version: Number(row.version),
        createdAt: Number(row.created_at),
        content: JSON.parse(row.content) as Record<string, unknown>,
        target,
        deleted: row.deleted_at !== null,
      });
    }
    return new Fleet(compiled);
  }

  async #provided(
    tenantId: string,
    variables: ReadonlySet<string>,
    rows: readonly DeviceFactsRow[],
  ): Promise<Map<string, Record<string, Readonly<Record<string, unknown>>>> | undefined> {
    const providers = this.#deps.conditionVariables;
    if (providers === undefined || variables.size === 0 || rows.length === 0) return undefined;
    return providers.loadVariables(
      variables,
      tenantId,
      rows.map((row) => row.id),
    );
  }

  /** Evaluates the listed devices against every configuration; updates their targets and desired. */
  async #evaluateDevices(tenantId: string, ids: readonly string[], fleet: Fleet): Promise<void> {
    const { store, clock } = this.#deps;
    const now = clock.now();
    const rows = await guarded(store, () => readDeviceFacts(store, tenantId, ids));
    const provided = await this.#provided(tenantId, fleet.variables, rows);
    const matched = new Map<string, Set<string>>();
    for (const row of rows) {
      const facts = factsOf(row, provided?.get(row.id));
      const set = new Set<string>();
      for (const configuration of fleet.live)
        if (configuration.target?.matches(facts, now)) set.add(configuration.id);
      matched.set(row.id, set);
    }
    const existing = await guarded(store, () => targetsOfDevices(store, tenantId, ids));
    const adds: { configurationId: string; deviceId: string }[] = [];
    const drops: { configurationId: string; deviceId: string }[] = [];
    for (const id of ids) {
      const want = matched.get(id) ?? new Set<string>();
      const have = existing.get(id) ?? new Set<string>();
      for (const c of want) if (!have.has(c)) adds.push({ configurationId: c, deviceId: id });
      for (const c of have) if (!want.has(c)) drops.push({ configurationId: c, deviceId: id });
    }
    await this.#write(tenantId, fleet, adds, drops, matched);
  }

  /** Goes over the tenant's devices for one configuration: created, changed or deleted. */
  async #rollout(tenantId: string, id: string, fleet: Fleet): Promise<void> {
    const configuration = fleet.byId.get(id);
    if (configuration === undefined) return;
    if (configuration.deleted || configuration.target === undefined) {
      await this.#withdraw(tenantId, configuration);
      return;
    }
    const { store, clock } = this.#deps;
    const target = configuration.target;
    const pushed = pushDown(target, { dialect: store.dialect, tenantId, now: clock.now() });
    let after: string | undefined;
    for (;;) {
      const rows = await guarded(store, () =>
        scanDeviceFacts(store, tenantId, pushed.where, { after, limit: CHUNK }),
      );
      const upTo = rows.length < CHUNK ? undefined : rows.at(-1)?.id;
      const provided = await this.#provided(tenantId, fleet.variables, rows);
      const now = clock.now();
      const matching = new Set<string>();
      for (const row of rows)
        if (pushed.exact || target.matches(factsOf(row, provided?.get(row.id)), now)) matching.add(row.id);
      const before = await guarded(store, () => targetsInRange(store, tenantId, id, after, upTo));
      const leaving = before.filter((deviceId) => !matching.has(deviceId));
      const had = new Set(before);
      const affected = [...matching, ...leaving];
      const memberships = await guarded(store, () => targetsOfDevices(store, tenantId, affected));
      for (const deviceId of matching) {
        const set = memberships.get(deviceId) ?? new Set<string>();
        set.add(id);
        memberships.set(deviceId, set);
      }
      for (const deviceId of leaving) memberships.get(deviceId)?.delete(id);
      for (const deviceId of affected) if (!memberships.has(deviceId)) memberships.set(deviceId, new Set());
      await this.#write(
        tenantId,
        fleet,
        [...matching]
          .filter((deviceId) => !had.has(deviceId))
          .map((deviceId) => ({ configurationId: id, deviceId })),
        leaving.map((deviceId) => ({ configurationId: id, deviceId })),
        memberships,
      );
      if (upTo === undefined) break;
      after = upTo;
    }
    await guarded(store, () => markApplied(store, tenantId, id, configuration.version));
  }

  /** Drops a deleted configuration's targets chunk by chunk (its properties go), then its row. */
  async #withdraw(tenantId: string, configuration: Compiled): Promise<void> {
    const { store } = this.#deps;
    // Reloaded: the configuration is deleted in it, so it ranks for no device.
    const fleet = await this.#fleet(tenantId);
    for (;;) {
      const page = await guarded(store, () =>
        targetsPage(store, tenantId, configuration.id, undefined, CHUNK),
      );
      if (page.length === 0) break;
      const memberships = await guarded(store, () => targetsOfDevices(store, tenantId, page));
      for (const deviceId of page) {
        const set = memberships.get(deviceId) ?? new Set<string>();
        set.delete(configuration.id);
        memberships.set(deviceId, set);
      }
      await this.#write(
        tenantId,
        fleet,
        [],
        page.map((deviceId) => ({ configurationId: configuration.id, deviceId })),
        memberships,
      );
    }
    if (configuration.deleted)
      await guarded(store, () =>
        transact(store, async (tx) => {
          // Deleted again only if nobody recreated it meanwhile (a recreate is refused while it exists).
          const rows = await allConfigurations(tx, tenantId);
          if (rows.some((row) => row.id === configuration.id && row.deleted_at !== null))
            await removeConfiguration(tx, tenantId, configuration.id);
        }),
      );
  }

  /**
   * One transaction: the target rows added and dropped, then the desired documents of the
   * devices in `memberships` planned from the configurations that target each.
   */
  async #write(
    tenantId: string,
    fleet: Fleet,
    adds: readonly { configurationId: string; deviceId: string }[],
    drops: readonly { configurationId: string; deviceId: string }[],
    memberships: ReadonlyMap<string, ReadonlySet<string>>,
  ): Promise<void> {
    const { store, clock } = this.#deps;
    const now = clock.now();
    const deviceIds = [...memberships.keys()];
    if (deviceIds.length === 0 && adds.length === 0 && drops.length === 0) return;
    let outcome: DesiredBatchOutcome | undefined;
    await guarded(store, () =>
      transact(store, async (tx) => {
        await addTargets(tx, tenantId, adds, now);
        await dropTargets(tx, tenantId, drops);
        outcome = await this.#twins.reconcileDesired(tx, tenantId, deviceIds, (view) =>
          planDesired(view, fleet.ranked(memberships.get(view.deviceId) ?? [])),
        );
        const errors = new Map<string, string | null>();
        for (const deviceId of deviceIds)
          errors.set(deviceId, outcome.refused.get(deviceId)?.message ?? null);
        await setTargetErrors(tx, tenantId, errors);
      }),
    );
    if (outcome !== undefined) this.#twins.announceDesired(tenantId, outcome.position, outcome.entries);
  }
}
