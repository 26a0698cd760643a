import type { IPubrelPacket } from 'mqtt-packet';
import type { Client } from '../client.js';
import { ReasonCode } from '../reason-codes.js';

/**
 * PUBREL releases an incoming QoS 2 packet id: answer PUBCOMP [MQTT-4.3.3-…]; an id we
 * do not hold gets PUBCOMP 0x92 in v5 (already released, e.g. a retransmission).
 */
export function handlePubrel(client: Client, packet: IPubrelPacket): void {
  const session = client.session;
  if (session === undefined) return;
  const messageId = packet.messageId ?? 0;
  const known = session.incoming.delete(messageId);
  if (known && session.persistent) {
    client.broker.lane.run((p) => p.deleteIncoming(session.key, [messageId])).catch(() => {});
  }
  const reasonCode = known ? ReasonCode.success : ReasonCode.packetIdentifierNotFound;
  const send = () =>
    client.send(
      client.protocolVersion === 5
        ? { cmd: 'pubcomp', messageId, reasonCode }
        : { cmd: 'pubcomp', messageId },
    );
  // A PUBREC still waiting for durability goes first.
  if (client.ackChain === undefined) send();
  else client.ackChain.then(send);
}
