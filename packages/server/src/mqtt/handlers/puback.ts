import type { IPubackPacket } from 'mqtt-packet';
import type { Client } from '../client.js';

/** PUBACK ends a QoS 1 delivery [MQTT-4.3.2-…]; an unknown id is ignored (it may be a late duplicate). */
export function handlePuback(client: Client, packet: IPubackPacket): void {
  const session = client.session;
  const delivery = session?.inflight.get(packet.messageId ?? 0);
  if (session === undefined || delivery === undefined || delivery.qos !== 1) return;
  client.broker.completeDelivery(session, delivery, packet.reasonCode ?? 0);
}
