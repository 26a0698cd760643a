import type { Client } from '../client.js';
import { protocolError } from '../errors.js';

/**
 * AUTH from a client: the broker never starts enhanced authentication (CONNECT with an
 * Authentication Method is refused with 0x8C), so any AUTH is a protocol error [MQTT-4.12.0-…].
 */
export function handleAuth(_client: Client): void {
  throw protocolError('AUTH without an enhanced authentication exchange');
}
