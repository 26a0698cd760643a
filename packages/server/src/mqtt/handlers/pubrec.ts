import type { IPubrecPacket } from 'mqtt-packet';
import type { Client } from '../client.js';
import { ReasonCode } from '../reason-codes.js';

/**
 * PUBREC of a QoS 2 delivery: answer PUBREL and remember the release [MQTT-4.3.3-…]. A
 * PUBREC with an error code ends the delivery without PUBREL (MQTT 5 §4.3.3); an unknown
 * id gets PUBREL 0x92 (v5) so the client can free it.
 */
export function handlePubrec(client: Client, packet: IPubrecPacket): void {
  const session = client.session;
  if (session === undefined) return;
  const messageId = packet.messageId ?? 0;
  const delivery = session.inflight.get(messageId);
  if (delivery === undefined || delivery.qos !== 2) {
    client.send(
      client.protocolVersion === 5
        ? { cmd: 'pubrel', messageId, reasonCode: ReasonCode.packetIdentifierNotFound }
        : { cmd: 'pubrel', messageId },
    );
    return;
  }
  if ((packet.reasonCode ?? 0) >= 0x80) {
    client.broker.completeDelivery(session, delivery, packet.reasonCode ?? 0);
    return;
  }
  if (delivery.state === 'sent') client.broker.releaseDelivery(session, delivery);
  client.send({ cmd: 'pubrel', messageId });
}
