import type { ASTNode } from '@marcbachmann/cel-js';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import { guarded, type Store } from '../../store/store.js';
import { type ChangeDeps, writeWithChanges } from '../changes/index.js';
import {
  type Condition,
  type ConditionVariableProviders,
  compileCondition,
  positionOf,
  pushDown,
} from '../conditions/index.js';
import { checkDocument, checkPatch } from '../twins/index.js';
import { ownerOf } from './configuration-policy.js';
import {
  CONFIGURATION_LIMITS,
  type Configuration,
  type ConfigurationMetrics,
  type ConfigurationPage,
  type CreateConfigurationBody,
  type MetricCounts,
  type UpdateConfigurationBody,
} from './configuration-schemas.js';
import {
  type ConfigurationRow,
  countConfigurations,
  findConfiguration,
  insertConfiguration,
  insertSnapshot,
  listConfigurations,
  liveConfigurations,
  pruneSnapshots,
  readSnapshots,
  scanDeviceFacts,
  statusCounts,
  updateConfiguration,
} from './configuration-store.js';

export interface ConfigurationDeps extends ChangeDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  /** Who supplies `reported` and `desired` to conditions (twins). */
  readonly conditionVariables?: ConditionVariableProviders;
}

/** How often the scheduler snapshots every configuration's metrics, and how long snapshots are kept. */
export const SNAPSHOT_EVERY_MS = 60_000;
export const SNAPSHOT_KEEP_MS = 7 * 24 * 3_600_000;
/** The scheduler handler (and job key) of the snapshots. */
export const SNAPSHOT_JOB = 'configurations.snapshot';

const iso = (ms: number) => new Date(Number(ms)).toISOString();

export function presentConfiguration(row: ConfigurationRow): Configuration {
  return {
    id: row.id,
    name: row.name,
    target: row.target,
    priority: row.priority,
    content: JSON.parse(row.content) as Record<string, unknown>,
    labels: JSON.parse(row.labels) as Record<string, string>,
    metrics: JSON.parse(row.metrics) as Record<string, string>,
    version: Number(row.version),
    appliedVersion: Number(row.applied_version),
    status: Number(row.applied_version) >= Number(row.version) ? 'applied' : 'applying',
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** Time-dependent variables: nothing tells a configuration when time passes, so a target cannot name them. */
const TIMED = new Set(['lastSeen', 'now']);

/** The time-dependent variable that comes first in the source, if any. */
function firstTimedNode(root: ASTNode): ASTNode | undefined {
  let first: ASTNode | undefined;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...value);
    else if (value !== null && typeof value === 'object' && 'op' in value) {
      const node = value as ASTNode;
      if (node.op === 'id') {
        if (TIMED.has(node.args) && (first === undefined || node.start < first.start)) first = node;
      } else if (node.op !== 'value') stack.push(node.args);
    }
  }
  return first;
}

/** Compiles a target: any device condition that does not depend on time. */
export function compileTarget(source: string): Condition {
  const condition = compileCondition(source, 'target');
  const timed = [...condition.variables].some((variable) => TIMED.has(variable))
    ? firstTimedNode(condition.ast)
    : undefined;
  if (timed !== undefined) {
    const at = positionOf(source, timed.start);
    const name = timed.op === 'id' ? timed.args : 'time';
    throw new AppError(
      'invalid_condition',
      `target: a target cannot name ${name}: it is re-evaluated when a device changes, not as time passes (line ${at.line}, column ${at.column})`,
      { field: 'target', problem: 'unsupported', ...at },
    );
  }
  return condition;
}

function hasNull(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(hasNull);
}

/** Checks desired content: a twin patch without nulls (it sets whole properties), within the twin limits. */
function checkContent(content: unknown): void {
  checkPatch('desired', content);
  if (hasNull(content))
    throw new AppError('validation_failed', 'content cannot hold null: a configuration sets values', {
      field: 'content',
    });
  checkDocument('desired', content);
}

function checkMetrics(metrics: Readonly<Record<string, string>>): void {
  for (const [name, source] of Object.entries(metrics)) compileCondition(source, `metrics.${name}`);
}

/** What a `configuration.*` change carries: the configuration, and whether devices must be looked at again. */
export interface ConfigurationChange extends Configuration {
  readonly applies: boolean;
}

/**
 * Fleet configurations: stored with their `configuration.*` changes in one transaction;
 * the applier (`ConfigurationApplier`) follows those changes and the devices' and twins'
 * to apply them. Metrics are computed from the targets and the parameters each one set.
 */
export class ConfigurationService {
  readonly #deps: ConfigurationDeps;

  constructor(deps: ConfigurationDeps) {
    this.#deps = deps;
  }

  async create(tenantId: string, body: CreateConfigurationBody): Promise<Configuration> {
    compileTarget(body.target);
    checkContent(body.content);
    checkMetrics(body.metrics ?? {});
    const now = this.#deps.clock.now();
    const row: ConfigurationRow = {
      tenant_id: tenantId,
      id: body.id,
      name: body.name ?? body.id,
      target: body.target,
      priority: body.priority ?? 0,
      content: JSON.stringify(body.content),
      labels: JSON.stringify(body.labels ?? {}),
      metrics: JSON.stringify(body.metrics ?? {}),
      version: 1,
      applied_version: 0,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    try {
      return await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
        const existing = await findConfiguration(tx, tenantId, body.id, true);
        if (existing !== undefined)
          throw new AppError(
            'already_exists',
            existing.deleted_at === null
              ? `configuration '${body.id}' already exists`
              : `configuration '${body.id}' is being deleted; try again in a moment`,
            { kind: 'configuration', id: body.id },
          );
        if ((await countConfigurations(tx, tenantId)) >= CONFIGURATION_LIMITS.perTenant)
          throw new AppError(
            'conflict',
            `a tenant has at most ${CONFIGURATION_LIMITS.perTenant} configurations; delete one first`,
            { limit: CONFIGURATION_LIMITS.perTenant },
          );
        await insertConfiguration(tx, row);
        const configuration = presentConfiguration(row);
        record({
          kind: 'configuration.created',
          entityId: row.id,
          data: { ...configuration, applies: true } satisfies ConfigurationChange,
        });
        return configuration;
      });
    } catch (error) {
      // Two creates of one id at once: the second insert meets the key.
      if (error instanceof AppError && error.code === 'already_exists' && error.data?.kind === undefined)
        throw new AppError('already_exists', `configuration '${body.id}' already exists`, {
          kind: 'configuration',
          id: body.id,
        });
      throw error;
    }
  }

  async get(tenantId: string, id: string): Promise<Configuration> {
    const { store } = this.#deps;
    const row = await guarded(store, () => findConfiguration(store, tenantId, id));
    if (row === undefined) throw notFound('configuration', id);
    return presentConfiguration(row);
  }

  async list(
    tenantId: string,
    { limit, cursor, label }: { limit: number; cursor?: string | undefined; label?: string | undefined },
  ): Promise<ConfigurationPage> {
    const { store } = this.#deps;
    let wanted: [string, string] | undefined;
    if (label !== undefined) {
      const at = label.indexOf('=');
      wanted = [label.slice(0, at), label.slice(at + 1)];
    }
    const items: Configuration[] = [];
    let after = cursor;
    // At most 100 per tenant: a label filter reads them all at worst.
    for (;;) {
      const rows = await guarded(store, () => listConfigurations(store, tenantId, { after, limit: 100 }));
      for (const row of rows) {
        after = row.id;
        const configuration = presentConfiguration(row);
        if (wanted !== undefined && configuration.labels[wanted[0]] !== wanted[1]) continue;
        items.push(configuration);
        if (items.length === limit) return { items, nextCursor: row.id };
      }
      if (rows.length < 100) return { items, nextCursor: null };
    }
  }

  async update(
    tenantId: string,
    id: string,
    body: UpdateConfigurationBody,
    ifMatch: number | undefined,
  ): Promise<Configuration> {
    if (body.target !== undefined) compileTarget(body.target);
    if (body.content !== undefined) checkContent(body.content);
    if (body.metrics !== undefined) checkMetrics(body.metrics);
    const now = this.#deps.clock.now();
    return writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      const current = await findConfiguration(tx, tenantId, id);
      if (current === undefined) throw notFound('configuration', id);
      if (ifMatch !== undefined && ifMatch !== Number(current.version))
        throw new AppError(
          'precondition_failed',
          `configuration '${id}' is at version ${current.version}, not ${ifMatch}`,
          { version: Number(current.version) },
        );
      const set = {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.target !== undefined ? { target: body.target } : {}),
        ...(body.priority !== undefined ? { priority: body.priority } : {}),
        ...(body.content !== undefined ? { content: JSON.stringify(body.content) } : {}),
        ...(body.labels !== undefined ? { labels: JSON.stringify(body.labels) } : {}),
        ...(body.metrics !== undefined ? { metrics: JSON.stringify(body.metrics) } : {}),
        version: Number(current.version) + 1,
        updated_at: now,
      };
      await updateConfiguration(tx, tenantId, id, set);
      const next = { ...current, ...set };
      // Only what decides desired documents sends the applier over the devices again.
      const applies =
        next.target !== current.target ||
        next.priority !== current.priority ||
        next.content !== current.content;
      // Nothing to go over: what was applied stays applied.
      if (!applies && Number(current.applied_version) === Number(current.version)) {
        next.applied_version = set.version;
        await updateConfiguration(tx, tenantId, id, { applied_version: set.version });
      }
      const configuration = presentConfiguration(next);
      record({
        kind: 'configuration.updated',
        entityId: id,
        data: { ...configuration, applies } satisfies ConfigurationChange,
      });
      return configuration;
    });
  }

  /**
   * Deletes a configuration: it is gone for the API at once; the applier then takes the
   * properties it set off its devices (another configuration's value takes their place
   * where one sets them) and removes the row.
   */
  async delete(tenantId: string, id: string): Promise<void> {
    const now = this.#deps.clock.now();
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      const current = await findConfiguration(tx, tenantId, id);
      if (current === undefined) throw notFound('configuration', id);
      const version = Number(current.version) + 1;
      await updateConfiguration(tx, tenantId, id, { deleted_at: now, updated_at: now, version });
      record({
        kind: 'configuration.deleted',
        entityId: id,
        data: { id, version, applies: true },
      });
    });
  }

  /** The current metrics and the latest `history` snapshots. */
  async metrics(tenantId: string, id: string, history: number): Promise<ConfigurationMetrics> {
    const { store } = this.#deps;
    const row = await guarded(store, () => findConfiguration(store, tenantId, id));
    if (row === undefined) throw notFound('configuration', id);
    const current = await this.measure(row);
    const snapshots = await guarded(store, () => readSnapshots(store, tenantId, id, history));
    return {
      id,
      current,
      history: snapshots.map((snapshot) => JSON.parse(snapshot.metrics) as MetricCounts),
    };
  }

  /**
   * Records a snapshot of every live configuration's metrics (the scheduler runs it every
   * `SNAPSHOT_EVERY_MS`) and forgets snapshots older than `SNAPSHOT_KEEP_MS`.
   */
  async snapshotAll(): Promise<number> {
    const { store, clock } = this.#deps;
    const rows = await guarded(store, () => liveConfigurations(store));
    for (const row of rows) {
      const metrics = await this.measure(row);
      await guarded(store, () =>
        insertSnapshot(store, {
          tenant_id: row.tenant_id,
          configuration_id: row.id,
          at: Date.parse(metrics.at),
          metrics: JSON.stringify(metrics),
        }),
      );
    }
    await guarded(store, () => pruneSnapshots(store, clock.now() - SNAPSHOT_KEEP_MS));
    return rows.length;
  }

  /** Counts a configuration's devices now: straight from its targets and the parameters it set. */
  async measure(row: ConfigurationRow): Promise<MetricCounts> {
    const { store, clock } = this.#deps;
    const at = clock.now();
    const names = Object.keys(JSON.parse(row.content) as Record<string, unknown>);
    const counts = await guarded(store, () =>
      statusCounts(store, row.tenant_id, row.id, ownerOf(row.id), names),
    );
    const custom: Record<string, number> = {};
    for (const [name, source] of Object.entries(JSON.parse(row.metrics) as Record<string, string>))
      custom[name] = await this.#countMatching(
        row.tenant_id,
        row.id,
        compileCondition(source, `metrics.${name}`),
        at,
      );
    return {
      at: iso(at),
      targeted: counts.targeted,
      applied: counts.applied,
      pending: counts.pending,
      failed: counts.failed,
      overridden: counts.targeted - counts.applied - counts.pending - counts.failed,
      custom,
    };
  }

  /** The configuration's targeted devices for which `condition` holds: pushed down, then evaluated in chunks. */
  async #countMatching(
    tenantId: string,
    configurationId: string,
    condition: Condition,
    now: number,
  ): Promise<number> {
    const { store, conditionVariables } = this.#deps;
    const pushed = pushDown(condition, { dialect: store.dialect, tenantId, now });
    let count = 0;
    let after: string | undefined;
    for (;;) {
      const rows = await guarded(store, () =>
        scanDeviceFacts(store, tenantId, pushed.where, { after, limit: 1000, configurationId }),
      );
      const provided = conditionVariables
        ? await conditionVariables.load(
            condition,
            tenantId,
            rows.map((row) => row.id),
          )
        : undefined;
      for (const row of rows) {
        after = row.id;
        if (pushed.exact || condition.matches(factsOf(row, provided?.get(row.id)), now)) count++;
      }
      if (rows.length < 1000) return count;
    }
  }
}

export function factsOf(
  row: {
    id: string;
    type_id: string;
    name: string;
    tags: string;
    attributes: string;
    lifecycle: string;
    last_seen_at: number | null;
  },
  provided: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined,
) {
  return {
    id: row.id,
    typeId: row.type_id,
    name: row.name,
    tags: JSON.parse(row.tags) as Record<string, string>,
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
    lifecycle: row.lifecycle,
    lastSeenAt: row.last_seen_at,
    provided,
  };
}
