import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { prefixedId } from '../../kernel/ids.js';
import type { Logger } from '../../kernel/logger.js';
import { guarded, type Store, transact } from '../../store/store.js';
import { type AlertService, PLATFORM_ALERT_TYPES } from '../alerts/index.js';
import {
  appendChanges,
  type ChangeExpander,
  type ChangeKind,
  latestPosition,
  positionBefore,
  readFeed,
  writeWithChanges,
} from '../changes/index.js';
import { compileEventCondition } from '../conditions/index.js';
import type { Scheduler } from '../scheduler/index.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';
import { type DeliveryEvent, endpointWants, envelopeOf, messageIdOf } from './webhook-envelope.js';
import type {
  Attempt,
  CreateEndpointBody,
  Delivery,
  DeliveryListQuery,
  DeliveryPage,
  DeliveryWithAttempts,
  Endpoint,
  EndpointPage,
  EndpointWithSecret,
  ListQuery,
  ReplayBody,
  ReplayResult,
  TestSendBody,
  UpdateEndpointBody,
  WebhookSettings,
} from './webhook-schemas.js';
import { newWebhookSecret } from './webhook-signature.js';
import {
  type AttemptRow,
  type DeliveryRow,
  deleteEndpoint,
  dueNow,
  type EndpointRow,
  findDelivery,
  findEndpoint,
  insertEndpoint,
  listAttempts,
  listDeliveries,
  listEndpoints,
  type NewDelivery,
  readAllowPrivate,
  updateEndpoint,
  writeAllowPrivate,
} from './webhook-store.js';
import { checkTarget, parseTargetUrl } from './webhook-target.js';

export interface WebhookDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  /** Fills in changes stored without data (the messages module's), for envelopes and filters. */
  readonly expandChanges?: ChangeExpander;
  readonly durable?: { readonly position: number };
  /** The scheduler that runs the webhooks' dispatch jobs. */
  readonly scheduler: Scheduler;
  /** Raises an alert when an endpoint is disabled for failing, clears it when enabled again. */
  readonly alerts?: Pick<AlertService, 'raise' | 'clear'>;
}

/** The alert type of an endpoint the server disabled (a fleet alert, its subject the endpoint id). */
export const ENDPOINT_DISABLED_ALERT = PLATFORM_ALERT_TYPES.webhookEndpointDisabled;

/** Changes one replay call queues at most; `nextCursor` continues. */
export const REPLAY_LIMIT = 10_000;

const iso = (ms: number) => new Date(ms).toISOString();

export function presentEndpoint(row: EndpointRow, now: number): Endpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: JSON.parse(row.event_types) as string[],
    filter: row.filter,
    ordered: Number(row.ordered) === 1,
    enabled: Number(row.enabled) === 1,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since === null ? null : iso(Number(row.failing_since)),
    breakerOpenUntil: Number(row.breaker_until) > now ? iso(Number(row.breaker_until)) : null,
    rotating:
      row.previous_secret !== null &&
      row.previous_secret_until !== null &&
      Number(row.previous_secret_until) > now,
    createdAt: iso(Number(row.created_at)),
    updatedAt: iso(Number(row.updated_at)),
  };
}

export function presentDelivery(row: DeliveryRow): Delivery {
  return {
    id: String(row.seq),
    webhookId: row.endpoint_id,
    messageId: row.message_id,
    eventType: row.event_type,
    cursor: String(row.position),
    origin: row.origin as Delivery['origin'],
    status: row.status as Delivery['status'],
    attempts: Number(row.attempts),
    nextAttemptAt: row.status === 'pending' ? iso(Number(row.next_attempt_at)) : null,
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
    createdAt: iso(Number(row.created_at)),
    updatedAt: iso(Number(row.updated_at)),
  };
}

function presentAttempt(row: AttemptRow): Attempt {
  return {
    requestId: row.request_id,
    attempt: Number(row.attempt),
    url: row.url,
    responseStatus: row.response_status === null ? null : Number(row.response_status),
    responseBody: row.response_body,
    durationMs: Number(row.duration_ms),
    error: row.error,
    at: iso(Number(row.at)),
  };
}

function checkFilter(filter: string | null | undefined): void {
  if (filter !== undefined && filter !== null) compileEventCondition(filter, 'filter');
}

/**
 * Webhook endpoints of a tenant, their delivery log, manual retries, replays and test sends.
 * Delivery itself is the dispatcher's (`WebhookDispatcher`).
 */
export class WebhookService {
  readonly #deps: WebhookDeps;
  readonly #dispatcher: WebhookDispatcher;

  constructor(deps: WebhookDeps, dispatcher: WebhookDispatcher) {
    this.#deps = deps;
    this.#dispatcher = dispatcher;
  }

  /** Creates an endpoint; its secret is in the answer and nowhere else. */
  async create(tenantId: string, body: CreateEndpointBody): Promise<EndpointWithSecret> {
    const { clock } = this.#deps;
    const url = parseTargetUrl(body.url);
    checkFilter(body.filter);
    await checkTarget(url, await this.allowsPrivate(tenantId));
    const now = clock.now();
    const secret = newWebhookSecret();
    const id = prefixedId('wh', 12);
    const row: EndpointRow = {
      tenant_id: tenantId,
      id,
      url: url.href,
      description: body.description ?? '',
      event_types: JSON.stringify(body.eventTypes ?? []),
      filter: body.filter ?? null,
      ordered: body.ordered === true ? 1 : 0,
      enabled: body.enabled === false ? 0 : 1,
      disabled_reason: body.enabled === false ? 'manual' : null,
      secret,
      previous_secret: null,
      previous_secret_until: null,
      start_after: 0,
      consecutive_failures: 0,
      breaker_until: 0,
      failing_since: null,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    const endpoint = presentEndpoint(row, now);
    const { store, bus } = this.#deps;
    // Not writeWithChanges: the endpoint starts after its own change, so it needs the position.
    const position = await guarded(store, () =>
      transact(store, async (tx) => {
        await insertEndpoint(tx, row);
        const taken = await appendChanges(
          tx,
          tenantId,
          [{ kind: 'webhook_endpoint.created', entityId: id, data: endpoint }],
          now,
        );
        await updateEndpoint(tx, tenantId, id, { start_after: taken });
        return taken;
      }),
    );
    bus.publish('changes.committed', { tenantId, position });
    return { endpoint, secret };
  }

  async get(tenantId: string, id: string): Promise<Endpoint> {
    return presentEndpoint(await this.#endpoint(tenantId, id), this.#deps.clock.now());
  }

  async list(tenantId: string, query: ListQuery): Promise<EndpointPage> {
    const rows = await listEndpoints(this.#deps.store, tenantId, {
      limit: query.limit + 1,
      after: query.cursor,
    });
    const now = this.#deps.clock.now();
    const items = rows.slice(0, query.limit).map((row) => presentEndpoint(row, now));
    return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
  }

  async update(tenantId: string, id: string, body: UpdateEndpointBody): Promise<Endpoint> {
    const current = await this.#endpoint(tenantId, id);
    const url = body.url === undefined ? undefined : parseTargetUrl(body.url);
    checkFilter(body.filter);
    if (url !== undefined) await checkTarget(url, await this.allowsPrivate(tenantId));
    const now = this.#deps.clock.now();
    const enabling = body.enabled === true && Number(current.enabled) === 0;
    const set: Partial<EndpointRow> = {
      ...(url === undefined ? {} : { url: url.href }),
      ...(body.description === undefined ? {} : { description: body.description }),
      ...(body.eventTypes === undefined ? {} : { event_types: JSON.stringify(body.eventTypes) }),
      ...(body.filter === undefined ? {} : { filter: body.filter }),
      ...(body.ordered === undefined ? {} : { ordered: body.ordered ? 1 : 0 }),
      ...(body.enabled === false ? { enabled: 0, disabled_reason: 'manual' } : {}),
      // Enabled again: a fresh start, its waiting deliveries go out at once.
      ...(enabling
        ? {
            enabled: 1,
            disabled_reason: null,
            failing_since: null,
            consecutive_failures: 0,
            breaker_until: 0,
          }
        : {}),
      updated_at: now,
    };
    const updated = await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      if (!(await updateEndpoint(tx, tenantId, id, set, Number(current.version)))) {
        throw new AppError('conflict', `webhook '${id}' changed meanwhile; try again`, { id });
      }
      const row = await findEndpoint(tx, tenantId, id);
      if (row === undefined) throw notFound('webhook', id);
      const endpoint = presentEndpoint(row, now);
      record({ kind: 'webhook_endpoint.updated', entityId: id, data: endpoint });
      if (enabling) await dueNow(tx, id, now);
      if (enabling && current.disabled_reason === 'failing') {
        await this.#deps.alerts?.clear(
          tenantId,
          [{ type: ENDPOINT_DISABLED_ALERT, subject: id, reason: 'enabled again', source: 'webhooks' }],
          { tx, record },
        );
      }
      return endpoint;
    });
    if (updated.enabled) await this.#dispatcher.wake(tenantId, id);
    return updated;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      if (!(await deleteEndpoint(tx, tenantId, id))) throw notFound('webhook', id);
      record({ kind: 'webhook_endpoint.deleted', entityId: id, data: { id } });
    });
    await this.#dispatcher.forget(tenantId, id);
  }

  /**
   * A new signing secret; the previous one stays valid (and signed with) for
   * `previousValidHours`, so receivers can switch over without refusing anything.
   */
  async rotateSecret(tenantId: string, id: string, previousValidHours = 24): Promise<EndpointWithSecret> {
    const current = await this.#endpoint(tenantId, id);
    const now = this.#deps.clock.now();
    const secret = newWebhookSecret();
    const set: Partial<EndpointRow> = {
      secret,
      previous_secret: previousValidHours > 0 ? current.secret : null,
      previous_secret_until: previousValidHours > 0 ? now + previousValidHours * 3_600_000 : null,
      updated_at: now,
    };
    const endpoint = await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      if (!(await updateEndpoint(tx, tenantId, id, set, Number(current.version)))) {
        throw new AppError('conflict', `webhook '${id}' changed meanwhile; try again`, { id });
      }
      const presented = presentEndpoint({ ...current, ...set } as EndpointRow, now);
      record({ kind: 'webhook_endpoint.updated', entityId: id, data: presented });
      return presented;
    });
    return { endpoint, secret };
  }

  async deliveries(tenantId: string, id: string, query: DeliveryListQuery): Promise<DeliveryPage> {
    await this.#endpoint(tenantId, id);
    const before = query.cursor === undefined ? undefined : Number(query.cursor);
    if (before !== undefined && !Number.isSafeInteger(before)) {
      throw new AppError('validation_failed', 'cursor is not a delivery cursor', { field: 'cursor' });
    }
    const rows = await listDeliveries(this.#deps.store, tenantId, id, {
      limit: query.limit + 1,
      before,
      status: query.status,
    });
    const items = rows.slice(0, query.limit).map(presentDelivery);
    return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
  }

  async delivery(tenantId: string, id: string, deliveryId: string): Promise<DeliveryWithAttempts> {
    const row = await this.#delivery(tenantId, id, deliveryId);
    const attempts = await listAttempts(this.#deps.store, tenantId, Number(row.seq));
    return { delivery: presentDelivery(row), attempts: attempts.map(presentAttempt) };
  }

  /**
   * Sends a delivery again: a new delivery with the same message id and body, at the end
   * of the endpoint's queue, with a fresh retry period (the original keeps its log).
   */
  async retry(tenantId: string, id: string, deliveryId: string): Promise<Delivery> {
    const endpoint = await this.#endpoint(tenantId, id);
    const original = await this.#delivery(tenantId, id, deliveryId);
    const now = this.#deps.clock.now();
    const row: NewDelivery = {
      tenant_id: tenantId,
      endpoint_id: id,
      message_id: original.message_id,
      position: original.position,
      event_type: original.event_type,
      body: original.body,
      origin: 'retry',
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      lease_until: 0,
      last_status: null,
      last_error: null,
      created_at: now,
      updated_at: now,
    };
    const [seq] = await this.#dispatcher.enqueue(endpoint, [row]);
    return presentDelivery(await this.#delivery(tenantId, id, String(seq)));
  }

  /**
   * Queues the tenant's changes after a cursor, or from a time, that the endpoint's types
   * and filter select, as new deliveries (same message ids as before: receivers that
   * deduplicate keep what they had). At most `REPLAY_LIMIT` changes per call.
   */
  async replay(tenantId: string, id: string, body: ReplayBody): Promise<ReplayResult> {
    const endpoint = await this.#endpoint(tenantId, id);
    const { store, clock } = this.#deps;
    const now = clock.now();
    const latest = await latestPosition(store, tenantId);
    let since: number;
    if (body.from !== undefined) {
      const from = Date.parse(body.from);
      if (Number.isNaN(from))
        throw new AppError('validation_failed', 'from is not a time', { field: 'from' });
      if (from > now) {
        throw new AppError('validation_failed', 'from is in the future: there is nothing to replay yet', {
          field: 'from',
        });
      }
      since = await positionBefore(store, tenantId, from);
    } else {
      since = Number(body.since ?? 0);
      if (since > latest) {
        throw new AppError('validation_failed', `since is past the newest change (${latest})`, {
          field: 'since',
          latest,
        });
      }
    }
    const wants = endpointWants(endpoint);
    const rows: NewDelivery[] = [];
    let cursor = since;
    let read = 0;
    while (read < REPLAY_LIMIT) {
      const page = await readFeed(this.#deps, tenantId, {
        since: String(cursor),
        limit: Math.min(1000, REPLAY_LIMIT - read),
        waitMs: 0,
      });
      if (page.items.length === 0) break;
      read += page.items.length;
      cursor = Number(page.nextCursor);
      for (const change of page.items) {
        const event: DeliveryEvent = {
          position: Number(change.cursor),
          type: change.kind,
          entityId: change.entityId,
          at: Date.parse(change.at),
          data: change.data,
        };
        if (!wants(event)) continue;
        rows.push({
          tenant_id: tenantId,
          endpoint_id: id,
          message_id: messageIdOf(id, event.position),
          position: event.position,
          event_type: event.type,
          body: envelopeOf(tenantId, id, event),
          origin: 'replay',
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          lease_until: 0,
          last_status: null,
          last_error: null,
          created_at: now,
          updated_at: now,
        });
      }
    }
    await this.#dispatcher.enqueue(endpoint, rows);
    const more = read >= REPLAY_LIMIT && cursor < latest;
    return { queued: rows.length, nextCursor: more ? String(cursor) : null };
  }

  /** Sends one test event now, whatever the endpoint's filters, and answers with the try. */
  async testSend(tenantId: string, id: string, body: TestSendBody): Promise<DeliveryWithAttempts> {
    const endpoint = await this.#endpoint(tenantId, id);
    const seq = await this.#dispatcher.sendTest(endpoint, {
      position: 0,
      type: (body.eventType ?? 'webhook.test') as ChangeKind,
      entityId: endpoint.id,
      at: this.#deps.clock.now(),
      data: body.data ?? { test: true },
    });
    return this.delivery(tenantId, id, String(seq));
  }

  async allowsPrivate(tenantId: string): Promise<boolean> {
    return readAllowPrivate(this.#deps.store, tenantId);
  }

  async settings(tenantId: string): Promise<WebhookSettings> {
    return { tenantId, allowPrivateTargets: await this.allowsPrivate(tenantId) };
  }

  async setSettings(tenantId: string, allowPrivateTargets: boolean): Promise<WebhookSettings> {
    await writeAllowPrivate(this.#deps.store, tenantId, allowPrivateTargets, this.#deps.clock.now());
    return { tenantId, allowPrivateTargets };
  }

  async #endpoint(tenantId: string, id: string): Promise<EndpointRow> {
    const row = await findEndpoint(this.#deps.store, tenantId, id);
    if (row === undefined) throw notFound('webhook', id);
    return row;
  }

  async #delivery(tenantId: string, id: string, deliveryId: string): Promise<DeliveryRow> {
    await this.#endpoint(tenantId, id);
    const row = await findDelivery(this.#deps.store, tenantId, id, Number(deliveryId));
    if (row === undefined) throw notFound('webhook delivery', deliveryId);
    return row;
  }
}
