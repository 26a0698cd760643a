import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { ConnectionMeta } from '../../mqtt/index.js';

/** The path of the MQTT-over-WebSocket endpoint on the HTTP port. */
export const MQTT_WEBSOCKET_PATH = '/mqtt';

/** Sub-protocols MQTT clients ask for (MQTT 5.0 §6, 3.1.1 §6; `mqttv3.1` for 3.1 clients). */
const PROTOCOLS = ['mqtt', 'mqttv3.1'];

/**
 * Serves MQTT over WebSocket at `/mqtt` on an HTTP server: upgrades for that path are
 * handed to `attach` as a byte stream (binary frames); upgrades elsewhere are answered
 * 404. Returns a function that closes the endpoint (the broker ends the connections).
 */
export function serveMqttOverWebSocket(
  server: Server,
  attach: (stream: Duplex, meta: ConnectionMeta) => void,
  { maxPayload }: { readonly maxPayload: number },
): () => void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload,
    // A client that names protocols must get one it named ([RFC 6455 §4.2.2]).
    handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  wss.on('connection', function onMqttWebSocket(ws, request: IncomingMessage) {
    const stream = createWebSocketStream(ws);
    // Errors end this connection only; the broker sees the stream close.
    stream.on('error', () => stream.destroy());
    attach(stream, { listener: 'ws', remoteAddress: request.socket.remoteAddress });
  });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== MQTT_WEBSOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.on('error', () => socket.destroy());
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);
  return function closeMqttWebSocket() {
    server.off('upgrade', onUpgrade);
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
}
