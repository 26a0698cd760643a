import { AppError, notFound, uuidv7 } from '../../kernel/index.js';
import { lockKeys, type Store } from '../../store/store.js';
import { type RecordChange, writeWithChanges } from '../changes/index.js';
import type { Scheduler } from '../scheduler/index.js';
import { LIFECYCLE_STATES, LIFECYCLE_TRANSITIONS } from './lifecycle-graph.js';
import type {
  AssignBody,
  Contract,
  CreateContractBody,
  SetSubscriptionBody,
  Subscription,
  UpdateContractBody,
} from './lifecycle-schemas.js';
import { announceTransitions, type LifecycleDeps, type LifecycleService } from './lifecycle-service.js';
import {
  type ContractRow,
  contractsOfDevices,
  countUsed,
  findContract,
  findLifecycleDevice,
  findLifecycleDevices,
  findSubscription,
  type LifecycleDeviceRow,
  listContractDevices,
  listContracts,
  type SubscriptionRow,
} from './lifecycle-store.js';

export interface ContractDeps extends LifecycleDeps {
  readonly scheduler: Scheduler;
}

export const DAY_MS = 86_400_000;
/** The states from which a contract's end moves a device (the graph's edges into out_of_contract). */
const ENDABLE = LIFECYCLE_STATES.filter((state) => LIFECYCLE_TRANSITIONS[state].includes('out_of_contract'));
const DEFAULT_WARN_DAYS = 30;
/** Devices moved per transaction when a contract ends. */
const END_CHUNK = 500;

/** The scheduler handlers of end dates and their warnings. */
export const CONTRACT_JOBS = {
  warn: 'lifecycle.contract-warn',
  end: 'lifecycle.contract-end',
  subscriptionWarn: 'lifecycle.subscription-warn',
  subscriptionEnd: 'lifecycle.subscription-end',
} as const;

const jobKey = (handler: string, tenantId: string, id: string) => `${handler}:${tenantId}:${id}`;
const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | string | null) => (ms === null ? null : iso(Number(ms)));

function presentContract(row: ContractRow, used: number): Contract {
  const tokens = Number(row.tokens);
  return {
    id: row.id,
    name: row.name,
    provider: row.provider,
    tokens,
    used,
    free: Math.max(0, tokens - used),
    lowTokens: Number(row.low_tokens),
    startsAt: iso(Number(row.starts_at)),
    endsAt: iso(Number(row.ends_at)),
    warnDays: Number(row.warn_days),
    endingWarnedAt: isoOrNull(row.ending_warned_at),
    endedAt: isoOrNull(row.ended_at),
    version: Number(row.version),
    createdAt: iso(Number(row.created_at)),
    updatedAt: iso(Number(row.updated_at)),
  };
}

function presentSubscription(row: SubscriptionRow): Subscription {
  return {
    deviceId: row.device_id,
    plan: row.plan,
    startsAt: iso(Number(row.starts_at)),
    endsAt: iso(Number(row.ends_at)),
    warnDays: Number(row.warn_days),
    endingWarnedAt: isoOrNull(row.ending_warned_at),
    endedAt: isoOrNull(row.ended_at),
    version: Number(row.version),
    createdAt: iso(Number(row.created_at)),
    updatedAt: iso(Number(row.updated_at)),
  };
}

/** Start and end as Unix ms; the end must come after the start. */
function period(startsAt: string, endsAt: string): { start: number; end: number } {
  const start = Date.parse(startsAt);
  const end = Date.parse(endsAt);
  if (!Number.isFinite(start))
    throw new AppError('validation_failed', 'startsAt is not a date-time', { field: 'startsAt' });
  if (!Number.isFinite(end))
    throw new AppError('validation_failed', 'endsAt is not a date-time', { field: 'endsAt' });
  if (end <= start) {
    throw new AppError('validation_failed', `endsAt (${endsAt}) must come after startsAt (${startsAt})`, {
      field: 'endsAt',
      startsAt,
      endsAt,
    });
  }
  return { start, end };
}

function tokensExhausted(row: ContractRow, used: number, requested: number): AppError {
  const tokens = Number(row.tokens);
  return new AppError(
    'contract_tokens_exhausted',
    `contract '${row.id}' has ${Math.max(0, tokens - used)} free token(s) of ${tokens}; ${requested} needed`,
    { contractId: row.id, tokens, used, free: Math.max(0, tokens - used), requested },
  );
}

function decodeKey(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown }).k;
    if (typeof key === 'string') return key;
  } catch {
    // fall through
  }
  throw new AppError('validation_failed', 'the cursor is not one this API returned', { field: 'cursor' });
}
const encodeKey = (key: string) => Buffer.from(JSON.stringify({ k: key })).toString('base64url');

/**
 * Network contracts (tokens, start, end) and service subscriptions (per device, with an
 * end). End dates and the warnings before them are scheduler jobs, scheduled in the write's
 * transaction, so they survive restarts and run once across processes; at the end, the
 * devices move to out_of_contract / out_of_subscription by themselves. Warnings are change
 * feed entries (`contract.ending`, `contract.tokens_low`, `subscription.ending`), each once.
 */
export class ContractService {
  readonly #deps: ContractDeps;
  readonly #lifecycle: LifecycleService;

  constructor(deps: ContractDeps, lifecycle: LifecycleService) {
    this.#deps = deps;
    this.#lifecycle = lifecycle;
    const { scheduler } = deps;
    scheduler.register(CONTRACT_JOBS.warn, (run) => this.#warnContract(run.payload));
    scheduler.register(CONTRACT_JOBS.end, (run) => this.#endContract(run.payload));
    scheduler.register(CONTRACT_JOBS.subscriptionWarn, (run) => this.#warnSubscription(run.payload));
    scheduler.register(CONTRACT_JOBS.subscriptionEnd, (run) => this.#endSubscription(run.payload));
  }

  // ---- contracts ------------------------------------------------------------------------

  async create(tenantId: string, body: CreateContractBody): Promise<Contract> {
    const { start, end } = period(body.startsAt, body.endsAt);
    const lowTokens = body.lowTokens ?? Math.floor(body.tokens / 10);
    if (lowTokens > body.tokens) {
      throw new AppError('validation_failed', 'lowTokens cannot be more than tokens', { field: 'lowTokens' });
    }
    const now = this.#deps.clock.now();
    const row: ContractRow = {
      tenant_id: tenantId,
      id: `ctr_${uuidv7(now).replaceAll('-', '')}`,
      name: body.name ?? '',
      provider: body.provider,
      tokens: body.tokens,
      low_tokens: lowTokens,
      starts_at: start,
      ends_at: end,
      warn_days: body.warnDays ?? DEFAULT_WARN_DAYS,
      ending_warned_at: null,
      low_warned_at: null,
      ended_at: null,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    const contract = presentContract(row, 0);
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      await tx.db.insertInto('network_contracts').values(row).execute();
      record({ kind: 'contract.created', entityId: row.id, data: contract });
      await this.#scheduleContract(tx, row);
    });
    return contract;
  }

  async get(tenantId: string, id: string): Promise<Contract> {
    const row = await findContract(this.#deps.store, tenantId, id);
    if (!row) throw notFound('contract', id);
    const used = await countUsed(this.#deps.store, tenantId, [id]);
    return presentContract(row, used.get(id) ?? 0);
  }

  async list(
    tenantId: string,
    { limit, cursor }: { limit: number; cursor?: string | undefined },
  ): Promise<{ items: Contract[]; nextCursor: string | null }> {
    const rows = await listContracts(this.#deps.store, tenantId, { after: decodeKey(cursor), limit });
    const used = await countUsed(
      this.#deps.store,
      tenantId,
      rows.map((row) => row.id),
    );
    const last = rows.at(-1);
    return {
      items: rows.map((row) => presentContract(row, used.get(row.id) ?? 0)),
      nextCursor: rows.length === limit && last ? encodeKey(last.id) : null,
    };
  }

  /**
   * Changes a contract. Fewer tokens than devices assigned is `contract_tokens_exhausted`;
   * a new end date moves its jobs, and a contract that ended and now ends later may end again.
   */
  async update(tenantId: string, id: string, body: UpdateContractBody, ifMatch?: number): Promise<Contract> {
    const now = this.#deps.clock.now();
    const contract = await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      await lockKeys(tx, [`fleetport.contract:${tenantId}:${id}`]);
      const current = await findContract(tx, tenantId, id);
      if (!current) throw notFound('contract', id);
      if (ifMatch !== undefined && ifMatch !== Number(current.version)) {
        throw new AppError(
          'precondition_failed',
          `contract '${id}' has changed (version ${current.version})`,
          {
            currentVersion: Number(current.version),
          },
        );
      }
      const { start, end } = period(
        body.startsAt ?? iso(Number(current.starts_at)),
        body.endsAt ?? iso(Number(current.ends_at)),
      );
      const tokens = body.tokens ?? Number(current.tokens);
      const lowTokens = body.lowTokens ?? Number(current.low_tokens);
      if (lowTokens > tokens)
        throw new AppError('validation_failed', 'lowTokens cannot be more than tokens', {
          field: 'lowTokens',
        });
      const used = (await countUsed(tx, tenantId, [id])).get(id) ?? 0;
      if (tokens < used) throw tokensExhausted({ ...current, tokens }, used, used - tokens);
      const warnDays = body.warnDays ?? Number(current.warn_days);
      const endMoved = end !== Number(current.ends_at) || warnDays !== Number(current.warn_days);
      const next: ContractRow = {
        ...current,
        name: body.name ?? current.name,
        tokens,
        low_tokens: lowTokens,
        starts_at: start,
        ends_at: end,
        warn_days: warnDays,
        // A warning or an end that the new dates put in the future is due again.
        ending_warned_at: endMoved && end - warnDays * DAY_MS > now ? null : current.ending_warned_at,
        ended_at: endMoved && end > now ? null : current.ended_at,
        version: Number(current.version) + 1,
        updated_at: now,
      };
      await tx.db
        .updateTable('network_contracts')
        .set(next)
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      const presented = presentContract(next, used);
      record({ kind: 'contract.updated', entityId: id, data: presented });
      await this.#checkLowTokens(tx, record, next, used);
      if (endMoved) await this.#scheduleContract(tx, next);
      return presented;
    });
    return contract;
  }

  /** Deletes a contract with no devices; one with devices is `conflict`. */
  async remove(tenantId: string, id: string): Promise<void> {
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      await lockKeys(tx, [`fleetport.contract:${tenantId}:${id}`]);
      if (!(await findContract(tx, tenantId, id))) throw notFound('contract', id);
      const used = (await countUsed(tx, tenantId, [id])).get(id) ?? 0;
      if (used > 0) {
        throw new AppError('conflict', `contract '${id}' still has ${used} device(s); unassign them first`, {
          used,
        });
      }
      await tx.db
        .deleteFrom('network_contracts')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      record({ kind: 'contract.deleted', entityId: id, data: { id } });
    });
    await this.#deps.scheduler.cancel(jobKey(CONTRACT_JOBS.warn, tenantId, id));
    await this.#deps.scheduler.cancel(jobKey(CONTRACT_JOBS.end, tenantId, id));
  }

  /**
   * Assigns devices to a contract, each taking a token, all or none: more devices than
   * free tokens is `contract_tokens_exhausted`, a missing device `not_found`, an ended
   * contract `conflict`. A device on another contract moves (its token there is freed).
   */
  async assign(tenantId: string, contractId: string, body: AssignBody): Promise<Contract> {
    const now = this.#deps.clock.now();
    return writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      // Concurrent assignments to one contract take turns, so they cannot overrun its tokens together.
      await lockKeys(tx, [`fleetport.contract:${tenantId}:${contractId}`]);
      const contract = await findContract(tx, tenantId, contractId);
      if (!contract) throw notFound('contract', contractId);
      if (Number(contract.ends_at) <= now) {
        throw new AppError('conflict', `contract '${contractId}' ended at ${iso(Number(contract.ends_at))}`, {
          contractId,
          endsAt: iso(Number(contract.ends_at)),
        });
      }
      const devices = await findLifecycleDevices(tx, tenantId, body.deviceIds);
      const missing = body.deviceIds.filter((id) => !devices.has(id));
      if (missing.length > 0) {
        throw new AppError(
          'not_found',
          `${missing.length} device(s) were not found, for example '${missing[0]}'; nothing was assigned`,
          { kind: 'device', missing: missing.slice(0, 100) },
        );
      }
      const current = await contractsOfDevices(tx, tenantId, body.deviceIds);
      const joining = body.deviceIds.filter((id) => current.get(id) !== contractId);
      const used = (await countUsed(tx, tenantId, [contractId])).get(contractId) ?? 0;
      if (used + joining.length > Number(contract.tokens))
        throw tokensExhausted(contract, used, joining.length);
      const leaving = joining.filter((id) => current.has(id));
      for (let start = 0; start < leaving.length; start += 500) {
        await tx.db
          .deleteFrom('contract_devices')
          .where('tenant_id', '=', tenantId)
          .where('device_id', 'in', leaving.slice(start, start + 500))
          .execute();
      }
      for (let start = 0; start < joining.length; start += 500) {
        await tx.db
          .insertInto('contract_devices')
          .values(
            joining.slice(start, start + 500).map((deviceId) => ({
              tenant_id: tenantId,
              device_id: deviceId,
              contract_id: contractId,
              assigned_at: now,
            })),
          )
          .execute();
      }
      const nowUsed = used + joining.length;
      const presented = presentContract(contract, nowUsed);
      if (joining.length > 0) {
        record({
          kind: 'contract.devices_changed',
          entityId: contractId,
          data: {
            contractId,
            assigned: joining,
            unassigned: [],
            used: nowUsed,
            free: presented.free,
            lowTokens: presented.lowTokens,
          },
        });
        const others = [...new Set(leaving.map((id) => current.get(id) ?? ''))];
        const othersUsed = await countUsed(tx, tenantId, others);
        for (const other of others) {
          const moved = leaving.filter((id) => current.get(id) === other);
          const row = await findContract(tx, tenantId, other);
          const otherUsed = othersUsed.get(other) ?? 0;
          record({
            kind: 'contract.devices_changed',
            entityId: other,
            data: {
              contractId: other,
              assigned: [],
              unassigned: moved,
              movedTo: contractId,
              ...(row
                ? {
                    used: otherUsed,
                    free: presentContract(row, otherUsed).free,
                    lowTokens: Number(row.low_tokens),
                  }
                : {}),
            },
          });
          // The tokens the move freed there re-arm its low-tokens warning (not locked: only the flag moves).
          if (row) await this.#checkLowTokens(tx, record, row, otherUsed);
        }
      }
      await this.#checkLowTokens(tx, record, contract, nowUsed);
      return presented;
    });
  }

  async unassign(tenantId: string, contractId: string, deviceId: string): Promise<Contract> {
    return writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      await lockKeys(tx, [`fleetport.contract:${tenantId}:${contractId}`]);
      const contract = await findContract(tx, tenantId, contractId);
      if (!contract) throw notFound('contract', contractId);
      const result = await tx.db
        .deleteFrom('contract_devices')
        .where('tenant_id', '=', tenantId)
        .where('contract_id', '=', contractId)
        .where('device_id', '=', deviceId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) throw notFound('device on this contract', deviceId);
      const used = (await countUsed(tx, tenantId, [contractId])).get(contractId) ?? 0;
      const presented = presentContract(contract, used);
      record({
        kind: 'contract.devices_changed',
        entityId: contractId,
        data: {
          contractId,
          assigned: [],
          unassigned: [deviceId],
          used,
          free: presented.free,
          lowTokens: presented.lowTokens,
        },
      });
      await this.#checkLowTokens(tx, record, contract, used);
      return presented;
    });
  }

  async devices(
    tenantId: string,
    contractId: string,
    { limit, cursor }: { limit: number; cursor?: string | undefined },
  ): Promise<{ items: { deviceId: string; assignedAt: string }[]; nextCursor: string | null }> {
    if (!(await findContract(this.#deps.store, tenantId, contractId))) throw notFound('contract', contractId);
    const rows = await listContractDevices(this.#deps.store, tenantId, contractId, {
      after: decodeKey(cursor),
      limit,
    });
    const last = rows.at(-1);
    return {
      items: rows.map((row) => ({ deviceId: row.device_id, assignedAt: iso(Number(row.assigned_at)) })),
      nextCursor: rows.length === limit && last ? encodeKey(last.device_id) : null,
    };
  }

  /** The low-tokens warning once when free tokens fall to the threshold; re-armed when they rise above it. */
  async #checkLowTokens(tx: Store, record: RecordChange, contract: ContractRow, used: number): Promise<void> {
    const free = Math.max(0, Number(contract.tokens) - used);
    const low = free <= Number(contract.low_tokens);
    const warned = contract.low_warned_at !== null;
    if (low === warned) return;
    const now = this.#deps.clock.now();
    await tx.db
      .updateTable('network_contracts')
      .set({ low_warned_at: low ? now : null })
      .where('tenant_id', '=', contract.tenant_id)
      .where('id', '=', contract.id)
      .execute();
    if (low) {
      record({
        kind: 'contract.tokens_low',
        entityId: contract.id,
        data: {
          contractId: contract.id,
          name: contract.name,
          provider: contract.provider,
          tokens: Number(contract.tokens),
          used,
          free,
          lowTokens: Number(contract.low_tokens),
        },
      });
    }
  }

  async #scheduleContract(tx: Store, row: ContractRow): Promise<void> {
    const payload = { tenantId: row.tenant_id, id: row.id };
    const { scheduler } = this.#deps;
    await scheduler.schedule(
      {
        key: jobKey(CONTRACT_JOBS.end, row.tenant_id, row.id),
        handler: CONTRACT_JOBS.end,
        at: Number(row.ends_at),
        payload,
      },
      tx,
    );
    // Scheduled even without a warning (0 days): the run then does nothing, and a stale job is replaced.
    await scheduler.schedule(
      {
        key: jobKey(CONTRACT_JOBS.warn, row.tenant_id, row.id),
        handler: CONTRACT_JOBS.warn,
        at: Number(row.ends_at) - Number(row.warn_days) * DAY_MS,
        payload,
      },
      tx,
    );
  }

  async #warnContract(payload: unknown): Promise<void> {
    const { tenantId, id } = payload as { tenantId: string; id: string };
    const now = this.#deps.clock.now();
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      await lockKeys(tx, [`fleetport.contract:${tenantId}:${id}`]);
      const row = await findContract(tx, tenantId, id);
      // Gone, no warning wanted, warned already, ended, or its end moved later (its job moved with it).
      if (!row || Number(row.warn_days) === 0 || row.ending_warned_at !== null || row.ended_at !== null)
        return;
      const endsAt = Number(row.ends_at);
      if (endsAt - Number(row.warn_days) * DAY_MS > now) return;
      const used = (await countUsed(tx, tenantId, [id])).get(id) ?? 0;
      await tx.db
        .updateTable('network_contracts')
        .set({ ending_warned_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      record({
        kind: 'contract.ending',
        entityId: id,
        data: {
          contractId: id,
          name: row.name,
          provider: row.provider,
          endsAt: iso(endsAt),
          daysLeft: Math.max(0, Math.ceil((endsAt - now) / DAY_MS)),
          devices: used,
        },
      });
    });
  }

  /**
   * At a contract's end its devices move to out_of_contract, a chunk per transaction; the
   * run is idempotent (a repeated run finds them moved), and `contract.ended` comes last.
   */
  async #endContract(payload: unknown): Promise<void> {
    const { tenantId, id } = payload as { tenantId: string; id: string };
    const { store, clock } = this.#deps;
    const row = await findContract(store, tenantId, id);
    if (!row || row.ended_at !== null || Number(row.ends_at) > clock.now()) return;
    const at = Number(row.ends_at);
    for (;;) {
      const transitions = await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
        const devices = await this.#devicesToEnd(tx, tenantId, id);
        const made = await this.#lifecycle.applyRule(tx, record, tenantId, devices, {
          rule: 'contract_ended',
          reason: `network contract ${id} (${row.provider}) ended at ${iso(at)}`,
          at,
        });
        return { made, read: devices.length };
      });
      announceTransitions(this.#deps.bus, tenantId, transitions.made);
      if (transitions.read < END_CHUNK) break;
    }
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      const result = await tx.db
        .updateTable('network_contracts')
        .set({ ended_at: clock.now() })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('ended_at', 'is', null)
        .where('ends_at', '=', row.ends_at)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1)
        record({ kind: 'contract.ended', entityId: id, data: { contractId: id, endedAt: iso(at) } });
    });
  }

  /** Up to END_CHUNK devices of a contract that its end still moves. */
  async #devicesToEnd(tx: Store, tenantId: string, contractId: string): Promise<LifecycleDeviceRow[]> {
    const rows = await tx.db
      .selectFrom('contract_devices as c')
      .innerJoin('devices as d', (join) =>
        join.onRef('d.tenant_id', '=', 'c.tenant_id').onRef('d.id', '=', 'c.device_id'),
      )
      .select(['d.id', 'd.type_id', 'd.lifecycle', 'd.lifecycle_at', 'd.activated_at'])
      .where('c.tenant_id', '=', tenantId)
      .where('c.contract_id', '=', contractId)
      .where('d.lifecycle', 'in', [...ENDABLE])
      .where('d.deleted_at', 'is', null)
      .orderBy('d.id')
      .limit(END_CHUNK)
      .execute();
    return rows.map((row) => ({
      ...row,
      lifecycle_at: row.lifecycle_at === null ? null : Number(row.lifecycle_at),
      activated_at: row.activated_at === null ? null : Number(row.activated_at),
    }));
  }

  // ---- subscriptions --------------------------------------------------------------------

  async subscription(tenantId: string, deviceId: string): Promise<Subscription> {
    if (!(await findLifecycleDevice(this.#deps.store, tenantId, deviceId)))
      throw notFound('device', deviceId);
    const row = await findSubscription(this.#deps.store, tenantId, deviceId);
    if (!row) throw notFound('subscription', deviceId);
    return presentSubscription(row);
  }

  /** Sets (creates or replaces) a device's subscription; a later end re-arms its warning and end. */
  async setSubscription(
    tenantId: string,
    deviceId: string,
    body: SetSubscriptionBody,
  ): Promise<Subscription> {
    const { start, end } = period(body.startsAt, body.endsAt);
    const now = this.#deps.clock.now();
    return writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      if (!(await findLifecycleDevice(tx, tenantId, deviceId))) throw notFound('device', deviceId);
      const current = await findSubscription(tx, tenantId, deviceId);
      const warnDays = body.warnDays ?? DEFAULT_WARN_DAYS;
      const row: SubscriptionRow = {
        tenant_id: tenantId,
        device_id: deviceId,
        plan: body.plan,
        starts_at: start,
        ends_at: end,
        warn_days: warnDays,
        ending_warned_at:
          current?.ending_warned_at != null && end - warnDays * DAY_MS <= now
            ? current.ending_warned_at
            : null,
        ended_at: current?.ended_at != null && end <= now ? current.ended_at : null,
        version: Number(current?.version ?? 0) + 1,
        created_at: current ? Number(current.created_at) : now,
        updated_at: now,
      };
      await tx.db
        .insertInto('service_subscriptions')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'device_id']).doUpdateSet({
            plan: row.plan,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            warn_days: row.warn_days,
            ending_warned_at: row.ending_warned_at,
            ended_at: row.ended_at,
            version: row.version,
            updated_at: row.updated_at,
          }),
        )
        .execute();
      const presented = presentSubscription(row);
      record({ kind: 'subscription.changed', entityId: deviceId, data: presented });
      const payload = { tenantId, id: deviceId };
      const { scheduler } = this.#deps;
      await scheduler.schedule(
        {
          key: jobKey(CONTRACT_JOBS.subscriptionEnd, tenantId, deviceId),
          handler: CONTRACT_JOBS.subscriptionEnd,
          at: end,
          payload,
        },
        tx,
      );
      await scheduler.schedule(
        {
          key: jobKey(CONTRACT_JOBS.subscriptionWarn, tenantId, deviceId),
          handler: CONTRACT_JOBS.subscriptionWarn,
          at: end - warnDays * DAY_MS,
          payload,
        },
        tx,
      );
      return presented;
    });
  }

  async removeSubscription(tenantId: string, deviceId: string): Promise<void> {
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      if (!(await findLifecycleDevice(tx, tenantId, deviceId))) throw notFound('device', deviceId);
      const result = await tx.db
        .deleteFrom('service_subscriptions')
        .where('tenant_id', '=', tenantId)
        .where('device_id', '=', deviceId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) throw notFound('subscription', deviceId);
      record({ kind: 'subscription.deleted', entityId: deviceId, data: { deviceId } });
    });
    await this.#deps.scheduler.cancel(jobKey(CONTRACT_JOBS.subscriptionWarn, tenantId, deviceId));
    await this.#deps.scheduler.cancel(jobKey(CONTRACT_JOBS.subscriptionEnd, tenantId, deviceId));
  }

  async #warnSubscription(payload: unknown): Promise<void> {
    const { tenantId, id: deviceId } = payload as { tenantId: string; id: string };
    const now = this.#deps.clock.now();
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      const row = await findSubscription(tx, tenantId, deviceId);
      if (!row || Number(row.warn_days) === 0 || row.ending_warned_at !== null || row.ended_at !== null)
        return;
      const endsAt = Number(row.ends_at);
      if (endsAt - Number(row.warn_days) * DAY_MS > now) return;
      const result = await tx.db
        .updateTable('service_subscriptions')
        .set({ ending_warned_at: now })
        .where('tenant_id', '=', tenantId)
        .where('device_id', '=', deviceId)
        .where('ending_warned_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return;
      record({
        kind: 'subscription.ending',
        entityId: deviceId,
        data: {
          deviceId,
          plan: row.plan,
          endsAt: iso(endsAt),
          daysLeft: Math.max(0, Math.ceil((endsAt - now) / DAY_MS)),
        },
      });
    });
  }

  async #endSubscription(payload: unknown): Promise<void> {
    const { tenantId, id: deviceId } = payload as { tenantId: string; id: string };
    const now = this.#deps.clock.now();
    const made = await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      const row = await findSubscription(tx, tenantId, deviceId);
      if (!row || row.ended_at !== null || Number(row.ends_at) > now) return [];
      const result = await tx.db
        .updateTable('service_subscriptions')
        .set({ ended_at: now })
        .where('tenant_id', '=', tenantId)
        .where('device_id', '=', deviceId)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return [];
      const at = Number(row.ends_at);
      record({
        kind: 'subscription.ended',
        entityId: deviceId,
        data: { deviceId, plan: row.plan, endedAt: iso(at) },
      });
      const device = await findLifecycleDevice(tx, tenantId, deviceId);
      if (!device) return [];
      return this.#lifecycle.applyRule(tx, record, tenantId, [device], {
        rule: 'subscription_ended',
        reason: `service subscription '${row.plan}' ended at ${iso(at)}`,
        at,
      });
    });
    announceTransitions(this.#deps.bus, tenantId, made);
  }
}
