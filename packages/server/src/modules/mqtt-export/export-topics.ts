import type { ChangeKind, FeedChange } from '../changes/index.js';
import { SERVER_TOPIC_ROOT } from '../mqtt-access/index.js';

/**
 * The export's topic root, which only the server publishes on (mqtt-access refuses
 * clients there). A `$` topic: `#` and `+/…` subscriptions do not match it
 * [MQTT-4.7.2-1], so applications already subscribed with `#` do not start receiving the
 * export when it is turned on.
 */
export const EXPORT_ROOT = SERVER_TOPIC_ROOT;

/** The change kinds the export publishes; docs/INTEGRATIONS.md lists their topics. */
export const EXPORTED_KINDS = [
  'message.created',
  'message.decoded',
  'twin.reported.changed',
  'twin.desired.changed',
  'command.created',
  'command.status_changed',
  'alert.raised',
  'alert.updated',
  'alert.acknowledged',
  'alert.cleared',
  'alert.commented',
] as const satisfies readonly ChangeKind[];

export type ExportedKind = (typeof EXPORTED_KINDS)[number];

/** One change as it goes out: its topic and the JSON text of its envelope. */
export interface ExportPublish {
  readonly topic: string;
  readonly payload: string;
}

const field = (data: unknown, name: string): string | undefined => {
  const value = (data as Record<string, unknown> | null | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
};

/** Whether a string can be one topic level (device ids and alert types can; this guards the rest). */
const isLevel = (value: string | undefined): value is string =>
  value !== undefined && value.length > 0 && !/[/+#]/.test(value);

/** The topic of a change; undefined when it names no device it can be filed under. */
export function exportTopic(change: FeedChange): string | undefined {
  const device = (sub: string, id: string | undefined) =>
    isLevel(id) ? `${EXPORT_ROOT}/devices/${id}/${sub}` : undefined;
  switch (change.kind) {
    case 'message.created':
      return device('uplinks', field(change.data, 'deviceId'));
    case 'message.decoded':
      return device('decoded', field(change.data, 'deviceId'));
    case 'twin.reported.changed':
      return device('twin/reported', change.entityId);
    case 'twin.desired.changed':
      return device('twin/desired', change.entityId);
    case 'command.created':
    case 'command.status_changed':
      return device('commands', field(change.data, 'deviceId'));
    case 'alert.raised':
    case 'alert.updated':
    case 'alert.acknowledged':
    case 'alert.cleared':
    case 'alert.commented': {
      const type = field(change.data, 'type');
      return isLevel(type) ? `${EXPORT_ROOT}/alerts/${type}` : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The envelope (the same fields as a webhook's): `id` and `cursor` are the change's feed
 * position, the same on every republish, so a subscriber deduplicates on them.
 */
export function exportEnvelope(tenantId: string, change: FeedChange): string {
  return JSON.stringify({
    id: `evt_${change.position}`,
    type: change.kind,
    timestamp: new Date(change.at).toISOString(),
    tenant: tenantId,
    cursor: String(change.position),
    entityId: change.entityId,
    data: change.data ?? null,
  });
}
