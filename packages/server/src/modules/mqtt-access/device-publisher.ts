import type { UserProperties } from 'mqtt-packet';
import { AppError } from '../../kernel/index.js';
import { isValidTopicName, type MessageProperties, type ServerPublish } from '../../mqtt/index.js';
import { isAnyUplinkTopic } from './uplink-frame.js';

/** A message from Fleetport to a device, below `devices/{id}/`. */
export interface DeviceMessage {
  /** The topic below `devices/{id}/`: `down`, `down/config`, `twin/desired`… (not `up…`). */
  readonly subtopic: string;
  readonly payload: Buffer | string;
  /** 0 by default; 1 and 2 reach an offline device's persistent session when it comes back. */
  readonly qos?: 0 | 1 | 2;
  /** MQTT 5: where the device should answer (request / response, MQTT 5 §4.10). */
  readonly responseTopic?: string;
  /** MQTT 5: what the device sends back with its answer. */
  readonly correlationData?: Buffer;
  readonly userProperties?: UserProperties;
  readonly contentType?: string;
  /** MQTT 5: seconds after which the message is not delivered any more. */
  readonly messageExpiryInterval?: number;
  /**
   * Tell the connection listeners' `delivered` when the device acknowledges it (QoS 1
   * PUBACK, QoS 2 PUBCOMP), also when it was queued for an offline session and went out
   * after a reconnect or a restart. Nothing is ever heard at QoS 0.
   */
  readonly trackDelivery?: boolean;
}

/** The part of the broker the publisher needs (`Broker.publish`). */
export interface ServerPublishing {
  publish(tenantId: string, input: ServerPublish): Promise<void>;
}

/**
 * Publishes to devices for the modules (commands, twins, configuration): the message goes
 * to `devices/{deviceId}/{subtopic}` of the tenant through the broker's routing, so it
 * reaches the device's connection, or its persistent session's queue while it is offline
 * (QoS 1/2), wherever the device subscribed to that topic; applications subscribed to it
 * see it too, as they would a device's own publish. Resolves once it is queued durably
 * for persistent sessions.
 */
export class DevicePublisher {
  readonly #broker: ServerPublishing;

  constructor(broker: ServerPublishing) {
    this.#broker = broker;
  }

  /** Publishes `message` to one device of a tenant; `validation_failed` for a topic no device may be sent. */
  async publish(tenantId: string, deviceId: string, message: DeviceMessage): Promise<void> {
    if (deviceId.length === 0 || /[/+#]/.test(deviceId))
      throw new AppError('validation_failed', `'${deviceId}' cannot name a device topic`, {
        field: 'deviceId',
      });
    const topic = `devices/${deviceId}/${message.subtopic}`;
    if (message.subtopic.length === 0 || !isValidTopicName(topic))
      throw new AppError('validation_failed', `'${message.subtopic}' is not a valid topic`, {
        field: 'subtopic',
      });
    // Uplink topics carry what devices said (capture stores them); the server never speaks there.
    if (isAnyUplinkTopic(topic))
      throw new AppError('validation_failed', 'the server does not publish to uplink topics', {
        field: 'subtopic',
      });
    if (message.responseTopic !== undefined && !isValidTopicName(message.responseTopic))
      // [MQTT-3.3.2-14] the Response Topic is a topic name.
      throw new AppError('validation_failed', `'${message.responseTopic}' is not a valid topic name`, {
        field: 'responseTopic',
      });
    const properties: MessageProperties = {
      ...(message.responseTopic === undefined ? {} : { responseTopic: message.responseTopic }),
      ...(message.correlationData === undefined ? {} : { correlationData: message.correlationData }),
      ...(message.userProperties === undefined ? {} : { userProperties: message.userProperties }),
      ...(message.contentType === undefined ? {} : { contentType: message.contentType }),
    };
    await this.#broker.publish(tenantId, {
      topic,
      payload: message.payload,
      qos: message.qos ?? 0,
      properties: Object.keys(properties).length === 0 ? undefined : properties,
      ...(message.messageExpiryInterval === undefined
        ? {}
        : { messageExpiryInterval: message.messageExpiryInterval }),
      ...(message.trackDelivery === true ? { track: true } : {}),
    });
  }
}

/** What a module needs to publish to devices: `DevicePublisher`, or a test's stand-in. */
export type DeviceSender = Pick<DevicePublisher, 'publish'>;
