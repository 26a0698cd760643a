import type { IPubcompPacket } from 'mqtt-packet';
import type { Client } from '../client.js';

/** PUBCOMP ends a QoS 2 delivery whose PUBREL was sent [MQTT-4.3.3-…]. */
export function handlePubcomp(client: Client, packet: IPubcompPacket): void {
  const session = client.session;
  const delivery = session?.inflight.get(packet.messageId ?? 0);
  if (session === undefined || delivery === undefined || delivery.state !== 'released') return;
  // Released only after a PUBREC below 0x80: the client accepted the message.
  client.broker.completeDelivery(session, delivery, 0);
}
