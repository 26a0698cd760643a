import net from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { parser as createParser, generate, type Packet } from 'mqtt-packet';
import { Broker, type BrokerOptions } from './broker.js';

/** A broker listening on a free loopback port, for tests. */
export interface TestBroker {
  readonly broker: Broker;
  readonly port: number;
  readonly url: string;
}

/** Starts a broker on 127.0.0.1:0. */
export async function startBroker(options: BrokerOptions = {}): Promise<TestBroker> {
  const broker = new Broker(options);
  const { tcp } = await broker.listen({ tcp: { port: 0, host: '127.0.0.1' } });
  if (tcp === undefined) throw new Error('no TCP listener');
  return { broker, port: tcp.port, url: `mqtt://127.0.0.1:${tcp.port}` };
}

/**
 * Connects an `mqtt` client and waits for CONNACK; rejects on a refusal. Messages are
 * collected into `into` from the start (a resumed session's messages can arrive with CONNACK).
 */
export function connectClient(
  url: string,
  options: IClientOptions = {},
  into?: Received[],
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    if (into !== undefined) collectInto(client, into);
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  });
}

/** A received message as the tests look at it. */
export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly packet: Extract<Packet, { cmd: 'publish' }>;
}

/** Collects the messages a client receives. */
export function collect(client: MqttClient): Received[] {
  const received: Received[] = [];
  collectInto(client, received);
  return received;
}

function collectInto(client: MqttClient, received: Received[]): void {
  client.on('message', (topic, payload, packet) => {
    received.push({ topic, payload: payload.toString(), packet });
  });
}

/** Polls until `check` passes or the time is up (then throws the last failure). */
export async function eventually(check: () => void, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Waits a little, for "nothing else arrives" assertions. */
export function settle(ms = 100): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Ends an mqtt client and waits for it. */
export function endClient(client: MqttClient, force = false): Promise<void> {
  return new Promise((resolve) => client.end(force, {}, () => resolve()));
}

/** A raw TCP connection that writes bytes and parses what the broker answers. */
export class RawClient {
  readonly socket: net.Socket;
  readonly packets: Packet[] = [];
  #closed = false;
  readonly #parser;

  private constructor(socket: net.Socket, protocolVersion: 3 | 4 | 5) {
    this.socket = socket;
    this.#parser = createParser({ protocolVersion });
    this.#parser.on('packet', (packet: Packet) => this.packets.push(packet));
    this.#parser.on('error', () => {});
    socket.on('data', (chunk) => this.#parser.parse(chunk));
    socket.on('close', () => {
      this.#closed = true;
    });
    socket.on('error', () => {});
  }

  /** Opens a raw connection; `protocolVersion` tells the parser how to read the answers. */
  static open(port: number, protocolVersion: 3 | 4 | 5 = 5): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawClient(socket, protocolVersion)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(data: Buffer | Packet, protocolVersion: 3 | 4 | 5 = 5): void {
    this.socket.write(Buffer.isBuffer(data) ? data : generate(data, { protocolVersion }));
  }

  /** Waits for the broker to close the connection. */
  async waitClosed(timeoutMs = 3000): Promise<void> {
    await eventually(() => {
      if (!this.#closed) throw new Error('connection still open');
    }, timeoutMs);
  }

  /** Waits for a packet of a kind and returns it. */
  async next<C extends Packet['cmd']>(cmd: C, timeoutMs = 3000): Promise<Extract<Packet, { cmd: C }>> {
    let found: Extract<Packet, { cmd: C }> | undefined;
    await eventually(() => {
      const index = this.packets.findIndex((p) => p.cmd === cmd);
      if (index < 0) throw new Error(`no ${cmd} received (got ${this.packets.map((p) => p.cmd).join(', ')})`);
      found = this.packets.splice(index, 1)[0] as Extract<Packet, { cmd: C }>;
    }, timeoutMs);
    if (found === undefined) throw new Error(`no ${cmd}`);
    return found;
  }

  close(): void {
    this.socket.destroy();
  }
}
