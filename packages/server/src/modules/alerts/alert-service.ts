import type { EventBus } from '../../bus/event-bus.js';
import { AppError, type Clock, type Logger, notFound, uuidv7 } from '../../kernel/index.js';
import type { Principal } from '../../kernel/principal.js';
import { lockKeys, type Store } from '../../store/store.js';
import { type RecordChange, writeWithChanges } from '../changes/index.js';
import type {
  ActionBody,
  Alert,
  AlertActor,
  AlertDetail,
  AlertEvent,
  AlertPage,
  CommentBody,
  CommentResult,
  ListAlertsQuery,
} from './alert-schemas.js';
import { alertTypeRegex } from './alert-schemas.js';
import {
  type AlertEventRow,
  type AlertRow,
  findActiveAlerts,
  findAlert,
  insertAlertEvents,
  insertAlerts,
  listAlertEvents,
  listAlerts,
  updateAlert,
} from './alert-store.js';
import {
  ALERT_ACTIONS,
  ALERT_SEVERITIES,
  type AlertAction,
  type AlertSeverity,
  type AlertState,
} from './alerts-events.js';

export interface AlertDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
}

/** An alert to raise: a device alert names its device, a fleet alert what it is about (or nothing). */
export interface RaiseAlert {
  readonly type: string;
  readonly severity: AlertSeverity;
  readonly deviceId?: string;
  /** A fleet alert's subject (a contract id, an endpoint …); alerts dedup on it. */
  readonly subject?: string;
  readonly message?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** When it occurred (default: now). */
  readonly at?: number;
  /** The platform part that raises it (`silence`, `lifecycle`, `health` …), kept in the history. */
  readonly source: string;
}

/** The active alert of a type and subject to clear. */
export interface ClearAlert {
  readonly type: string;
  readonly deviceId?: string;
  readonly subject?: string;
  readonly reason?: string;
  readonly at?: number;
  readonly source: string;
}

/** Another module's transaction: its store and the way it records changes (`writeWithChanges`). */
export interface InTransaction {
  readonly tx: Store;
  readonly record: RecordChange;
}

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();
const isoOrNull = (ms: number | string | null) => (ms === null ? null : iso(ms));

const dedupKeyOf = (input: { deviceId?: string | undefined; subject?: string | undefined }) =>
  input.deviceId !== undefined ? `d:${input.deviceId}` : `f:${input.subject ?? ''}`;
const lockKeyOf = (tenantId: string, type: string, dedupKey: string) =>
  `fleetport.alert:${tenantId}:${type}:${dedupKey}`;

function actorText(actor: AlertActor): string {
  return `${actor.kind}:${actor.id}`;
}

function parseActor(text: string | null): AlertActor | null {
  if (text === null) return null;
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon) === 'principal' ? 'principal' : 'platform';
  return { kind, id: text.slice(colon + 1) };
}

export function presentAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    type: row.type,
    severity: row.severity as AlertSeverity,
    state: row.state as AlertState,
    scope: row.device_id === null ? 'fleet' : 'device',
    deviceId: row.device_id,
    subject: row.subject,
    message: row.message,
    details: JSON.parse(row.details) as Record<string, unknown>,
    occurrences: Number(row.occurrences),
    firstAt: iso(row.first_at),
    lastAt: iso(row.last_at),
    acknowledgedAt: isoOrNull(row.acknowledged_at),
    acknowledgedBy: parseActor(row.acknowledged_by),
    clearedAt: isoOrNull(row.cleared_at),
    clearedBy: parseActor(row.cleared_by),
    version: Number(row.version),
    updatedAt: iso(row.updated_at),
  };
}

function presentEvent(row: AlertEventRow): AlertEvent {
  return {
    seq: Number(row.seq),
    action: row.action as AlertEvent['action'],
    actor: { kind: row.actor_kind as AlertActor['kind'], id: row.actor },
    text: row.text,
    at: iso(row.at),
  };
}

function checkRaise(input: RaiseAlert): void {
  if (!alertTypeRegex.test(input.type))
    throw new AppError('validation_failed', `alert type '${input.type}' is not a lower-case word`, {
      field: 'type',
    });
  if (!(ALERT_SEVERITIES as readonly string[]).includes(input.severity))
    throw new AppError('validation_failed', `unknown severity '${input.severity}'`, {
      field: 'severity',
      allowed: [...ALERT_SEVERITIES],
    });
  if (input.deviceId !== undefined && input.subject !== undefined)
    throw new AppError('validation_failed', 'an alert is about a device or a fleet subject, not both', {
      field: 'subject',
    });
}

/**
 * Alerts: raised by the platform (and later rules), deduplicated on tenant, type and
 * device (or fleet subject) while not cleared, moved open → acknowledged → cleared by
 * people or the platform, commented; every change with its change-feed entry in one
 * transaction. Other modules raise and clear inside their own transaction (`within`).
 */
export class AlertService {
  readonly #deps: AlertDeps;

  constructor(deps: AlertDeps) {
    this.#deps = deps;
  }

  /**
   * Raises alerts of one tenant: each either opens an alert or counts an occurrence of the
   * active one of its type and subject (last time, severity, message and details follow
   * the newest). Pass `within` to raise in another module's transaction.
   *
   * @example
   * await alerts.raise('acme', [{ type: 'device_silent', severity: 'major', deviceId: 'd1', source: 'silence' }]);
   */
  async raise(tenantId: string, inputs: readonly RaiseAlert[], within?: InTransaction): Promise<Alert[]> {
    if (within) return this.#raiseIn(within, tenantId, inputs);
    if (inputs.length === 0) return [];
    return writeWithChanges(this.#deps, tenantId, (tx, record) =>
      this.#raiseIn({ tx, record }, tenantId, inputs),
    );
  }

  /** Clears the active alerts of the given types and subjects (those without one are left out). */
  async clear(tenantId: string, inputs: readonly ClearAlert[], within?: InTransaction): Promise<Alert[]> {
    if (within) return this.#clearIn(within, tenantId, inputs);
    if (inputs.length === 0) return [];
    return writeWithChanges(this.#deps, tenantId, (tx, record) =>
      this.#clearIn({ tx, record }, tenantId, inputs),
    );
  }

  async #raiseIn(
    { tx, record }: InTransaction,
    tenantId: string,
    inputs: readonly RaiseAlert[],
  ): Promise<Alert[]> {
    if (inputs.length === 0) return [];
    for (const input of inputs) checkRaise(input);
    const now = this.#deps.clock.now();
    const keys = inputs.map((input) => ({ type: input.type, dedupKey: dedupKeyOf(input) }));
    // Two raises of one key serialize, so neither opens a second alert (the unique index's backstop).
    await lockKeys(tx, [...new Set(keys.map((key) => lockKeyOf(tenantId, key.type, key.dedupKey)))].sort());
    const active = await findActiveAlerts(tx, tenantId, keys);
    const created = new Map<string, AlertRow>();
    const sources = new Map<string, string>();
    const repeated = new Map<string, { before: AlertRow; after: AlertRow }>();
    inputs.forEach((input, index) => {
      const key = keys[index];
      if (key === undefined) return;
      const mapKey = `${key.type}\u0000${key.dedupKey}`;
      const at = Math.floor(input.at ?? now);
      const message = input.message ?? input.type.replaceAll('_', ' ');
      const details = JSON.stringify(input.details ?? {});
      const fresh = created.get(mapKey);
      const known = repeated.get(mapKey)?.after ?? active.get(mapKey);
      const current = fresh ?? known;
      if (current === undefined) {
        sources.set(mapKey, input.source);
        created.set(mapKey, {
          tenant_id: tenantId,
          id: `alr_${uuidv7(at).replaceAll('-', '')}`,
          type: input.type,
          severity: input.severity,
          state: 'open',
          device_id: input.deviceId ?? null,
          subject: input.deviceId === undefined ? (input.subject ?? null) : null,
          dedup_key: key.dedupKey,
          message,
          details,
          occurrences: 1,
          first_at: at,
          last_at: at,
          acknowledged_at: null,
          acknowledged_by: null,
          cleared_at: null,
          cleared_by: null,
          events: 1,
          version: 1,
          updated_at: now,
        });
        return;
      }
      const after: AlertRow = {
        ...current,
        severity: input.severity,
        message,
        details,
        occurrences: Number(current.occurrences) + 1,
        last_at: Math.max(Number(current.last_at), at),
        updated_at: now,
      };
      if (fresh) created.set(mapKey, after);
      else {
        const before = repeated.get(mapKey)?.before ?? current;
        repeated.set(mapKey, { before, after: { ...after, version: Number(before.version) + 1 } });
      }
    });
    const newRows = [...created.values()];
    await insertAlerts(tx, newRows);
    await insertAlertEvents(
      tx,
      newRows.map((row) => ({
        tenant_id: tenantId,
        alert_id: row.id,
        seq: 1,
        action: 'raised',
        actor_kind: 'platform',
        actor: sources.get(`${row.type}\u0000${row.dedup_key}`) ?? 'platform',
        text: null,
        at: Number(row.first_at),
      })),
    );
    for (const { before, after } of repeated.values()) {
      const { tenant_id: _t, id: _i, ...fields } = after;
      // Held under the key's lock, so the version cannot have moved since it was read.
      if (!(await updateAlert(tx, before, fields)))
        throw new Error(`alert ${before.id} changed under its lock`);
    }
    const presented: Alert[] = [];
    for (const row of newRows) {
      const alert = presentAlert(row);
      presented.push(alert);
      record({ kind: 'alert.raised', entityId: row.id, data: alert });
    }
    for (const { after } of repeated.values()) {
      const alert = presentAlert(after);
      presented.push(alert);
      record({ kind: 'alert.updated', entityId: after.id, data: alert });
    }
    return presented;
  }

  async #clearIn(
    { tx, record }: InTransaction,
    tenantId: string,
    inputs: readonly ClearAlert[],
  ): Promise<Alert[]> {
    if (inputs.length === 0) return [];
    const keys = inputs.map((input) => ({ type: input.type, dedupKey: dedupKeyOf(input) }));
    await lockKeys(tx, [...new Set(keys.map((key) => lockKeyOf(tenantId, key.type, key.dedupKey)))].sort());
    const active = await findActiveAlerts(tx, tenantId, keys);
    const cleared: Alert[] = [];
    const seen = new Set<string>();
    for (const [index, input] of inputs.entries()) {
      const key = keys[index];
      if (key === undefined) continue;
      const mapKey = `${key.type}\u0000${key.dedupKey}`;
      const row = active.get(mapKey);
      if (row === undefined || seen.has(mapKey)) continue;
      seen.add(mapKey);
      const alert = await this.#transition(tx, record, row, 'clear', {
        actor: { kind: 'platform', id: input.source },
        text: input.reason ?? null,
        at: Math.floor(input.at ?? this.#deps.clock.now()),
      });
      cleared.push(alert);
    }
    return cleared;
  }

  /** Moves an alert by `action` in the caller's transaction, with its history row and change. */
  async #transition(
    tx: Store,
    record: RecordChange,
    row: AlertRow,
    action: AlertAction,
    event: { readonly actor: AlertActor; readonly text: string | null; readonly at: number },
  ): Promise<Alert> {
    const allowed: readonly string[] = ALERT_ACTIONS[action];
    if (!allowed.includes(row.state)) {
      throw new AppError(
        'alert_transition_refused',
        `alert '${row.id}' is ${row.state}: it can be ${action === 'clear' ? 'cleared' : 'acknowledged'} only when ${allowed.join(' or ')}`,
        { alertId: row.id, state: row.state, action, allowedFrom: [...allowed] },
      );
    }
    const now = this.#deps.clock.now();
    const by = actorText(event.actor);
    const after: AlertRow = {
      ...row,
      ...(action === 'acknowledge'
        ? { state: 'acknowledged', acknowledged_at: event.at, acknowledged_by: by }
        : { state: 'cleared', cleared_at: event.at, cleared_by: by }),
      events: Number(row.events) + 1,
      version: Number(row.version) + 1,
      updated_at: now,
    };
    const { tenant_id: _t, id: _i, ...fields } = after;
    if (!(await updateAlert(tx, row, fields)))
      throw new AppError('precondition_failed', `alert '${row.id}' changed meanwhile; read it again`, {
        alertId: row.id,
      });
    await insertAlertEvents(tx, [
      {
        tenant_id: row.tenant_id,
        alert_id: row.id,
        seq: Number(row.events) + 1,
        action: action === 'acknowledge' ? 'acknowledged' : 'cleared',
        actor_kind: event.actor.kind,
        actor: event.actor.id,
        text: event.text,
        at: event.at,
      },
    ]);
    const alert = presentAlert(after);
    record({
      kind: action === 'acknowledge' ? 'alert.acknowledged' : 'alert.cleared',
      entityId: row.id,
      data: alert,
    });
    return alert;
  }

  /** A person's acknowledgement or clearing, audited with the key. */
  async act(principal: Principal, alertId: string, action: AlertAction, body: ActionBody): Promise<Alert> {
    const tenantId = principal.tenantId;
    return writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      const row = await this.#lockedAlert(tx, tenantId, alertId);
      return this.#transition(tx, record, row, action, {
        actor: { kind: 'principal', id: principal.keyId },
        text: body.comment ?? null,
        at: this.#deps.clock.now(),
      });
    });
  }

  async comment(principal: Principal, alertId: string, body: CommentBody): Promise<CommentResult> {
    const tenantId = principal.tenantId;
    return writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      const row = await this.#lockedAlert(tx, tenantId, alertId);
      const now = this.#deps.clock.now();
      const after: AlertRow = {
        ...row,
        events: Number(row.events) + 1,
        version: Number(row.version) + 1,
        updated_at: now,
      };
      const { tenant_id: _t, id: _i, ...fields } = after;
      if (!(await updateAlert(tx, row, fields)))
        throw new AppError('precondition_failed', `alert '${row.id}' changed meanwhile; read it again`, {
          alertId: row.id,
        });
      const eventRow: AlertEventRow = {
        tenant_id: tenantId,
        alert_id: row.id,
        seq: Number(row.events) + 1,
        action: 'commented',
        actor_kind: 'principal',
        actor: principal.keyId,
        text: body.text,
        at: now,
      };
      await insertAlertEvents(tx, [eventRow]);
      const result = { alert: presentAlert(after), comment: presentEvent(eventRow) };
      record({
        kind: 'alert.commented',
        entityId: row.id,
        data: { ...result.alert, comment: result.comment },
      });
      return result;
    });
  }

  /** The alert, read under the lock its raises take (so a raise and a transition serialize). */
  async #lockedAlert(tx: Store, tenantId: string, alertId: string): Promise<AlertRow> {
    const first = await findAlert(tx, tenantId, alertId);
    if (!first) throw notFound('alert', alertId);
    await lockKeys(tx, [lockKeyOf(tenantId, first.type, first.dedup_key)]);
    const row = await findAlert(tx, tenantId, alertId);
    if (!row) throw notFound('alert', alertId);
    return row;
  }

  async get(tenantId: string, alertId: string): Promise<AlertDetail> {
    const row = await findAlert(this.#deps.store, tenantId, alertId);
    if (!row) throw notFound('alert', alertId);
    const events = await listAlertEvents(this.#deps.store, tenantId, alertId);
    return { ...presentAlert(row), history: events.map(presentEvent) };
  }

  async list(tenantId: string, query: ListAlertsQuery): Promise<AlertPage> {
    const from = query.from === undefined ? undefined : Date.parse(query.from);
    const to = query.to === undefined ? undefined : Date.parse(query.to);
    for (const [field, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (value !== undefined && !Number.isFinite(value))
        throw new AppError('validation_failed', `${field} is not a date-time`, { field });
    }
    const rows = await listAlerts(this.#deps.store, tenantId, {
      ...(query.state === undefined
        ? {}
        : { states: query.state === 'active' ? ['open', 'acknowledged'] : [query.state] }),
      ...(query.severity === undefined ? {} : { severity: query.severity }),
      ...(query.type === undefined ? {} : { type: query.type }),
      ...(query.deviceId === undefined ? {} : { deviceId: query.deviceId }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(query.cursor === undefined ? {} : { before: query.cursor }),
      limit: query.limit,
    });
    const last = rows.at(-1);
    return {
      items: rows.map(presentAlert),
      nextCursor: rows.length === query.limit && last ? last.id : null,
    };
  }
}
