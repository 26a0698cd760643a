import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Packet, QoS } from 'mqtt-packet';
import { type Logger, silentLogger } from '../kernel/logger.js';
import { BrokerCore, type BrokerLimits, type BrokerMetrics, defaultLimits } from './broker-core.js';
import type { ConnectionMeta, HandlerTable } from './client.js';
import { handleAuth } from './handlers/auth.js';
import { handleConnect } from './handlers/connect.js';
import { handleDisconnect } from './handlers/disconnect.js';
import { handlePingreq } from './handlers/pingreq.js';
import { handlePuback } from './handlers/puback.js';
import { handlePubcomp } from './handlers/pubcomp.js';
import { handlePublish } from './handlers/publish.js';
import { handlePubrec } from './handlers/pubrec.js';
import { handlePubrel } from './handlers/pubrel.js';
import { handleSubscribe } from './handlers/subscribe.js';
import { handleUnsubscribe } from './handlers/unsubscribe.js';
import { type BrokerHooks, openHooks } from './hooks.js';
import { MemoryPersistence } from './memory-persistence.js';
import type { BrokerPersistence, MessageProperties, StoredMessage } from './persistence.js';
import { ReasonCode } from './reason-codes.js';
import { type BrokerRouting, InProcessRouting } from './routing.js';
import { isValidTopicName } from './topics.js';

/** How a broker is built; everything has a default. */
export interface BrokerOptions {
  readonly hooks?: BrokerHooks;
  readonly persistence?: BrokerPersistence;
  /** Where accepted messages go to reach subscribers; this broker's own sessions by default. */
  readonly routing?: BrokerRouting;
  readonly limits?: Partial<BrokerLimits>;
  readonly logger?: Logger;
}

/** Listener addresses; TLS certificates as PEM. */
export interface ListenOptions {
  readonly tcp?: { readonly port: number; readonly host?: string };
  readonly tls?: {
    readonly port: number;
    readonly host?: string;
    readonly cert: string | Buffer;
    readonly key: string | Buffer;
    /** CAs that sign client certificates; with `requestCert` clients may present one. */
    readonly ca?: string | Buffer;
    /** Ask for a client certificate. Unverified ones are accepted too: the fingerprint is what authenticates. */
    readonly requestCert?: boolean;
  };
}

/** One connected client, for `fleetport mqtt clients`. */
export interface ClientInfo {
  readonly tenantId: string;
  readonly clientId: string;
  readonly principal: { readonly kind: string; readonly id: string };
  readonly protocolVersion: 3 | 4 | 5;
  readonly listener: string;
  readonly remoteAddress: string | undefined;
  readonly connectedAt: number;
  readonly keepAlive: number;
  readonly subscriptions: readonly string[];
  readonly inflight: number;
  readonly queued: number;
  /** True while the broker does not read from the client (storage or lagging subscribers). */
  readonly paused: boolean;
}

/** A message published by Fleetport itself (downlinks, exports). */
export interface ServerPublish {
  readonly topic: string;
  readonly payload: Buffer | string;
  readonly qos?: QoS;
  readonly retain?: boolean;
  readonly properties?: MessageProperties;
  /** Seconds; the message is not delivered after it. */
  readonly messageExpiryInterval?: number;
  /**
   * Report each subscriber's acknowledgement to the `delivered` hook (QoS 1 and 2; the
   * mark is stored with queued deliveries). Not kept on a retained copy.
   */
  readonly track?: boolean;
}

const handlers: HandlerTable = {
  connect: (client, packet) => handleConnect(client, packet as Extract<Packet, { cmd: 'connect' }>),
  publish: (client, packet) => handlePublish(client, packet as Extract<Packet, { cmd: 'publish' }>),
  puback: (client, packet) => handlePuback(client, packet as Extract<Packet, { cmd: 'puback' }>),
  pubrec: (client, packet) => handlePubrec(client, packet as Extract<Packet, { cmd: 'pubrec' }>),
  pubrel: (client, packet) => handlePubrel(client, packet as Extract<Packet, { cmd: 'pubrel' }>),
  pubcomp: (client, packet) => handlePubcomp(client, packet as Extract<Packet, { cmd: 'pubcomp' }>),
  subscribe: (client, packet) => handleSubscribe(client, packet as Extract<Packet, { cmd: 'subscribe' }>),
  unsubscribe: (client, packet) =>
    handleUnsubscribe(client, packet as Extract<Packet, { cmd: 'unsubscribe' }>),
  pingreq: (client) => handlePingreq(client),
  disconnect: (client, packet) => handleDisconnect(client, packet as Extract<Packet, { cmd: 'disconnect' }>),
  auth: (client) => handleAuth(client),
};

/**
 * Fleetport's MQTT 3.1.1 / 5.0 broker. Tenants are isolated: every client is mounted in
 * its principal's tenant and only ever matches that tenant's subscriptions and retained
 * messages.
 *
 * @example
 * const broker = new Broker({ hooks, persistence });
 * await broker.listen({ tcp: { port: 1883 } });
 * // WebSocket: wss.on('connection', (ws, req) => broker.attach(createWebSocketStream(ws), { listener: 'ws' }));
 * await broker.close();
 */
export class Broker {
  readonly #core: BrokerCore;
  readonly #servers: net.Server[] = [];
  readonly #persistence: BrokerPersistence;
  readonly #routing: BrokerRouting;

  constructor(options: BrokerOptions = {}) {
    this.#persistence = options.persistence ?? new MemoryPersistence();
    this.#routing = options.routing ?? new InProcessRouting();
    this.#core = new BrokerCore({
      hooks: options.hooks ?? openHooks(),
      persistence: this.#persistence,
      routing: this.#routing,
      limits: Object.freeze({ ...defaultLimits, ...options.limits }),
      logger: options.logger ?? silentLogger,
      handlers,
    });
  }

  /** Loads persistent sessions and retained messages; `listen` calls it, call it yourself before `attach` alone. */
  start(): Promise<void> {
    return this.#core.restore();
  }

  /** Starts the TCP and/or TLS listeners; resolves with their bound addresses (port 0 picks a free one). */
  async listen(options: ListenOptions): Promise<{ tcp?: AddressInfo; tls?: AddressInfo }> {
    await this.start();
    const result: { tcp?: AddressInfo; tls?: AddressInfo } = {};
    if (options.tcp) {
      const server = net.createServer({ noDelay: true }, (socket) =>
        this.attach(socket, { listener: 'tcp', remoteAddress: socket.remoteAddress }),
      );
      result.tcp = await this.#bind(server, options.tcp.port, options.tcp.host);
    }
    if (options.tls) {
      const server = tls.createServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ca: options.tls.ca,
          requestCert: options.tls.requestCert ?? false,
          rejectUnauthorized: false,
        },
        (socket) => {
          const certificate = socket.getPeerCertificate();
          const fingerprint =
            certificate &&
            typeof certificate.fingerprint256 === 'string' &&
            certificate.fingerprint256.length > 0
              ? certificate.fingerprint256.replaceAll(':', '').toLowerCase()
              : undefined;
          socket.setNoDelay(true);
          this.attach(socket, {
            listener: 'tls',
            remoteAddress: socket.remoteAddress,
            certificateFingerprint: fingerprint,
          });
        },
      );
      // A failed handshake is the client's problem, not the server's.
      server.on('tlsClientError', () => {});
      result.tls = await this.#bind(server, options.tls.port, options.tls.host);
    }
    return result;
  }

  #bind(server: net.Server, port: number, host = '0.0.0.0'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        this.#servers.push(server);
        resolve(server.address() as AddressInfo);
      });
    });
  }

  /**
   * Serves MQTT over any duplex byte stream: a socket, or a WebSocket turned into a stream
   * (`ws`'s `createWebSocketStream`, binary frames) for `/mqtt` on the HTTP server.
   */
  attach(stream: Duplex, meta: ConnectionMeta): void {
    this.#core.attach(stream, meta);
  }

  /** The counters, live (read them, do not change them). */
  get metrics(): Readonly<BrokerMetrics> {
    return this.#core.metrics;
  }

  /** The limits in force. */
  get limits(): BrokerLimits {
    return this.#core.limits;
  }

  /** The connected clients of a tenant, or of every tenant. */
  clients(tenantId?: string): ClientInfo[] {
    const out: ClientInfo[] = [];
    for (const client of this.#core.clients) {
      const session = client.session;
      const principal = client.principal;
      if (client.state !== 'connected' || session === undefined || principal === undefined) continue;
      if (tenantId !== undefined && principal.tenantId !== tenantId) continue;
      out.push({
        tenantId: principal.tenantId,
        clientId: client.clientId,
        principal: { kind: principal.kind, id: principal.id },
        protocolVersion: client.protocolVersion,
        listener: client.meta.listener,
        remoteAddress: client.meta.remoteAddress,
        connectedAt: client.connectedAt,
        keepAlive: client.keepAlive,
        subscriptions: [...session.subscriptions.keys()],
        inflight: session.inflight.size,
        queued: session.queue.length,
        paused: client.readingPaused,
      });
    }
    return out;
  }

  /** Whether a connection authenticated as this device is live (one map lookup, whatever the client count). */
  deviceConnected(tenantId: string, deviceId: string): boolean {
    return this.#core.deviceConnected(tenantId, deviceId);
  }

  /** Whether a live connection of this device is subscribed to a filter that matches `topic`. */
  deviceListens(tenantId: string, deviceId: string, topic: string): boolean {
    return this.#core.deviceListens(tenantId, deviceId, topic);
  }

  /** Disconnects a client (v5: DISCONNECT 0x98 administrative action); false when it is not connected. */
  disconnect(tenantId: string, clientId: string): boolean {
    for (const client of this.#core.clients) {
      if (
        client.state === 'connected' &&
        client.principal?.tenantId === tenantId &&
        client.clientId === clientId
      ) {
        client.disconnect(ReasonCode.administrativeAction, 'disconnected by an administrator');
        return true;
      }
    }
    return false;
  }

  /**
   * Publishes into a tenant as the server (no publisher session, so No Local never
   * applies). Resolves once deliveries to persistent sessions and the retained message
   * are durable; returns the number of sessions reached when nothing had to be stored.
   */
  async publish(tenantId: string, input: ServerPublish): Promise<void> {
    if (!isValidTopicName(input.topic)) throw new TypeError(`not a valid topic name: ${input.topic}`);
    const message: StoredMessage = {
      topic: input.topic,
      payload: typeof input.payload === 'string' ? Buffer.from(input.payload) : input.payload,
      qos: input.qos ?? 0,
      retain: input.retain ?? false,
      properties: input.properties,
      expiresAt:
        input.messageExpiryInterval === undefined ? null : Date.now() + input.messageExpiryInterval * 1000,
    };
    await this.start();
    this.#core.metrics.messagesIn++;
    const retained = message.retain ? this.#core.storeRetained(tenantId, message) : undefined;
    // The retained copy stays untracked: later subscribers were not this publish's audience.
    const routed = this.#core.route(
      tenantId,
      input.track === true ? { ...message, tracked: true } : message,
      undefined,
    );
    this.#core.throttle(undefined);
    await Promise.all([retained, typeof routed === 'number' ? undefined : routed]);
  }

  /**
   * Stops the listeners, ends every connection (v5: DISCONNECT 0x8B server shutting
   * down), keeps persistent sessions, waits for storage, and closes the persistence.
   */
  async close(): Promise<void> {
    const closed = this.#servers.map(
      (server) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    this.#servers.length = 0;
    await this.#core.close();
    await Promise.all(closed);
    await this.#routing.close();
    await this.#persistence.close();
  }
}
