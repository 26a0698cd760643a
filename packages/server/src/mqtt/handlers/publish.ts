import { isUtf8 } from 'node:buffer';
import type { IPublishPacket } from 'mqtt-packet';
import type { Client } from '../client.js';
import { MqttProtocolError, protocolError } from '../errors.js';
import type { Principal } from '../hooks.js';
import type { StoredMessage } from '../persistence.js';
import { ReasonCode } from '../reason-codes.js';
import type { Session } from '../session.js';
import { isValidTopicName } from '../topics.js';
import { assertNoDuplicateProperties, messageProperties } from './properties.js';

/**
 * Handles PUBLISH from a client: resolve the topic alias, validate, authorize, then
 * either hand the message to the capture pipeline (acknowledged once durable) or store
 * it as retained and route it. QoS 1 is answered with PUBACK, QoS 2 with PUBREC
 * (method B: routed now, the packet id remembered until PUBREL, [MQTT-4.3.3-…]).
 */
export function handlePublish(client: Client, packet: IPublishPacket): void | Promise<void> {
  const session = client.session;
  const principal = client.principal;
  if (session === undefined || principal === undefined) return;
  const v5 = client.protocolVersion === 5;
  const limits = client.broker.limits;
  let topic = packet.topic;
  const properties = packet.properties;
  if (v5 && properties !== undefined) {
    assertNoDuplicateProperties(properties);
    // [MQTT-3.3.4-6] a client must not send a Subscription Identifier.
    if (properties.subscriptionIdentifier !== undefined)
      throw protocolError('subscription identifier from a client');
    const alias = properties.topicAlias;
    if (alias !== undefined) {
      // [MQTT-3.3.2-8], [MQTT-3.3.2-9] alias 0 or above our Topic Alias Maximum.
      if (alias === 0 || alias > limits.topicAliasMaximum) {
        throw new MqttProtocolError(ReasonCode.topicAliasInvalid, 'topic alias out of range');
      }
      if (topic === '') {
        const known = client.inboundAlias(alias);
        if (known === undefined) throw protocolError('unknown topic alias');
        topic = known;
      } else {
        client.setInboundAlias(alias, topic);
      }
    }
    if (properties.responseTopic !== undefined && !isValidTopicName(properties.responseTopic)) {
      throw protocolError('response topic is not a valid topic name'); // [MQTT-3.3.2-14]
    }
  }
  if (!isValidTopicName(topic)) {
    throw new MqttProtocolError(
      v5 ? ReasonCode.topicNameInvalid : ReasonCode.malformedPacket,
      'topic name not valid',
    );
  }
  const qos = packet.qos;
  const packetId = packet.messageId ?? 0;
  if (qos > 0 && packetId === 0) throw protocolError('packet identifier 0'); // [MQTT-2.2.1-3]
  if (qos > 0 && v5 && client.pendingIncoming + session.incoming.size >= limits.receiveMaximum) {
    if (!(qos === 2 && session.incoming.has(packetId))) {
      throw new MqttProtocolError(ReasonCode.receiveMaximumExceeded, 'receive maximum exceeded'); // [MQTT-3.3.4-7]
    }
  }
  if (qos === 2 && session.incoming.has(packetId)) {
    // A retransmission of a QoS 2 message already taken: acknowledge again, do not route again.
    acknowledge(client, session, packet, ReasonCode.success, false);
    return;
  }
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  if (v5 && properties?.payloadFormatIndicator === true && !isUtf8(payload)) {
    acknowledge(client, session, packet, ReasonCode.payloadFormatInvalid, false);
    return;
  }
  const message: StoredMessage = {
    topic,
    payload,
    qos,
    retain: packet.retain,
    properties: v5 ? messageProperties(properties) : undefined,
    expiresAt:
      v5 && properties?.messageExpiryInterval !== undefined
        ? Date.now() + properties.messageExpiryInterval * 1000
        : null,
  };
  const allowed = client.broker.hooks.authorizePublish(principal, topic);
  if (typeof allowed === 'boolean') return accept(client, session, principal, packet, message, allowed);
  return allowed.then((ok) => accept(client, session, principal, packet, message, ok));
}

function accept(
  client: Client,
  session: Session,
  principal: Principal,
  packet: IPublishPacket,
  message: StoredMessage,
  allowed: boolean,
): void {
  const broker = client.broker;
  if (!allowed) {
    broker.logger.debug({ clientId: client.clientId, topic: message.topic }, 'mqtt.publish_not_authorized');
    // v5 says why; 3.1.1 has no negative acknowledgement, so it is acknowledged and dropped [MQTT-3.3.5-2].
    acknowledge(client, session, packet, client.protocolVersion === 5 ? ReasonCode.notAuthorized : 0, false);
    return;
  }
  // The connection ended while the publish was authorized: no acknowledgement can reach
  // the client, which resends it on its next connection, and capturing it now could put
  // it behind that resend.
  if (packet.qos > 0 && client.state === 'closed') return;
  if (packet.qos === 2) rememberIncoming(client, session, packet.messageId ?? 0);
  const captured = broker.hooks.capture?.(principal, {
    topic: message.topic,
    payload: message.payload,
    qos: message.qos,
    retain: message.retain,
    dup: packet.dup,
    packetId: packet.messageId ?? 0,
    // The connection itself: its phase is read when the frame is built.
    origin: client,
    properties: {
      payloadFormatIndicator: packet.properties?.payloadFormatIndicator,
      contentType: packet.properties?.contentType,
      userProperties: packet.properties?.userProperties,
      messageExpiryInterval: packet.properties?.messageExpiryInterval,
      responseTopic: packet.properties?.responseTopic,
      correlationData: packet.properties?.correlationData,
    },
  });
  if (captured !== undefined && captured !== false) {
    // Store first, then route: if the pipeline fails, nothing was delivered and nothing
    // acknowledged. Routing happens in publish order, like the acknowledgements.
    const route = () => {
      const routed = broker.route(principal.tenantId, message, session);
      broker.throttle(client);
      if (typeof routed !== 'number') routed.catch(() => {});
    };
    let refused = false;
    acknowledgeLater(
      client,
      session,
      packet,
      captured.then((verdict) => {
        if (verdict.reasonCode !== undefined) {
          refused = true;
          broker.logger.warn(
            { clientId: client.clientId, topic: message.topic, reasonCode: verdict.reasonCode },
            'mqtt.publish_refused',
          );
          // 3.1.1 cannot refuse: acknowledged, so that the client does not resend it forever.
          return client.protocolVersion === 5 ? verdict.reasonCode : ReasonCode.success;
        }
        // A new message stored: this connection is past its resends.
        if (!verdict.duplicate) client.uplinkPhase = 'steady';
        return ReasonCode.success;
      }),
      () => {
        if (!refused) route();
      },
    );
    return;
  }
  const retained = message.retain ? broker.storeRetained(principal.tenantId, message) : undefined;
  const routed = broker.route(principal.tenantId, message, session);
  // Subscribers that lag behind slow this publisher down instead of growing their queues.
  broker.throttle(client);
  if (packet.qos === 0) {
    retained?.catch(() => {});
    if (typeof routed !== 'number') routed.catch(() => {});
    return;
  }
  const code =
    client.protocolVersion === 5 && routed === 0 && !message.retain
      ? ReasonCode.noMatchingSubscribers
      : ReasonCode.success;
  const pending: Promise<void>[] = [];
  if (retained !== undefined) pending.push(retained);
  if (typeof routed !== 'number') pending.push(routed);
  if (pending.length === 0 && client.ackChain === undefined) {
    acknowledge(client, session, packet, code, false);
    return;
  }
  acknowledgeLater(
    client,
    session,
    packet,
    Promise.all(pending).then(() => code),
  );
}

/** The reason a publisher is paused while its acknowledgements wait for storage. */
const PENDING_ACKS = Object.freeze({ reason: 'pending acknowledgements' });

function rememberIncoming(client: Client, session: Session, packetId: number): void {
  session.incoming.add(packetId);
  if (session.persistent)
    client.broker.lane.run((p) => p.putIncoming(session.key, [packetId])).catch(() => {});
}

/**
 * Sends PUBACK or PUBREC once `work` is done, after every earlier pending acknowledgement
 * of this client; `onSuccess` (routing) runs just before, in the same order.
 */
function acknowledgeLater(
  client: Client,
  session: Session,
  packet: IPublishPacket,
  work: Promise<number>,
  onSuccess?: () => void,
): void {
  const limits = client.broker.limits;
  client.pendingIncoming++;
  // A 3.1.1 publisher faster than storage waits: stop reading its socket until
  // acknowledgements catch up. A v5 client knows our Receive Maximum and must respect it.
  if (client.protocolVersion !== 5 && client.pendingIncoming >= limits.receiveMaximum) {
    client.pauseReading(PENDING_ACKS);
  }
  work.catch(() => {});
  const previous = client.ackChain ?? Promise.resolve();
  const next = previous
    .then(() => work)
    .then(
      (code) => {
        onSuccess?.();
        acknowledge(client, session, packet, code, true);
      },
      (error: unknown) => {
        client.broker.logger.warn({ err: error, clientId: client.clientId }, 'mqtt.publish_not_stored');
        if (client.protocolVersion === 5)
          acknowledge(client, session, packet, ReasonCode.unspecifiedError, true);
        else {
          // 3.1.1 cannot refuse a message: close, so the client sends it again.
          client.pendingIncoming--;
          client.disconnect(ReasonCode.unspecifiedError);
        }
      },
    );
  client.ackChain = next;
  next.then(() => {
    if (client.ackChain === next) client.ackChain = undefined;
  });
}

function acknowledge(
  client: Client,
  session: Session,
  packet: IPublishPacket,
  code: number,
  pending: boolean,
): void {
  if (pending) {
    client.pendingIncoming--;
    if (client.pendingIncoming < client.broker.limits.receiveMaximum / 2) client.resumeReading(PENDING_ACKS);
  }
  const messageId = packet.messageId ?? 0;
  const v5 = client.protocolVersion === 5;
  if (packet.qos === 1) {
    client.send(v5 ? { cmd: 'puback', messageId, reasonCode: code } : { cmd: 'puback', messageId });
  } else if (packet.qos === 2) {
    if (code >= 0x80 && session.incoming.delete(messageId) && session.persistent) {
      // A PUBREC with an error ends the exchange: the id is free again [MQTT-4.3.3-…].
      client.broker.lane.run((p) => p.deleteIncoming(session.key, [messageId])).catch(() => {});
    }
    client.send(v5 ? { cmd: 'pubrec', messageId, reasonCode: code } : { cmd: 'pubrec', messageId });
  }
}
