import type { ConnectedEvent, DeliveredEvent, DisconnectedEvent, SubscribedEvent } from '../../mqtt/index.js';

/** A device as its connection authenticated it. */
export interface ConnectedDevice {
  readonly tenantId: string;
  readonly deviceId: string;
}

/**
 * What a module hears about device connections (the broker's `connected`, `subscribed`,
 * `disconnected` and `delivered` hooks, for devices only). Not awaited; a failure is
 * logged by the broker.
 */
export interface DeviceConnectionListener {
  connected?(device: ConnectedDevice, event: ConnectedEvent): void | Promise<void>;
  subscribed?(device: ConnectedDevice, event: SubscribedEvent): void | Promise<void>;
  disconnected?(device: ConnectedDevice, event: DisconnectedEvent): void | Promise<void>;
  /**
   * The device acknowledged a message published with `DeviceMessage.trackDelivery` (its
   * PUBACK or PUBCOMP; `event.reasonCode` ≥ 0x80 when a v5 device refused it). Only the
   * device's own connections are reported, not an application that got the message too.
   */
  delivered?(device: ConnectedDevice, event: DeliveredEvent): void | Promise<void>;
}

/** The part of the broker presence reads: its index of device connections. */
export interface DeviceIndex {
  deviceConnected(tenantId: string, deviceId: string): boolean;
  deviceListens(tenantId: string, deviceId: string, topic: string): boolean;
}

/**
 * Whether a device has a live connection, and whether it listens to a topic of its own:
 * a lookup in the broker's index of device connections, kept from CONNACK to the end of
 * the connection (a takeover swaps one connection for the other; a device with several
 * sessions is present while any of them is).
 */
export class DevicePresence {
  readonly #broker: DeviceIndex;

  constructor(broker: DeviceIndex) {
    this.#broker = broker;
  }

  /** True while the device has a connected MQTT session. */
  connected(tenantId: string, deviceId: string): boolean {
    return this.#broker.deviceConnected(tenantId, deviceId);
  }

  /**
   * True when a connection of the device is subscribed to `devices/{id}/{subtopic}`: what is
   * published there now reaches it.
   */
  listening(tenantId: string, deviceId: string, subtopic: string): boolean {
    return this.#broker.deviceListens(tenantId, deviceId, `devices/${deviceId}/${subtopic}`);
  }
}

/** What a module asks about a device's sessions: `DevicePresence`, or a test's stand-in. */
export type DevicePresenceView = Pick<DevicePresence, 'connected' | 'listening'>;
