import {
  type ConnectedEvent,
  type DisconnectedEvent,
  type SubscribedEvent,
  topicMatches,
} from '../../mqtt/index.js';

/** A device as its connection authenticated it. */
export interface ConnectedDevice {
  readonly tenantId: string;
  readonly deviceId: string;
}

/**
 * What a module hears about device connections (the broker's `connected`, `subscribed` and
 * `disconnected` hooks, for devices only). Not awaited; a failure is logged by the broker.
 */
export interface DeviceConnectionListener {
  connected?(device: ConnectedDevice, event: ConnectedEvent): void | Promise<void>;
  subscribed?(device: ConnectedDevice, event: SubscribedEvent): void | Promise<void>;
  disconnected?(device: ConnectedDevice, event: DisconnectedEvent): void | Promise<void>;
}

/** The part of the broker presence reads (`Broker.clients`). */
export interface ClientList {
  clients(tenantId?: string): readonly {
    readonly principal: { readonly kind: string; readonly id: string };
    readonly subscriptions: readonly string[];
  }[];
}

/** Whether a device has a live connection, and whether it listens to a topic of its own. */
export class DevicePresence {
  readonly #broker: ClientList;

  constructor(broker: ClientList) {
    this.#broker = broker;
  }

  /** True while the device has a connected MQTT session. */
  connected(tenantId: string, deviceId: string): boolean {
    return this.#broker
      .clients(tenantId)
      .some((client) => client.principal.kind === 'device' && client.principal.id === deviceId);
  }

  /**
   * True when a connection of the device is subscribed to `devices/{id}/{subtopic}`: what is
   * published there now reaches it.
   */
  listening(tenantId: string, deviceId: string, subtopic: string): boolean {
    const topic = `devices/${deviceId}/${subtopic}`;
    return this.#broker
      .clients(tenantId)
      .some(
        (client) =>
          client.principal.kind === 'device' &&
          client.principal.id === deviceId &&
          client.subscriptions.some((filter) => topicMatches(filter, topic)),
      );
  }
}

/** What a module asks about a device's sessions: `DevicePresence`, or a test's stand-in. */
export type DevicePresenceView = Pick<DevicePresence, 'connected' | 'listening'>;
