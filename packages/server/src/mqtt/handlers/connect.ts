import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { IConnackPacket, IConnectPacket, QoS } from 'mqtt-packet';
import { type Client, LARGEST_PACKET } from '../client.js';
import { ConnectRefusal } from '../errors.js';
import { isRefusal, type Principal } from '../hooks.js';
import { ReasonCode } from '../reason-codes.js';
import { SESSION_NEVER_EXPIRES, type Session } from '../session.js';
import { isValidTopicName } from '../topics.js';
import { assertNoDuplicateProperties, messageProperties } from './properties.js';

/** What the CONNECT steps work on. */
interface ConnectContext {
  readonly client: Client;
  readonly packet: IConnectPacket;
  clientId: string;
  assignedClientId: string | undefined;
  principal: Principal | undefined;
  session: Session | undefined;
  sessionPresent: boolean;
  expiryInterval: number;
  /** Set when the server chose a different session expiry than requested (told in CONNACK). */
  expiryCapped: boolean;
  /** Set when the server overrides the keep-alive (v5 Server Keep Alive). */
  serverKeepAlive: number | undefined;
}

type ConnectStep = (context: ConnectContext) => void | Promise<void>;

function refuse(reasonCode: number, reason: string): ConnectRefusal {
  return new ConnectRefusal(reasonCode, reason);
}

/** Protocol name and level agree: `MQIsdp` is 3.1, `MQTT` is 3.1.1 or 5 [MQTT-3.1.2-1], [MQTT-3.1.2-2]. */
function checkProtocol({ client, packet }: ConnectContext): void {
  const version = packet.protocolVersion ?? 4;
  client.protocolVersion = version;
  if (version === 5 && packet.properties?.requestProblemInformation === false)
    client.requestProblemInformation = false;
  const expected = version === 3 ? 'MQIsdp' : 'MQTT';
  if (packet.protocolId !== undefined && packet.protocolId !== expected) {
    throw refuse(ReasonCode.unsupportedProtocolVersion, 'protocol name does not match the level');
  }
}

/** Connection limits: shutting down, too many connections, too many new connections per second. */
function admit({ client }: ConnectContext): void {
  const refusal = client.broker.admissionRefusal();
  if (refusal === undefined) return;
  client.broker.metrics.connectionsRefused++;
  throw refuse(refusal, 'connection refused by a server limit');
}

/** v5 CONNECT properties: no duplicates, Receive Maximum and Maximum Packet Size not 0 (MQTT 5 §3.1.2.11). */
function checkProperties({ client, packet }: ConnectContext): void {
  if (client.protocolVersion !== 5) return;
  const properties = packet.properties;
  try {
    assertNoDuplicateProperties(properties);
    assertNoDuplicateProperties(packet.will?.properties);
  } catch {
    throw refuse(ReasonCode.protocolError, 'a property was given more than once');
  }
  if (properties === undefined) return;
  if (properties.receiveMaximum === 0) throw refuse(ReasonCode.protocolError, 'receive maximum 0');
  if (properties.maximumPacketSize === 0) throw refuse(ReasonCode.protocolError, 'maximum packet size 0');
  if (properties.authenticationData !== undefined && properties.authenticationMethod === undefined) {
    throw refuse(ReasonCode.protocolError, 'authentication data without a method'); // [MQTT-3.1.2-…]
  }
  if (properties.receiveMaximum !== undefined) client.receiveMaximum = properties.receiveMaximum;
  // Capped at what MQTT can encode (the same limit in effect), which keeps the field a small integer.
  if (properties.maximumPacketSize !== undefined)
    client.maximumPacketSize = Math.min(properties.maximumPacketSize, LARGEST_PACKET);
  if (properties.topicAliasMaximum !== undefined) client.topicAliasMaximum = properties.topicAliasMaximum;
}

/** No enhanced authentication method is supported: refuse with 0x8C rather than start an exchange (MQTT 5 §4.12). */
function refuseEnhancedAuth({ client, packet }: ConnectContext): void {
  if (client.protocolVersion === 5 && packet.properties?.authenticationMethod !== undefined) {
    throw refuse(ReasonCode.badAuthenticationMethod, 'authentication method not supported');
  }
}

/**
 * Client identifier rules: 3.1 needs one [MQTT-3.1.3-…]; 3.1.1 assigns one to an empty
 * id only with a clean session [MQTT-3.1.3-6], [MQTT-3.1.3-8]; v5 assigns one and tells
 * the client [MQTT-3.1.3-7], [MQTT-3.2.2-16].
 */
function checkClientId(context: ConnectContext): void {
  const { client, packet } = context;
  const id = packet.clientId ?? '';
  if (id.length > client.broker.limits.maxClientIdLength || id.includes('\u0000') || id.includes('\ufffd')) {
    throw refuse(ReasonCode.clientIdentifierNotValid, 'client identifier not valid');
  }
  if (id.length > 0) {
    context.clientId = id;
  } else {
    if (client.protocolVersion === 3)
      throw refuse(ReasonCode.clientIdentifierNotValid, 'empty client identifier');
    if (client.protocolVersion === 4 && packet.clean === false) {
      throw refuse(ReasonCode.clientIdentifierNotValid, 'empty client identifier with a persistent session');
    }
    context.clientId = `fp-${randomBytes(12).toString('base64url')}`;
    context.assignedClientId = context.clientId;
  }
  client.clientId = context.clientId;
}

/** Asks the hooks who this is; a refusal becomes the CONNACK reason code. */
async function authenticate(context: ConnectContext): Promise<void> {
  const { client, packet } = context;
  let result: Principal | { reasonCode: number; reason?: string };
  try {
    result = await client.broker.hooks.authenticate({
      clientId: context.clientId,
      username: packet.username,
      password: packet.password,
      certificateFingerprint: client.meta.certificateFingerprint,
      listener: client.meta.listener,
      protocolVersion: client.protocolVersion,
      remoteAddress: client.meta.remoteAddress,
    });
  } catch (error) {
    client.broker.logger.error({ err: error, clientId: context.clientId }, 'mqtt.authenticate_failed');
    throw refuse(ReasonCode.serverUnavailable, 'authentication is unavailable');
  }
  if (isRefusal(result)) {
    client.broker.metrics.connectionsRefused++;
    throw refuse(result.reasonCode, result.reason ?? 'not authorized');
  }
  context.principal = result;
  client.principal = result;
}

/** The will must be a valid topic the principal may publish to [MQTT-3.1.3-…]. */
async function checkWill(context: ConnectContext): Promise<void> {
  const { client, packet, principal } = context;
  const will = packet.will;
  if (will === undefined || principal === undefined) return;
  if ((will.qos ?? 0) > 2) throw refuse(ReasonCode.malformedPacket, 'will QoS 3'); // [MQTT-3.1.2-14]
  if (!isValidTopicName(will.topic)) throw refuse(ReasonCode.topicNameInvalid, 'will topic not valid');
  const payload = typeof will.payload === 'string' ? Buffer.from(will.payload) : will.payload;
  if (will.properties?.payloadFormatIndicator === true && !isUtf8(payload)) {
    throw refuse(ReasonCode.payloadFormatInvalid, 'will payload is not UTF-8');
  }
  if (!(await client.broker.hooks.authorizePublish(principal, will.topic))) {
    throw refuse(ReasonCode.notAuthorized, 'not authorized to publish the will');
  }
}

/** Session expiry from the CONNECT: v5 property, or 3.1.1 clean session (0 or never); capped by the server. */
function sessionExpiry(context: ConnectContext): void {
  const { client, packet } = context;
  const requested =
    client.protocolVersion === 5
      ? (packet.properties?.sessionExpiryInterval ?? 0)
      : packet.clean === false
        ? SESSION_NEVER_EXPIRES
        : 0;
  const max = client.broker.limits.maxSessionExpiryInterval;
  context.expiryInterval = Math.min(requested, max);
  context.expiryCapped = requested > max;
}

/** Takes over or creates the session [MQTT-3.1.2-4], [MQTT-3.1.2-5], [MQTT-3.1.4-3]. */
async function openSession(context: ConnectContext): Promise<void> {
  const { client, packet, principal } = context;
  if (principal === undefined) return;
  const { session, present } = await client.broker.openSession(
    client,
    { tenantId: principal.tenantId, clientId: context.clientId },
    packet.clean !== false,
    context.expiryInterval,
  );
  context.session = session;
  context.sessionPresent = present;
  // Not `present`: a session lost with a crash leaves clients (mqtt.js) that resend anyway.
  client.uplinkPhase = packet.clean === false && !session.uplinksSettled ? 'resumed' : 'fresh';
  session.uplinksSettled = false;
}

/** Keep-alive (1.5 × the interval, [MQTT-3.1.2-22]); v5 clients may be told a server value [MQTT-3.2.2-21]. */
function setKeepAlive(context: ConnectContext): void {
  const { client, packet } = context;
  let keepAlive = packet.keepalive ?? 0;
  const max = client.broker.limits.maxKeepAlive;
  if (client.protocolVersion === 5 && max !== undefined && (keepAlive === 0 || keepAlive > max)) {
    keepAlive = max;
    context.serverKeepAlive = max;
  }
  client.startKeepAlive(keepAlive);
}

/** Keeps the will until the connection ends [MQTT-3.1.2-8]. */
function storeWill({ client, packet }: ConnectContext): void {
  const will = packet.will;
  if (will === undefined) return;
  const payload = typeof will.payload === 'string' ? Buffer.from(will.payload) : will.payload;
  client.will = {
    message: {
      topic: will.topic,
      payload,
      qos: (will.qos ?? 0) as QoS,
      retain: will.retain ?? false,
      properties: client.protocolVersion === 5 ? messageProperties(will.properties) : undefined,
      expiresAt: null,
    },
    delay: client.protocolVersion === 5 ? (will.properties?.willDelayInterval ?? 0) : 0,
    expiryInterval: client.protocolVersion === 5 ? will.properties?.messageExpiryInterval : undefined,
  };
}

/** Sends CONNACK with the session-present flag [MQTT-3.2.2-1…3] and, for v5, what the server allows. */
function connack(context: ConnectContext): void {
  const { client } = context;
  const limits = client.broker.limits;
  client.state = 'connected';
  client.broker.countConnection(client);
  if (client.protocolVersion !== 5) {
    client.send({ cmd: 'connack', sessionPresent: context.sessionPresent, returnCode: 0 });
    return;
  }
  const properties: NonNullable<IConnackPacket['properties']> = {
    receiveMaximum: limits.receiveMaximum,
    maximumPacketSize: limits.maxPacketSize,
    topicAliasMaximum: limits.topicAliasMaximum,
  };
  if (context.assignedClientId !== undefined) properties.assignedClientIdentifier = context.assignedClientId;
  if (context.expiryCapped) properties.sessionExpiryInterval = context.expiryInterval;
  if (context.serverKeepAlive !== undefined) properties.serverKeepAlive = context.serverKeepAlive;
  client.send({ cmd: 'connack', sessionPresent: context.sessionPresent, reasonCode: 0, properties });
}

/** Resends unacknowledged messages and drains the queue of a resumed session [MQTT-4.4.0-1]. */
function resume({ client, session }: ConnectContext): void {
  if (session !== undefined) client.broker.resume(session);
}

/**
 * Tells the `connected` hook, last: a resumed session's queue has gone out, so what the
 * hook publishes to the client comes after it.
 */
function announce({ client, sessionPresent }: ConnectContext): void {
  if (client.state === 'connected') client.broker.announceConnected(client, sessionPresent);
}

/** The CONNECT procedure, in order. */
export const connectSteps: readonly ConnectStep[] = [
  checkProtocol,
  admit,
  checkProperties,
  refuseEnhancedAuth,
  checkClientId,
  authenticate,
  checkWill,
  sessionExpiry,
  openSession,
  setKeepAlive,
  storeWill,
  connack,
  resume,
  announce,
];

/** Handles CONNECT: runs the steps; a refusal is answered by CONNACK and closes (see Client.fail). */
export async function handleConnect(client: Client, packet: IConnectPacket): Promise<void> {
  const context: ConnectContext = {
    client,
    packet,
    clientId: '',
    assignedClientId: undefined,
    principal: undefined,
    session: undefined,
    sessionPresent: false,
    expiryInterval: 0,
    expiryCapped: false,
    serverKeepAlive: undefined,
  };
  for (const step of connectSteps) {
    await step(context);
    if (client.state === 'closed') {
      // The socket closed while a step awaited: give the session back.
      if (client.session !== undefined) client.broker.detach(client);
      return;
    }
  }
}
