import type { ISubscribePacket, QoS } from 'mqtt-packet';
import type { Client } from '../client.js';
import { protocolError } from '../errors.js';
import { isExcepted } from '../hooks.js';
import type { SubscriptionRecord } from '../persistence.js';
import { ReasonCode } from '../reason-codes.js';
import { parseFilter } from '../topics.js';
import { assertNoDuplicateProperties } from './properties.js';

/**
 * SUBSCRIBE: validate and authorize each filter, store the subscriptions, answer SUBACK
 * with one code per filter in order [MQTT-3.8.4-6], then send the retained messages the
 * retain handling asks for (never for shared subscriptions [MQTT-3.8.4-…]), each with
 * the retain flag set [MQTT-3.3.1-9]. A subscription the hooks grant with exceptions
 * never carries the excepted topics, retained or not.
 */
export async function handleSubscribe(client: Client, packet: ISubscribePacket): Promise<void> {
  const session = client.session;
  const principal = client.principal;
  if (session === undefined || principal === undefined) return;
  const v5 = client.protocolVersion === 5;
  let subscriptionId: number | undefined;
  if (v5) {
    assertNoDuplicateProperties(packet.properties);
    subscriptionId = packet.properties?.subscriptionIdentifier;
    if (subscriptionId === 0) throw protocolError('subscription identifier 0'); // MQTT 5 §3.8.2.1.2
  }
  const codes: number[] = [];
  const added: SubscriptionRecord[] = [];
  const retainedFor: SubscriptionRecord[] = [];
  for (const requested of packet.subscriptions) {
    const parsed = parseFilter(requested.topic);
    if (parsed === undefined) {
      codes.push(v5 ? ReasonCode.topicFilterInvalid : 0x80);
      continue;
    }
    // [MQTT-3.8.3-4] No Local on a shared subscription is a protocol error.
    if (parsed.group !== undefined && requested.nl === true)
      throw protocolError('no local on a shared subscription');
    const verdict = await client.broker.hooks.authorizeSubscribe(principal, parsed.filter);
    if (client.state !== 'connected' || client.session !== session) return;
    if (verdict === false || (typeof verdict === 'object' && 'reasonCode' in verdict)) {
      client.broker.logger.debug(
        { clientId: client.clientId, filter: requested.topic },
        'mqtt.subscribe_not_authorized',
      );
      // [MQTT-3.9.3-…] 3.1.1 has one failure code, 0x80; v5 says why (0x87 unless the hooks chose).
      codes.push(v5 ? (verdict === false ? ReasonCode.notAuthorized : verdict.reasonCode) : 0x80);
      continue;
    }
    const except = typeof verdict === 'object' && verdict.except.length > 0 ? [...verdict.except] : undefined;
    const record: SubscriptionRecord = {
      filter: requested.topic,
      qos: requested.qos as QoS,
      noLocal: requested.nl === true,
      retainAsPublished: requested.rap === true,
      retainHandling: (requested.rh ?? 0) as 0 | 1 | 2,
      subscriptionId,
      ...(except === undefined ? {} : { except }),
    };
    const isNew = client.broker.addSubscription(session, record);
    added.push(record);
    codes.push(record.qos);
    if (
      parsed.group === undefined &&
      (record.retainHandling === 0 || (record.retainHandling === 1 && isNew))
    ) {
      retainedFor.push(record);
    }
  }
  if (added.length > 0 && session.persistent) {
    client.broker.lane.run((p) => p.putSubscriptions(session.key, added)).catch(() => {});
  }
  client.send({ cmd: 'suback', messageId: packet.messageId ?? 0, granted: codes });
  const now = Date.now();
  for (const record of retainedFor) {
    const ids = record.subscriptionId === undefined ? [] : [record.subscriptionId];
    for (const message of client.broker.retainedFor(principal.tenantId, record.filter)) {
      if (isExcepted(record.except, message.topic)) continue;
      const qos = Math.min(message.qos, record.qos) as QoS;
      const durable = client.broker.deliver(session, message, qos, true, ids, undefined, now);
      durable?.catch(() => {});
    }
  }
  // Retained messages are not a publisher to slow down.
  client.broker.throttle(undefined);
  client.broker.announceSubscribed(
    client,
    added.map((record) => record.filter),
  );
}
