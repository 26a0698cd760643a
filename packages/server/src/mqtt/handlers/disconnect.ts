import type { IDisconnectPacket } from 'mqtt-packet';
import type { Client } from '../client.js';
import { protocolError } from '../errors.js';
import { ReasonCode } from '../reason-codes.js';
import { assertNoDuplicateProperties } from './properties.js';

/**
 * DISCONNECT from a client: the will is discarded unless v5 reason 0x04 asks for it
 * [MQTT-3.14.4-3]; v5 may change the session expiry, but not from 0 [MQTT-3.14.2-2].
 */
export function handleDisconnect(client: Client, packet: IDisconnectPacket): void {
  const session = client.session;
  if (client.protocolVersion === 5) {
    assertNoDuplicateProperties(packet.properties);
    const expiry = packet.properties?.sessionExpiryInterval;
    if (expiry !== undefined && session !== undefined) {
      if (session.expiryInterval === 0 && expiry !== 0) throw protocolError('session expiry changed from 0');
      session.expiryInterval = Math.min(expiry, client.broker.limits.maxSessionExpiryInterval);
    }
  }
  client.graceful = packet.reasonCode !== ReasonCode.disconnectWithWill;
  client.endReason ??= 'client_disconnect';
  client.endReasonCode ??= packet.reasonCode ?? ReasonCode.success;
  // Every publish acknowledged before a clean goodbye: nothing to resend next time.
  if (session !== undefined && client.pendingIncoming === 0) session.uplinksSettled = true;
  client.end();
}
