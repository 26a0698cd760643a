import { compileEventCondition } from '../conditions/index.js';
import type { EndpointRow } from './webhook-store.js';

/** A change (or a test event) as it is sent. */
export interface DeliveryEvent {
  /** The change's feed position; 0 for a test. */
  readonly position: number;
  readonly type: string;
  readonly entityId: string;
  /** Commit time, Unix ms. */
  readonly at: number;
  readonly data: unknown;
}

/**
 * The message id (`webhook-id` and the envelope's `id`): the same for every try, retry and
 * replay of one change to one endpoint, so receivers deduplicate on it.
 */
export function messageIdOf(endpointId: string, position: number): string {
  return `msg_${position}_${endpointId}`;
}

/** The body sent: the envelope of docs/WEBHOOKS.md, as JSON text (signed as is). */
export function envelopeOf(tenantId: string, endpointId: string, event: DeliveryEvent, id?: string): string {
  return JSON.stringify({
    id: id ?? messageIdOf(endpointId, event.position),
    type: event.type,
    timestamp: new Date(event.at).toISOString(),
    tenant: tenantId,
    cursor: String(event.position),
    entityId: event.entityId,
    data: event.data ?? null,
  });
}

/** Whether the endpoint's event types and filter select an event. */
export function endpointWants(endpoint: EndpointRow): (event: DeliveryEvent) => boolean {
  const types = new Set(JSON.parse(endpoint.event_types) as string[]);
  const filter = endpoint.filter === null ? undefined : compileEventCondition(endpoint.filter, 'filter');
  return function wants(event) {
    if (types.size > 0 && !types.has(event.type)) return false;
    return filter === undefined || filter.matches(event);
  };
}
