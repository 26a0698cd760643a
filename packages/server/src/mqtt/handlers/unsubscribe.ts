import type { IUnsubscribePacket } from 'mqtt-packet';
import type { Client } from '../client.js';
import { ReasonCode } from '../reason-codes.js';
import { assertNoDuplicateProperties } from './properties.js';

/** UNSUBSCRIBE: remove each filter as it was subscribed; v5 reports 0x11 for filters without a subscription. */
export function handleUnsubscribe(client: Client, packet: IUnsubscribePacket): void {
  const session = client.session;
  if (session === undefined) return;
  if (client.protocolVersion === 5) assertNoDuplicateProperties(packet.properties);
  const codes: number[] = [];
  const removed: string[] = [];
  for (const filter of packet.unsubscriptions) {
    if (client.broker.removeSubscription(session, filter)) {
      removed.push(filter);
      codes.push(ReasonCode.success);
    } else {
      codes.push(ReasonCode.noSubscriptionExisted);
    }
  }
  if (removed.length > 0 && session.persistent) {
    client.broker.lane.run((p) => p.deleteSubscriptions(session.key, removed)).catch(() => {});
  }
  const messageId = packet.messageId ?? 0;
  // [MQTT-3.10.4-4] UNSUBACK even when nothing was removed.
  client.send(
    client.protocolVersion === 5
      ? { cmd: 'unsuback', messageId, granted: codes }
      : { cmd: 'unsuback', messageId, granted: [] },
  );
}
