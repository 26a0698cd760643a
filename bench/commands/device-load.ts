/**
 * One load process of the command round-trip benchmark (started by `bench/commands.ts`):
 * raw MQTT 3.1.1 devices over many sockets, each subscribed at QoS 1 to
 * `devices/{id}/down/#`, answering every command like a device that carries it out: the
 * PUBACK (the broker reports it, the command becomes `delivered`), then an empty QoS 1
 * publish to `devices/{id}/ack/{commandId}` (stored, the command is `acknowledged`, then
 * the PUBACK comes back: that PUBACK ends one round trip).
 *
 * stdin, one line each: first the configuration (`DeviceLoadConfig` as JSON), then `mark`
 * (answered with the counters). Closing stdin (or SIGTERM) closes every connection and exits.
 * stdout, one JSON line each: `{"ready":n}` once every device has its SUBACK (or
 * `{"failed":…}`), then `DeviceCounters` for each `mark`.
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { generate, type Packet, parser } from 'mqtt-packet';

/** What one load process runs. */
export interface DeviceLoadConfig {
  readonly port: number;
  readonly devices: readonly { readonly id: string; readonly token: string }[];
}

/** What a load process reports for `mark`. */
export interface DeviceCounters {
  /** Command PUBLISHes received (and acknowledged with PUBACK). */
  readonly commands: number;
  /** Acknowledgements the broker confirmed (PUBACK of the ack publish): finished round trips. */
  readonly roundTrips: number;
  /** Connections that closed after the load was ready. */
  readonly closed: number;
}

const CONNECT_CONCURRENCY = 100;
const KEEP_ALIVE_SECONDS = 600;

let commands = 0;
let roundTrips = 0;
let closed = 0;
let ready = false;
const sockets: Socket[] = [];

function write(line: unknown): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Connects one device, subscribes it, and answers its commands; resolves at its SUBACK. */
function startDevice(port: number, id: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    sockets.push(socket);
    const reader = parser({ protocolVersion: 4 });
    let nextId = 1;
    const send = (packet: Packet) => socket.write(generate(packet, { protocolVersion: 4 }));
    reader.on('packet', (packet: Packet) => {
      if (packet.cmd === 'connack') {
        if (packet.returnCode !== 0) {
          reject(new Error(`${id}: CONNACK ${packet.returnCode}`));
          return;
        }
        send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `devices/${id}/down/#`, qos: 1 }] });
      } else if (packet.cmd === 'suback') {
        resolve();
      } else if (packet.cmd === 'publish') {
        commands += 1;
        if (packet.qos > 0) send({ cmd: 'puback', messageId: packet.messageId ?? 0 });
        const commandId = packet.topic.slice(packet.topic.lastIndexOf('/') + 1);
        nextId = nextId === 65_535 ? 2 : nextId + 1;
        send({
          cmd: 'publish',
          topic: `devices/${id}/ack/${commandId}`,
          payload: Buffer.alloc(0),
          qos: 1,
          messageId: nextId,
          retain: false,
          dup: false,
        });
      } else if (packet.cmd === 'puback') {
        roundTrips += 1;
      }
    });
    socket.on('data', (chunk) => reader.parse(chunk));
    socket.on('error', (error) => reject(error));
    socket.on('close', () => {
      if (ready) closed += 1;
      reject(new Error(`${id}: connection closed`));
    });
    socket.on('connect', () =>
      send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: `bench-${id}`,
        clean: true,
        keepalive: KEEP_ALIVE_SECONDS,
        username: id,
        password: Buffer.from(token),
      }),
    );
  });
}

async function start(config: DeviceLoadConfig): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < config.devices.length; index = next++) {
      const device = config.devices[index];
      if (device !== undefined) await startDevice(config.port, device.id, device.token);
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
  ready = true;
  write({ ready: config.devices.length });
}

function shutdown(): void {
  for (const socket of sockets) socket.destroy();
  process.exit(0);
}

const lines = createInterface({ input: process.stdin });
let configured = false;
lines.on('line', (line) => {
  if (!configured) {
    configured = true;
    start(JSON.parse(line) as DeviceLoadConfig).catch((error: unknown) => {
      write({ failed: error instanceof Error ? error.message : String(error) });
    });
    return;
  }
  if (line.trim() === 'mark') write({ commands, roundTrips, closed } satisfies DeviceCounters);
});
lines.on('close', shutdown);
process.on('SIGTERM', shutdown);
