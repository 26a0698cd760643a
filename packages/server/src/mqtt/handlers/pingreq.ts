import type { Client } from '../client.js';

/** PINGREQ is answered with PINGRESP [MQTT-3.12.4-1]; keep-alive was refreshed on receipt. */
export function handlePingreq(client: Client): void {
  client.send({ cmd: 'pingresp' });
}
