import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { IPublishPacket, Packet, Parser, QoS } from 'mqtt-packet';
import type { BrokerCore } from './broker-core.js';
import type { Watched } from './deadlines.js';
import { encodePacket, encodePublishV4 } from './encoder.js';
import { ConnectRefusal, MqttProtocolError, malformed } from './errors.js';
import type { DisconnectReason, ListenerKind, Principal, PublishOrigin } from './hooks.js';
import type { StoredMessage } from './persistence.js';
import { ReasonCode, v3ConnackCode } from './reason-codes.js';
import type { Session } from './session.js';
import {
  announcedLength,
  INITIAL_SETTINGS,
  type PacketSink,
  parseWire,
  READ_INCOMPLETE,
  READ_OTHER,
  readPublish,
  takePublish,
  type WireSettings,
  wireSettings,
} from './wire-parser.js';

/** Where a connection comes from. */
export interface ConnectionMeta {
  readonly listener: ListenerKind;
  readonly remoteAddress?: string;
  /** SHA-256 fingerprint of the TLS client certificate, lower-case hex without colons. */
  readonly certificateFingerprint?: string;
}

/** The will of a connection (§3.1.3.2), kept until the connection ends. */
export interface Will {
  /** The will message; its `expiresAt` is set when it is published. */
  readonly message: StoredMessage;
  /** Seconds (v5 Will Delay Interval); 0 publishes at once. */
  readonly delay: number;
  /** v5 Message Expiry Interval of the will, counted from its publication. */
  readonly expiryInterval: number | undefined;
}

/** What is needed to send one PUBLISH. */
export interface OutgoingPublish {
  readonly message: StoredMessage;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subscriptionIds: readonly number[];
  readonly packetId: number;
  readonly dup: boolean;
}

/** PUBLISH packets already encoded during one routing pass, shared by every subscriber that needs the same bytes. */
export class EncodeCache {
  readonly #buffers = new Map<string, { buffer: Buffer; idOffset: number }>();

  /** The encoded packet for `key`, or undefined. */
  get(key: string): { buffer: Buffer; idOffset: number } | undefined {
    return this.#buffers.get(key);
  }

  set(key: string, value: { buffer: Buffer; idOffset: number }): void {
    this.#buffers.set(key, value);
  }
}

/** The largest packet MQTT can encode: fixed header byte, 4-byte remaining length, 268,435,455 bytes. */
export const LARGEST_PACKET = 1 + 4 + 268_435_455;

/** Bytes parsed at a time, so that pausing takes effect quickly. */
const INPUT_SLICE = 16 * 1024;

type Handler = (client: Client, packet: Packet) => void | Promise<void>;

/** The packet handlers, keyed by command; set once by the broker (avoids an import cycle). */
export type HandlerTable = Readonly<Partial<Record<Packet['cmd'], Handler>>>;

/** Before the CONNECT header is checked: nothing received yet. */
const NOTHING = Buffer.alloc(0);

/** The stream a client reads, with a link back to the client (one set of listeners serves all). */
type LinkedStream = Duplex & { [CLIENT]?: Client };
const CLIENT = Symbol('mqtt.client');

function ignoreStreamError(): void {
  // A reset or TLS failure only ends this connection; 'close' follows.
}

function endOnEnd(this: Duplex): void {
  this.end();
}

/** Why the server ends a connection with `reasonCode` (MQTT 5 §3.14.2.1), for the `disconnected` hook. */
function disconnectReason(reasonCode: number): DisconnectReason {
  switch (reasonCode) {
    case ReasonCode.keepAliveTimeout:
      return 'keep_alive_timeout';
    case ReasonCode.sessionTakenOver:
      return 'taken_over';
    case ReasonCode.serverShuttingDown:
      return 'server_shutdown';
    case ReasonCode.administrativeAction:
      return 'administrative';
    case ReasonCode.quotaExceeded:
      return 'quota_exceeded';
    case ReasonCode.unspecifiedError:
    case ReasonCode.implementationSpecificError:
      return 'server_error';
    default:
      return 'protocol_error';
  }
}

/** Offset of the packet id inside an encoded PUBLISH: after the fixed header and the topic. */
function packetIdOffset(buffer: Buffer): number {
  let pos = 1;
  while (pos < 5 && ((buffer[pos] ?? 0) & 0x80) !== 0) pos++;
  pos++;
  return pos + 2 + buffer.readUInt16BE(pos);
}

/**
 * One network connection: parses its bytes, runs the packet handlers one after the other
 * (a handler that awaits holds back the next packet, which keeps a client's messages in
 * order), batches its writes (cork until the end of the tick) and watches its
 * back-pressure. Any failure ends this connection only.
 */
export class Client implements PacketSink, Watched {
  readonly broker: BrokerCore;
  readonly meta: ConnectionMeta;
  readonly connectedAt = Date.now();
  state: 'new' | 'connecting' | 'connected' | 'closed' = 'new';
  protocolVersion: 3 | 4 | 5 = 4;
  clientId = '';
  principal: Principal | undefined;
  session: Session | undefined;
  will: Will | undefined;
  /** Seconds; 0 disables keep-alive. */
  keepAlive = 0;
  /** The client's Receive Maximum: its limit of our QoS 1/2 messages in flight [MQTT-3.3.4-9]. */
  receiveMaximum = 65_535;
  /**
   * The client's Maximum Packet Size in bytes; we never send more [MQTT-3.1.2-24]. By
   * default the largest packet MQTT can encode: a small integer, stored inline, where
   * Infinity would cost every connection a 16-byte heap number.
   */
  maximumPacketSize = LARGEST_PACKET;
  /** How many topic aliases we may use towards the client [MQTT-3.2.2-…]. */
  topicAliasMaximum = 0;
  /** False when the client asked us not to send reason strings and user properties on errors [MQTT-3.1.2-29]. */
  requestProblemInformation = true;
  /** Aliases the client set for its publishes (created on first use, like every per-connection collection). */
  #inboundAliases: Map<number, string> | undefined;
  /** Aliases we set for the client, by topic. */
  #outboundAliases: Map<string, number> | undefined;
  /** The topic whose alias the PUBLISH being encoded sets (forgotten again if it is not sent). */
  #pendingAlias: string | undefined;
  /** Incoming QoS 1/2 publishes not acknowledged yet (v5 Receive Maximum of the server). */
  pendingIncoming = 0;
  /** True while the socket refuses more data; QoS 1/2 stay queued until 'drain'. */
  congested = false;
  /** Set when the connection ends gracefully (DISCONNECT 0x00): the will is discarded [MQTT-3.14.4-3]. */
  graceful = false;
  /** Whether the connection is counted in the `connections` metric. */
  counted = false;
  /** This connection's id, unique also across restarts (see `PublishOrigin`). */
  readonly connectionId = randomUUID();
  /** Where this connection stands with its session's earlier publishes (see `PublishOrigin`). */
  uplinkPhase: PublishOrigin['uplinkPhase'] = 'fresh';
  /** Acknowledgements that wait for durability, chained so they leave in order. */
  ackChain: Promise<void> | undefined;
  /** Set once the `connected` hook was called; `disconnected` is owed while it is. */
  announced = false;
  /** Why the connection is ending (the first cause wins); `connection_lost` when none was noted. */
  endReason: DisconnectReason | undefined;
  /** The reason code of the DISCONNECT that ended it, sent or received. */
  endReasonCode: number | undefined;

  /** The broker's deadline wheel files the client here (see DeadlineWheel). */
  deadlineSlot = 0;

  readonly #stream: LinkedStream;
  readonly #handlers: HandlerTable;
  /** Held only while a packet is incomplete; parsers are pooled between packets (see parseWire). */
  #parser: Parser | undefined;
  /** What the parser needs to know of the CONNECT (protocol version). */
  #wire: WireSettings = INITIAL_SETTINGS;
  #chain: Promise<void> | undefined;
  #corked = false;
  /** When the last packet arrived (keep-alive), ms since epoch. */
  #lastPacketAt: number;
  #closing = false;
  /**
   * The peer has closed while packets it sent were still unread (reading was paused):
   * they are handled as pauses allow, and the connection is let go after them.
   */
  #peerClosed = false;
  /** Why reading is paused (pending acknowledgements, slow subscribers); reading resumes when empty. */
  #pauses: Set<object> | undefined;
  /** Received bytes not parsed yet: reading is paused, or they end inside a PUBLISH (see #readPublishes). */
  #input: Buffer | undefined;
  /** Packets parsed and not handled yet (reading was paused in the middle of a slice). */
  #parsed: Packet[] | undefined;
  #parsedHead = 0;
  /** The first bytes of the connection, until the CONNECT header has been checked. */
  #head: Buffer | undefined = NOTHING;

  constructor(broker: BrokerCore, stream: Duplex, meta: ConnectionMeta, handlers: HandlerTable) {
    this.broker = broker;
    this.meta = meta;
    this.#stream = stream;
    this.#handlers = handlers;
    this.#lastPacketAt = this.connectedAt;
    // Listeners shared by every client (a closure per event and client would cost ~100 bytes each).
    this.#stream[CLIENT] = this;
    stream.on('data', Client.#onStreamData);
    stream.on('drain', Client.#onStreamDrain);
    stream.on('error', ignoreStreamError);
    stream.on('close', Client.#onStreamClose);
    // Sockets that are not half-open (net and tls servers') end themselves when the peer
    // ends; only other streams (WebSocket) need telling, and a second 'end' listener
    // would turn the socket's single listener into an array.
    if (stream.allowHalfOpen) stream.on('end', endOnEnd);
    // [MQTT-3.1.4-…] a server closes a connection that sends no CONNECT in reasonable time.
    broker.deadlines.watch(this, this.connectedAt + broker.limits.connectTimeoutMs);
  }

  // Function expressions: `this` is the stream the event came from.
  static readonly #onStreamData = function (this: LinkedStream, chunk: Buffer): void {
    const client = this[CLIENT];
    if (client !== undefined) client.#onData(chunk);
  };

  static readonly #onStreamDrain = function (this: LinkedStream): void {
    const client = this[CLIENT];
    if (client === undefined) return;
    client.congested = false;
    client.broker.onDrain(client);
  };

  static readonly #onStreamClose = function (this: LinkedStream): void {
    const client = this[CLIENT];
    if (client !== undefined) client.#onClose();
  };

  /** Called by the deadline wheel: the CONNECT timeout, then keep-alive; returns the next deadline to watch. */
  checkDeadline(now: number): number | undefined {
    if (this.#closing || this.state === 'closed') return undefined;
    if (this.state === 'new') {
      const due = this.connectedAt + this.broker.limits.connectTimeoutMs;
      if (now < due) return due;
      this.destroy();
      return undefined;
    }
    if (this.keepAlive === 0) return undefined;
    const due = this.#lastPacketAt + this.keepAlive * 1500;
    if (now < due) return due;
    this.broker.logger.debug({ clientId: this.clientId }, 'mqtt.keepalive_timeout');
    this.disconnect(ReasonCode.keepAliveTimeout);
    return undefined;
  }

  /** The topic a client's alias stands for (v5 Topic Alias, MQTT 5 §3.3.2.3.4). */
  inboundAlias(alias: number): string | undefined {
    return this.#inboundAliases?.get(alias);
  }

  /** Records the topic of a client's alias. */
  setInboundAlias(alias: number, topic: string): void {
    this.#inboundAliases ??= new Map();
    this.#inboundAliases.set(alias, topic);
  }

  /** PacketSink: mqtt-packet found a packet for this connection. */
  onParsedPacket(packet: Packet): void {
    // Later packets of this connection are parsed for the protocol version of its CONNECT.
    if (packet.cmd === 'connect' && this.#wire === INITIAL_SETTINGS)
      this.#wire = wireSettings(packet.protocolVersion, 'bridgeMode' in packet && packet.bridgeMode === true);
    this.#parsed ??= [];
    this.#parsed.push(packet);
  }

  /** PacketSink: mqtt-packet refused this connection's bytes. */
  onParseError(error: Error): void {
    this.broker.countMalformed();
    this.fail(malformed(error.message));
  }

  /** Whether the stream can still be written. */
  get writable(): boolean {
    return !this.#closing && this.state !== 'closed' && !this.#stream.destroyed;
  }

  /** Whether the connection is ending (`end`/`destroy` called): nothing more can be sent on it. */
  get ending(): boolean {
    return this.#closing;
  }

  /** Whether reading is paused (the client waits for storage or for lagging subscribers). */
  get readingPaused(): boolean {
    return this.#pauses !== undefined && this.#pauses.size > 0;
  }

  /** Bytes waiting in the socket's write buffer. */
  get bufferedBytes(): number {
    return this.#stream.writableLength;
  }

  #onData(chunk: Buffer): void {
    if (this.state === 'closed' || this.#closing) return;
    this.broker.countBytesIn(chunk.length);
    if (this.#head !== undefined) {
      // Bytes may arrive one at a time (WebSocket frames): decide on the first few together.
      this.#head = Buffer.concat([this.#head, chunk]);
      const verdict = this.#checkFirstBytes(this.#head);
      if (verdict === 'refused') return;
      if (verdict === 'ok' || this.#head.length > 16) this.#head = undefined;
    }
    this.#input = this.#input === undefined ? chunk : Buffer.concat([this.#input, chunk]);
    this.#feed();
  }

  /**
   * Parses buffered input in slices and handles the packets one by one, stopping as soon
   * as reading is paused: a paused publisher stops at the next packet, not after a whole
   * socket read.
   */
  #feed(): void {
    for (;;) {
      const parsed = this.#parsed;
      if (parsed !== undefined) {
        while (this.#parsedHead < parsed.length && !this.readingPaused && !this.#closing) {
          const packet = parsed[this.#parsedHead++];
          if (packet !== undefined) this.#onPacket(packet);
        }
        if (this.#parsedHead < parsed.length) return;
        this.#parsed = undefined;
        this.#parsedHead = 0;
      }
      let input = this.#input;
      if (input === undefined || this.readingPaused || this.#closing) return;
      if (this.#parser === undefined && this.#wire !== INITIAL_SETTINGS) {
        // Between packets: complete PUBLISH packets are read and handled directly.
        const pos = this.#readPublishes(input);
        if (pos === READ_INCOMPLETE) return;
        if (pos === input.length) {
          this.#input = undefined;
          return;
        }
        input = pos === 0 ? input : input.subarray(pos);
        this.#input = input;
        if (this.readingPaused || this.#closing) return;
      }
      this.#input = input.length > INPUT_SLICE ? input.subarray(INPUT_SLICE) : undefined;
      const slice = input.length > INPUT_SLICE ? input.subarray(0, INPUT_SLICE) : input;
      this.#parser = parseWire(this.#parser, this.#wire, slice, this);
      // mqtt-packet buffers a packet until it is complete: refuse one that announces a
      // length beyond our maximum before it is buffered (Maximum Packet Size, MQTT 5 §3.1.2.11.4).
      if (announcedLength(this.#parser) > this.broker.limits.maxPacketSize) {
        this.#tooLarge();
        return;
      }
    }
  }

  /**
   * Handles the complete PUBLISH packets at the start of `input` one by one, stopping
   * when reading is paused. Returns where it stopped (the next packet is for mqtt-packet),
   * or READ_INCOMPLETE when it kept the start of an incomplete PUBLISH for the next read.
   */
  #readPublishes(input: Buffer): number {
    const keepLimit = Math.min(INPUT_SLICE, this.broker.limits.maxPacketSize);
    let pos = 0;
    while (pos < input.length) {
      const end = readPublish(input, pos, this.#wire, keepLimit);
      if (end === READ_OTHER) return pos;
      if (end === READ_INCOMPLETE) {
        // Copied: a view would keep the whole socket read alive while waiting.
        this.#input = Buffer.from(input.subarray(pos));
        return READ_INCOMPLETE;
      }
      pos = end;
      const packet = takePublish();
      if (packet !== undefined) this.#onPacket(packet);
      if (this.readingPaused || this.#closing) return pos;
    }
    return pos;
  }

  /**
   * The first packet must be CONNECT [MQTT-3.1.0-1]. A CONNECT with an unknown protocol
   * level is answered with return code 1 (3.1.1) / 0x84 before closing [MQTT-3.1.2-2];
   * mqtt-packet would only report a parse error.
   */
  #checkFirstBytes(head: Buffer): 'ok' | 'wait' | 'refused' {
    if (head.length === 0) return 'wait';
    if (head[0] !== 0x10) {
      this.broker.countMalformed();
      this.destroy();
      return 'refused';
    }
    let pos = 1;
    while (pos < head.length && pos < 5 && ((head[pos] ?? 0) & 0x80) !== 0) pos++;
    pos++;
    if (pos + 2 > head.length) return 'wait';
    const nameLength = head.readUInt16BE(pos);
    const levelAt = pos + 2 + nameLength;
    if (nameLength > 6) return 'ok'; // not MQTT/MQIsdp: the parser refuses it
    if (levelAt >= head.length) return 'wait';
    const name = head.toString('latin1', pos + 2, levelAt);
    const level = head[levelAt] ?? 0;
    if ((name === 'MQTT' || name === 'MQIsdp') && level !== 3 && level !== 4 && level !== 5 && level < 0x80) {
      this.writeBuffer(
        level > 5 ? Buffer.from([0x20, 0x03, 0x00, 0x84, 0x00]) : Buffer.from([0x20, 0x02, 0x00, 0x01]),
      );
      this.end();
      return 'refused';
    }
    return 'ok';
  }

  #tooLarge(): void {
    this.broker.countMalformed();
    this.fail(new MqttProtocolError(ReasonCode.packetTooLarge, 'packet exceeds the maximum packet size'));
  }

  #onPacket(packet: Packet): void {
    if (this.#closing || this.state === 'closed') return;
    this.broker.countPacketIn(packet);
    const size = packet.length ?? 0;
    if (size > this.broker.limits.maxPacketSize) {
      this.#tooLarge();
      return;
    }
    if (this.keepAlive !== 0) this.#lastPacketAt = Date.now();
    if (this.#chain !== undefined) {
      this.#track(this.#chain.then(() => this.#handle(packet)));
      return;
    }
    const result = this.#handle(packet);
    if (result !== undefined) this.#track(result);
  }

  #track(promise: Promise<void>): void {
    this.#chain = promise;
    promise.then(() => {
      if (this.#chain === promise) this.#chain = undefined;
    });
  }

  #handle(packet: Packet): Promise<void> | undefined {
    if (this.#closing || this.state === 'closed') return undefined;
    try {
      if (packet.cmd === 'connect') {
        if (this.state !== 'new') throw new MqttProtocolError(ReasonCode.protocolError, 'second CONNECT'); // [MQTT-3.1.0-2]
        this.state = 'connecting';
      } else if (this.state !== 'connected') {
        // [MQTT-3.1.0-1] nothing but CONNECT before the CONNACK.
        throw new MqttProtocolError(ReasonCode.protocolError, `${packet.cmd} before CONNECT`);
      }
      const handler = this.#handlers[packet.cmd];
      if (handler === undefined) {
        // Packets only a server sends (CONNACK, SUBACK…) are a protocol error from a client.
        throw new MqttProtocolError(ReasonCode.protocolError, `unexpected ${packet.cmd}`);
      }
      const result = handler(this, packet);
      return result === undefined ? undefined : result.catch((error: unknown) => this.fail(error));
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  /** Ends the connection for a failure: a protocol error (DISCONNECT with its code, v5), a refusal (CONNACK), or a bug (0x83). */
  fail(error: unknown): void {
    if (error instanceof ConnectRefusal) {
      this.refuse(error.reasonCode, error.message);
      return;
    }
    if (error instanceof MqttProtocolError) {
      this.broker.logger.debug(
        { clientId: this.clientId, reasonCode: error.reasonCode, err: error.message },
        'mqtt.protocol_error',
      );
      this.disconnect(error.reasonCode, error.message);
      return;
    }
    this.broker.logger.error({ clientId: this.clientId, err: error }, 'mqtt.handler_failed');
    this.disconnect(ReasonCode.implementationSpecificError);
  }

  /** Answers the CONNECT with a refusal and closes [MQTT-3.2.2-7]; 3.1.1 gets the mapped return code. */
  refuse(reasonCode: number, reason?: string): void {
    if (this.protocolVersion === 5) {
      const properties =
        reason !== undefined && this.requestProblemInformation ? { reasonString: reason } : undefined;
      this.send({ cmd: 'connack', sessionPresent: false, reasonCode, properties });
    } else {
      this.send({ cmd: 'connack', sessionPresent: false, returnCode: v3ConnackCode(reasonCode) });
    }
    this.end();
  }

  /**
   * Ends the connection: v5 clients past CONNECT get a DISCONNECT with `reasonCode`
   * first (MQTT 5 §3.14); 3.1.1 has no server DISCONNECT, so the socket just closes.
   */
  disconnect(reasonCode: number, reason?: string): void {
    if (this.#closing || this.state === 'closed') return;
    if (this.state === 'connecting' && reasonCode >= 0x80) {
      this.refuse(reasonCode, reason);
      return;
    }
    if (this.endReason === undefined) {
      this.endReason = disconnectReason(reasonCode);
      this.endReasonCode = reasonCode;
    }
    if (this.protocolVersion === 5 && this.state === 'connected') {
      const properties =
        reason !== undefined && this.requestProblemInformation ? { reasonString: reason } : undefined;
      this.send({ cmd: 'disconnect', reasonCode, properties });
    }
    this.end();
  }

  /** Flushes what was written, then closes; a peer that does not read is cut after a second. */
  end(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#peerClosed) {
      this.#releaseWhenHandled();
      return;
    }
    this.#uncork();
    this.#stream.end();
    setTimeout(() => this.#stream.destroy(), 1000).unref();
  }

  /** Closes at once, without flushing. */
  destroy(): void {
    this.#closing = true;
    if (this.#peerClosed) this.#releaseWhenHandled();
    else this.#stream.destroy();
  }

  /** Starts keep-alive supervision: 1.5 times the interval without a packet closes the connection [MQTT-3.1.2-22]. */
  startKeepAlive(seconds: number): void {
    this.keepAlive = seconds;
    if (seconds === 0) {
      this.broker.deadlines.forget(this);
      return;
    }
    this.#lastPacketAt = Date.now();
    this.broker.deadlines.watch(this, this.#lastPacketAt + seconds * 1500);
  }

  /** Stops reading from the socket for `reason` (acknowledgements waiting for storage, a subscriber that lags). */
  pauseReading(reason: object): void {
    this.#pauses ??= new Set();
    if (this.#pauses.size === 0) this.#stream.pause();
    this.#pauses.add(reason);
  }

  /** Withdraws one reason to pause; reading resumes when none is left. */
  resumeReading(reason: object): void {
    if (this.#pauses === undefined || !this.#pauses.delete(reason) || this.#pauses.size > 0) return;
    this.#pauses = undefined;
    this.#stream.resume();
    // Not re-entrant: the caller may be in the middle of handling another client's packet.
    setImmediate(() => {
      this.#feed();
      if (this.#peerClosed) this.#releaseWhenHandled();
    });
  }

  /**
   * Encodes and writes a control packet. One that exceeds the client's Maximum Packet
   * Size loses its reason string and user properties first, and is dropped if still
   * too large [MQTT-3.1.2-24], [MQTT-3.1.2-25]. Returns whether it was written.
   */
  send(packet: Packet): boolean {
    if (!this.writable) return false;
    let buffer = encodePacket(packet, this.protocolVersion);
    if (buffer.length > this.maximumPacketSize && 'properties' in packet && packet.properties) {
      const { reasonString: _r, userProperties: _u, ...rest } = packet.properties as Record<string, unknown>;
      buffer = encodePacket({ ...packet, properties: rest } as Packet, this.protocolVersion);
    }
    if (buffer.length > this.maximumPacketSize) return false;
    this.writeBuffer(buffer);
    return true;
  }

  /**
   * Sends a PUBLISH. Packets without a topic alias are shared through `cache` between all
   * subscribers of one routing pass that need the same bytes; QoS 1/2 copies get their
   * own packet id patched in. Returns false when the packet exceeds the client's maximum
   * size and was not sent (the caller treats it as delivered [MQTT-3.1.2-25]) or the
   * message has expired.
   */
  sendPublish(out: OutgoingPublish, cache: EncodeCache | undefined, now: number): boolean {
    if (!this.writable) return false;
    const message = out.message;
    let expiry: number | undefined;
    if (message.expiresAt !== null) {
      expiry = Math.ceil((message.expiresAt - now) / 1000);
      if (expiry <= 0) return false; // [MQTT-3.3.2-5] an expired message is not delivered.
    }
    const useAlias = this.protocolVersion === 5 && this.topicAliasMaximum > 0;
    const key =
      useAlias || cache === undefined
        ? undefined
        : `${this.protocolVersion === 5 ? 5 : 4}${out.qos}${out.retain ? 1 : 0}${out.dup ? 1 : 0}${expiry ?? ''}|${out.subscriptionIds.join(',')}`;
    let encoded = key === undefined ? undefined : cache?.get(key);
    if (encoded === undefined) {
      const buffer =
        (this.protocolVersion !== 5
          ? encodePublishV4(message.topic, message.payload, out.qos, out.retain, out.dup, out.packetId)
          : undefined) ?? encodePacket(this.#publishPacket(out, expiry, useAlias), this.protocolVersion);
      encoded = { buffer, idOffset: out.qos > 0 ? packetIdOffset(buffer) : 0 };
      if (key !== undefined && cache !== undefined) cache.set(key, encoded);
      if (buffer.length > this.maximumPacketSize) {
        // Not sent, so the client never learnt an alias this packet would have set
        // [MQTT-3.3.2-12]: the next message on the topic must set it again.
        if (useAlias && this.#pendingAlias !== undefined) this.#outboundAliases?.delete(this.#pendingAlias);
        this.#pendingAlias = undefined;
        return false;
      }
      this.#pendingAlias = undefined;
      this.writeBuffer(buffer);
    } else {
      if (encoded.buffer.length > this.maximumPacketSize) return false;
      if (out.qos > 0) {
        const copy = Buffer.from(encoded.buffer);
        copy.writeUInt16BE(out.packetId, encoded.idOffset);
        this.writeBuffer(copy);
      } else {
        this.writeBuffer(encoded.buffer);
      }
    }
    this.broker.countMessageOut();
    return true;
  }

  #publishPacket(out: OutgoingPublish, expiry: number | undefined, useAlias: boolean): IPublishPacket {
    const message = out.message;
    let topic = message.topic;
    const packet: IPublishPacket = {
      cmd: 'publish',
      topic,
      payload: message.payload,
      qos: out.qos,
      retain: out.retain,
      dup: out.dup,
      messageId: out.qos > 0 ? out.packetId : undefined,
    };
    if (this.protocolVersion !== 5) return packet;
    const properties: NonNullable<IPublishPacket['properties']> = { ...message.properties };
    if (expiry !== undefined) properties.messageExpiryInterval = expiry;
    if (out.subscriptionIds.length === 1) properties.subscriptionIdentifier = out.subscriptionIds[0];
    else if (out.subscriptionIds.length > 1) properties.subscriptionIdentifier = [...out.subscriptionIds];
    if (useAlias) {
      this.#outboundAliases ??= new Map();
      const alias = this.#outboundAliases.get(topic);
      if (alias !== undefined) {
        topic = ''; // [MQTT-3.3.2-…] a known alias stands for the topic.
        properties.topicAlias = alias;
      } else if (this.#outboundAliases.size < this.topicAliasMaximum) {
        const next = this.#outboundAliases.size + 1;
        this.#outboundAliases.set(topic, next);
        this.#pendingAlias = topic;
        properties.topicAlias = next;
      }
    }
    packet.topic = topic;
    packet.properties = properties;
    return packet;
  }

  /** Writes bytes, corking the socket until the end of the tick so a burst leaves in few syscalls. */
  writeBuffer(buffer: Buffer): void {
    if (this.#stream.destroyed) return;
    if (!this.#corked) {
      this.#corked = true;
      this.#stream.cork();
      process.nextTick(() => this.#uncork());
    }
    this.broker.countBytesOut(buffer.length);
    if (!this.#stream.write(buffer)) this.congested = true;
  }

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#stream.uncork();
  }

  #onClose(): void {
    if (this.state === 'closed' || this.#peerClosed) return;
    if (
      !this.#closing &&
      this.state === 'connected' &&
      (this.#input !== undefined || this.#parsed !== undefined)
    ) {
      // The bytes that arrived before the peer's FIN are its packets, in order, and only
      // wait because reading is paused: a publisher that sends its last messages and a
      // DISCONNECT, then closes (mosquitto_pub -l at the end of its input), has them routed
      // once its subscribers catch up, and its will discarded, as by a broker that never
      // pauses. Handling stops at a DISCONNECT [MQTT-3.14.4-1]; nothing is written back.
      this.#peerClosed = true;
      this.#feed();
      this.#releaseWhenHandled();
      return;
    }
    this.#release();
  }

  /** After the peer closed: lets the connection go once its packets are handled or it is ended. */
  #releaseWhenHandled(): void {
    if (this.state === 'closed' || (!this.#closing && this.readingPaused)) return; // resumeReading comes back
    const pending = this.#chain;
    if (pending === undefined) this.#release();
    else void pending.then(() => this.#release());
  }

  /** Lets the connection go: its session is detached (kept, ended, will sent) by the broker. */
  #release(): void {
    if (this.state === 'closed') return;
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.#closing = true;
    this.broker.deadlines.forget(this);
    this.#parser = undefined;
    this.#input = undefined;
    this.#parsed = undefined;
    this.broker.onClose(this, wasConnected);
  }
}
