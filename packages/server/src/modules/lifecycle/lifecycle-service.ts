import type { EventBus } from '../../bus/event-bus.js';
import { AppError, type Clock, type Logger, notFound, uuidv7 } from '../../kernel/index.js';
import type { Principal } from '../../kernel/principal.js';
import type { Store } from '../../store/store.js';
import { type RecordChange, writeWithChanges } from '../changes/index.js';
import { presentDevice } from '../devices/index.js';
import {
  AUTOMATIC_RULES,
  type AutomaticRule,
  checkTransition,
  DEFAULT_TYPE_STAGE,
  LIFECYCLE_STATES,
  LIFECYCLE_TRANSITIONS,
  type LifecycleState,
  TYPE_STAGES,
  type TypeStage,
  transitionAllowed,
} from './lifecycle-graph.js';
import type {
  Actor,
  DeviceLifecycle,
  MoveTypeBody,
  MoveTypeResult,
  SetLifecycleBody,
  Transition,
  TransitionPage,
  TypeLifecycle,
} from './lifecycle-schemas.js';
import {
  findLifecycleDevice,
  findLifecycleDevices,
  findSubscription,
  findTypeStage,
  insertTransition,
  type LifecycleDeviceRow,
  listTransitions,
  type TransitionRow,
  updateDeviceState,
  upsertTypeStage,
} from './lifecycle-store.js';

export interface LifecycleDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Tells the bus about committed transitions (a hint; the change feed has them durably). */
export function announceTransitions(
  bus: EventBus,
  tenantId: string,
  transitions: readonly Transition[],
): void {
  for (const t of transitions)
    bus.publish('device.lifecycle_changed', { tenantId, deviceId: t.deviceId, from: t.from, to: t.to });
}

export function presentTransition(row: TransitionRow): Transition {
  return {
    id: row.id,
    deviceId: row.device_id,
    from: row.from_state as LifecycleState,
    to: row.to_state as LifecycleState,
    actor: { kind: row.actor_kind as Actor['kind'], id: row.actor },
    reason: row.reason,
    at: iso(Number(row.at)),
  };
}

/** A device's newest transition, if it has any. */
export async function lastTransition(
  store: Store,
  tenantId: string,
  deviceId: string,
): Promise<Transition | undefined> {
  const [row] = await listTransitions(store, tenantId, deviceId, { limit: 1 });
  return row === undefined ? undefined : presentTransition(row);
}

/** Who makes a transition: a principal (its key), or the platform with the rule that fired. */
export type TransitionActor =
  | { readonly kind: 'principal'; readonly principal: Principal }
  | { readonly kind: 'platform'; readonly rule: AutomaticRule };

/** One transition to make inside a transaction. */
export interface TransitionInput {
  readonly device: LifecycleDeviceRow;
  readonly to: LifecycleState;
  readonly actor: TransitionActor;
  readonly reason: string;
  /** When the device entered the state (the uplink's receive time for automatic activations). */
  readonly at: number;
}

/**
 * Moves a device along the graph in the caller's transaction: compare-and-set on its
 * state, the audit row, and the `device.lifecycle_changed` change. A refused edge throws
 * `lifecycle_transition_refused`; a device whose state changed meanwhile, `precondition_failed`.
 */
export async function applyTransition(
  tx: Store,
  record: RecordChange,
  clock: Clock,
  tenantId: string,
  input: TransitionInput,
): Promise<Transition> {
  const { device, to, actor, reason, at } = input;
  const from = device.lifecycle as LifecycleState;
  checkTransition(device.id, from, to);
  const activatedAt = device.activated_at ?? (to === 'activated' ? at : null);
  const moved = await updateDeviceState(tx, tenantId, device.id, {
    from,
    to,
    at,
    activatedAt,
    now: clock.now(),
  });
  if (!moved) {
    throw new AppError(
      'precondition_failed',
      `device '${device.id}' changed its lifecycle state meanwhile; read it again`,
      { deviceId: device.id },
    );
  }
  const row = await insertTransition(tx, {
    tenant_id: tenantId,
    id: `lct_${uuidv7(at).replaceAll('-', '')}`,
    device_id: device.id,
    from_state: from,
    to_state: to,
    actor_kind: actor.kind,
    actor: actor.kind === 'principal' ? actor.principal.keyId : actor.rule,
    reason,
    at,
  });
  const transition = presentTransition(row);
  record({
    kind: 'device.lifecycle_changed',
    entityId: device.id,
    data: { ...transition, activatedAt: activatedAt === null ? null : iso(activatedAt) },
  });
  return transition;
}

/** Device lifecycle: its state and transitions, type stages, moving devices between types. */
export class LifecycleService {
  readonly #deps: LifecycleDeps;

  constructor(deps: LifecycleDeps) {
    this.#deps = deps;
  }

  /** The graph as data, as docs/LIFECYCLE.md draws it. */
  graph() {
    return {
      states: [...LIFECYCLE_STATES],
      transitions: Object.fromEntries(
        Object.entries(LIFECYCLE_TRANSITIONS).map(([state, next]) => [state, [...next]]),
      ),
      automatic: Object.entries(AUTOMATIC_RULES).map(([rule, { to, when }]) => ({ rule, to, when })),
      stages: [...TYPE_STAGES],
    };
  }

  async get(tenantId: string, deviceId: string): Promise<DeviceLifecycle> {
    const device = await findLifecycleDevice(this.#deps.store, tenantId, deviceId);
    if (!device) throw notFound('device', deviceId);
    return this.#present(tenantId, device);
  }

  /**
   * A person's transition. Asking for the state the device is in changes nothing (so a
   * retried request is harmless); an edge the graph lacks is refused, naming the allowed ones.
   */
  async set(principal: Principal, deviceId: string, body: SetLifecycleBody): Promise<DeviceLifecycle> {
    const { tenantId } = principal;
    const made = await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      const current = await findLifecycleDevice(tx, tenantId, deviceId);
      if (!current) throw notFound('device', deviceId);
      if (current.lifecycle === body.state) return [];
      return [
        await applyTransition(tx, record, this.#deps.clock, tenantId, {
          device: current,
          to: body.state,
          actor: { kind: 'principal', principal },
          reason: body.reason ?? '',
          at: this.#deps.clock.now(),
        }),
      ];
    });
    announceTransitions(this.#deps.bus, tenantId, made);
    return this.get(tenantId, deviceId);
  }

  async history(
    tenantId: string,
    deviceId: string,
    { limit, cursor }: { limit: number; cursor?: string | undefined },
  ): Promise<TransitionPage> {
    if (!(await findLifecycleDevice(this.#deps.store, tenantId, deviceId)))
      throw notFound('device', deviceId);
    const beforeSeq = cursor === undefined ? undefined : decodeSeq(cursor);
    const rows = await listTransitions(this.#deps.store, tenantId, deviceId, { beforeSeq, limit });
    const last = rows.at(-1);
    return {
      items: rows.map(presentTransition),
      nextCursor: rows.length === limit && last ? String(last.seq) : null,
    };
  }

  async typeStage(tenantId: string, typeId: string): Promise<TypeLifecycle> {
    await requireType(this.#deps.store, tenantId, typeId, 'not_found');
    const stage = (await findTypeStage(this.#deps.store, tenantId, typeId)) ?? DEFAULT_TYPE_STAGE;
    return { typeId, stage: stage as TypeStage };
  }

  async setTypeStage(tenantId: string, typeId: string, stage: TypeStage): Promise<TypeLifecycle> {
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      await requireType(tx, tenantId, typeId, 'not_found');
      await upsertTypeStage(tx, tenantId, typeId, stage, this.#deps.clock.now());
      record({ kind: 'device_type.lifecycle_changed', entityId: typeId, data: { typeId, stage } });
    });
    return { typeId, stage };
  }

  /**
   * Moves devices to another type in one transaction (test → production, say): all of
   * them or, when one is missing, none. Their lifecycle state stays; the next uplink
   * follows the new type's stage.
   */
  async moveType(tenantId: string, body: MoveTypeBody): Promise<MoveTypeResult> {
    const { clock } = this.#deps;
    const result = await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      await requireType(tx, tenantId, body.typeId, 'validation_failed');
      const devices = await findLifecycleDevices(tx, tenantId, body.deviceIds);
      const missing = body.deviceIds.filter((id) => !devices.has(id));
      if (missing.length > 0) {
        throw new AppError(
          'not_found',
          `${missing.length} device(s) were not found, for example '${missing[0]}'; nothing was moved`,
          { kind: 'device', missing: missing.slice(0, 100) },
        );
      }
      const moving = body.deviceIds.filter((id) => devices.get(id)?.type_id !== body.typeId);
      const now = clock.now();
      for (let start = 0; start < moving.length; start += 500) {
        const chunk = moving.slice(start, start + 500);
        await tx.db
          .updateTable('devices')
          .set((eb) => ({ type_id: body.typeId, version: eb('version', '+', 1), updated_at: now }))
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', chunk)
          .execute();
        const rows = await tx.db
          .selectFrom('devices')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', chunk)
          .execute();
        for (const row of rows)
          record({ kind: 'device.updated', entityId: row.id, data: presentDevice(row) });
      }
      return {
        typeId: body.typeId,
        moved: moving,
        unchanged: body.deviceIds.filter((id) => !moving.includes(id)),
      };
    });
    // A device's principal carries its type: cached authentications must be read again.
    for (const deviceId of result.moved)
      this.#deps.bus.publish('device.access_changed', { tenantId, deviceId });
    return result;
  }

  /**
   * The platform's transitions by `rule` for `devices`, in the caller's transaction. A
   * device whose state has no edge to the rule's target (a retired device whose contract
   * ends) is passed over: automatic rules never force the graph.
   */
  async applyRule(
    tx: Store,
    record: RecordChange,
    tenantId: string,
    devices: readonly LifecycleDeviceRow[],
    {
      rule,
      reason,
      at,
      to = AUTOMATIC_RULES[rule].to,
    }: {
      rule: AutomaticRule;
      reason: string;
      at: number;
      /** Another target than the rule's (a release goes back to the state the device left). */
      to?: LifecycleState;
    },
  ): Promise<Transition[]> {
    const made: Transition[] = [];
    for (const device of devices) {
      if (!transitionAllowed(device.lifecycle as LifecycleState, to)) continue;
      made.push(
        await applyTransition(tx, record, this.#deps.clock, tenantId, {
          device,
          to,
          actor: { kind: 'platform', rule },
          reason,
          at,
        }),
      );
    }
    return made;
  }

  async #present(tenantId: string, device: LifecycleDeviceRow): Promise<DeviceLifecycle> {
    const store = this.#deps.store;
    const [contract, subscription] = await Promise.all([
      store.db
        .selectFrom('contract_devices')
        .select('contract_id')
        .where('tenant_id', '=', tenantId)
        .where('device_id', '=', device.id)
        .executeTakeFirst(),
      findSubscription(store, tenantId, device.id),
    ]);
    const state = device.lifecycle as LifecycleState;
    return {
      deviceId: device.id,
      typeId: device.type_id,
      state,
      since: device.lifecycle_at === null ? null : iso(device.lifecycle_at),
      activatedAt: device.activated_at === null ? null : iso(device.activated_at),
      allowed: [...LIFECYCLE_TRANSITIONS[state]],
      contractId: contract?.contract_id ?? null,
      subscription: subscription
        ? {
            plan: subscription.plan,
            startsAt: iso(Number(subscription.starts_at)),
            endsAt: iso(Number(subscription.ends_at)),
          }
        : null,
    };
  }
}

function decodeSeq(cursor: string): number {
  if (/^\d{1,15}$/.test(cursor)) return Number(cursor);
  throw new AppError('validation_failed', 'the cursor is not one this API returned', { field: 'cursor' });
}

/** The device type must exist in the tenant: 404 for a path's type, 400 for a body's. */
export async function requireType(
  store: Store,
  tenantId: string,
  typeId: string,
  code: 'not_found' | 'validation_failed',
): Promise<void> {
  const row = await store.db
    .selectFrom('device_types')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', typeId)
    .executeTakeFirst();
  if (row) return;
  if (code === 'not_found') throw notFound('device type', typeId);
  throw new AppError('validation_failed', `device type '${typeId}' does not exist`, {
    field: 'typeId',
    typeId,
  });
}
